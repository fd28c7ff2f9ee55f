// Self-referential many-to-many: users who follow users through a link
// table with two foreign keys to the same table. The mapping says which
// link column points at the user who holds the collection
// (secondary_local, SQLAlchemy's primaryjoin) and which at the users in it
// (secondary_remote, its secondaryjoin). Then the same graph as an
// association object, the link table mapped to a struct with a column of
// its own.
//
// The SQLAlchemy it mirrors:
//
//	follows = Table("follows", Base.metadata,
//	    Column("follower_id", Integer, ForeignKey("users.id"), primary_key=True),
//	    Column("followed_id", Integer, ForeignKey("users.id"), primary_key=True))
//
//	class User(Base):
//	    __tablename__ = "users"
//	    id = Column(Integer, primary_key=True)
//	    name = Column(String(32))
//	    following = relationship("User", secondary=follows,
//	        primaryjoin=id == follows.c.follower_id,
//	        secondaryjoin=id == follows.c.followed_id,
//	        backref="followers")
//
//	class Follow(Base):                      # the association object
//	    __tablename__ = "member_follows"
//	    follower_id = Column(ForeignKey("members.id"), primary_key=True)
//	    followed_id = Column(ForeignKey("members.id"), primary_key=True)
//	    since = Column(String(16))
//	    follower = relationship("Member", foreign_keys=[follower_id], back_populates="following_links")
//	    followed = relationship("Member", foreign_keys=[followed_id], back_populates="follower_links")
//
// Run it with: go run ./examples/self-referential
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// User follows users; Followers is the backref, bound to its field.
type User struct {
	ID        int
	Name      string  `relm:"size:32"`
	Following []*User `relm:"secondary:follows;secondary_local:follower_id;secondary_remote:followed_id;backref:Followers;order_by:Name"`
	Followers []*User
}

func (User) TableName() string { return "users" }

// follows is the link table: two foreign keys to users, both the key.
func follows() *schema.Table {
	return &schema.Table{Name: "follows", Columns: []*schema.Column{
		{Name: "follower_id", Type: schema.BigInt, References: "users.id", PrimaryKey: true},
		{Name: "followed_id", Type: schema.BigInt, References: "users.id", PrimaryKey: true},
	}}
}

// Member and Follow: the association object. Two one-to-many
// relationships from members to member_follows, told apart by their
// foreign key.
type Member struct {
	ID             int
	Name           string    `relm:"size:32"`
	FollowingLinks []*Follow `relm:"foreign_keys:follower_id;back_populates:Follower;cascade:all,delete-orphan"`
	FollowerLinks  []*Follow `relm:"foreign_keys:followed_id;back_populates:Followed;cascade:all,delete-orphan"`
}

func (Member) TableName() string { return "members" }

// Follow is one member following another, since a date.
type Follow struct {
	FollowerID int     `relm:"pk;autoincrement:false;fk:members.id"`
	FollowedID int     `relm:"pk;autoincrement:false;fk:members.id"`
	Since      string  `relm:"size:16"`
	Follower   *Member `relm:"foreign_keys:follower_id;back_populates:FollowingLinks"`
	Followed   *Member `relm:"foreign_keys:followed_id;back_populates:FollowerLinks"`
}

func (Follow) TableName() string { return "member_follows" }

// Ambiguous says nothing about which link column is whose: either reading
// is as likely, so Configure refuses it.
type Ambiguous struct {
	ID        int
	Following []*Ambiguous `relm:"secondary:follows"`
}

func (Ambiguous) TableName() string { return "users" }

func names(us []*User) string {
	var s []string
	for _, u := range us {
		s = append(s, u.Name)
	}
	return "[" + strings.Join(s, " ") + "]"
}

func run(ctx context.Context) error {
	db, err := relm.Open(ctx, "sqlite::memory:")
	if err != nil {
		return err
	}
	defer db.Close()
	reg := mapping.NewRegistry()
	if err := reg.AddTable(follows()); err != nil {
		return err
	}
	if err := reg.Register(&User{}, &Member{}, &Follow{}); err != nil {
		return err
	}
	if err := reg.CreateAll(ctx, db); err != nil {
		return err
	}
	if err := followers(ctx, db, reg); err != nil {
		return err
	}
	if err := members(ctx, db, reg); err != nil {
		return err
	}
	bad := mapping.NewRegistry()
	if err := bad.AddTable(follows()); err != nil {
		return err
	}
	if err := bad.Register(&Ambiguous{}); err != nil {
		return err
	}
	fmt.Println("without secondary_local:", bad.Configure())
	return nil
}

// followers saves users following each other (a cycle, and a user who
// follows herself), then loads and filters them.
func followers(ctx context.Context, db *relm.DB, reg *mapping.Registry) error {
	s := relm.NewSession(db, reg)
	defer s.Close()
	ada, bob, cyd := &User{Name: "ada"}, &User{Name: "bob"}, &User{Name: "cyd"}
	ada.Following = []*User{bob, cyd}
	bob.Following = []*User{ada}
	cyd.Following = []*User{cyd}
	if err := s.Add(ada); err != nil {
		return err
	}
	if err := s.Commit(ctx); err != nil {
		return err
	}
	fmt.Println("after the commit, in memory: bob's followers", names(bob.Followers))

	s2 := relm.NewSession(db, reg)
	defer s2.Close()
	users, err := relm.Select[User](s2).SelectIn("Following", "Followers").OrderBy("Name").All(ctx)
	if err != nil {
		return err
	}
	fmt.Println("loaded with select-in:")
	for _, u := range users {
		fmt.Printf("  %s follows %s, followed by %s\n", u.Name, names(u.Following), names(u.Followers))
	}
	fans, err := relm.Select[User](s2).Where(relm.Any("Following", relm.Eq("Name", "cyd"))).OrderBy("Name").All(ctx)
	if err != nil {
		return err
	}
	fmt.Println("who follows cyd:", names(fans))
	return nil
}

// members saves the same kind of graph through the association object,
// then loads the links and the members they point at.
func members(ctx context.Context, db *relm.DB, reg *mapping.Registry) error {
	s := relm.NewSession(db, reg)
	defer s.Close()
	ada, bob := &Member{Name: "ada"}, &Member{Name: "bob"}
	ada.FollowingLinks = []*Follow{{Followed: bob, Since: "2024-01"}}
	bob.FollowingLinks = []*Follow{{Followed: ada, Since: "2025-06"}}
	if err := s.Add(ada); err != nil {
		return err
	}
	if err := s.Commit(ctx); err != nil {
		return err
	}
	s2 := relm.NewSession(db, reg)
	defer s2.Close()
	ms, err := relm.Select[Member](s2).SelectIn("FollowingLinks.Followed").OrderBy("Name").All(ctx)
	if err != nil {
		return err
	}
	fmt.Println("association object:")
	for _, m := range ms {
		for _, l := range m.FollowingLinks {
			fmt.Printf("  %s follows %s since %s\n", m.Name, l.Followed.Name, l.Since)
		}
	}
	return nil
}

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
