package mapping_test

import (
	"errors"
	"fmt"

	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// Self-referential many-to-many: users follow users through one link
// table whose two foreign keys both reference users; secondary_local and
// secondary_remote say which is whose.
//
//	following = relationship("User", secondary=follows,
//	    primaryjoin=id == follows.c.follower_id,
//	    secondaryjoin=id == follows.c.followed_id,
//	    backref="followers")
type Follower struct {
	_         struct{} `relm:"table:users"`
	ID        int
	Following []*Follower `relm:"secondary:follows;secondary_local:follower_id;secondary_remote:followed_id;backref:Followers"`
	Followers []*Follower // bound by the backref
}

// Unsaid declares the same relationship without saying which column is
// whose.
type Unsaid struct {
	_         struct{} `relm:"table:users"`
	ID        int
	Following []*Unsaid `relm:"secondary:follows"`
}

func ExampleRegistry_selfReferentialManyToMany() {
	follows := func() *schema.Table {
		return &schema.Table{Name: "follows", Columns: []*schema.Column{
			{Name: "follower_id", Type: schema.BigInt, References: "users.id", PrimaryKey: true},
			{Name: "followed_id", Type: schema.BigInt, References: "users.id", PrimaryKey: true},
		}}
	}
	reg := mapping.NewRegistry()
	check(reg.AddTable(follows()))
	check(reg.Register(&Follower{}))
	check(reg.Configure())
	printRelationships(reg, &Follower{})

	unsaid := mapping.NewRegistry()
	check(unsaid.AddTable(follows()))
	check(unsaid.Register(&Unsaid{}))
	err := unsaid.Configure()
	fmt.Println(errors.Is(err, mapping.ErrAmbiguousForeignKeys))
	// Output:
	// Follower.Following: many-to-many on users.id = follows.follower_id, follows.followed_id = users.id, []*Follower, reverse Follower.Followers
	// Follower.Followers: many-to-many on users.id = follows.followed_id, follows.follower_id = users.id, []*Follower, backref, reverse Follower.Following
	// true
}
