package mapping_test

import (
	"errors"
	"testing"

	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// Self-referential many-to-many (issue 29, item 6): User.Following and
// User.Followers through follows(follower_id, followed_id), as SQLAlchemy's
// "Self-Referential Many-to-Many Relationship" with primaryjoin and
// secondaryjoin.

func followsTable() *schema.Table {
	return &schema.Table{Name: "follows", Columns: []*schema.Column{
		{Name: "follower_id", Type: schema.BigInt, References: "users.id", PrimaryKey: true},
		{Name: "followed_id", Type: schema.BigInt, References: "users.id", PrimaryKey: true},
		{Name: "note", Type: schema.String(32)},
	}}
}

// back_populates, both sides naming their link column.
type sfUser struct {
	_         struct{}  `relm:"table:users"`
	ID        int64     `relm:"pk"`
	Following []*sfUser `relm:"secondary:follows;secondary_local:follower_id;secondary_remote:followed_id;back_populates:Followers"`
	Followers []*sfUser `relm:"secondary:follows;secondary_local:followed_id;back_populates:Following"`
}

// backref, one link column named (the other is the remaining one).
type sbUser struct {
	_         struct{}  `relm:"table:users"`
	ID        int64     `relm:"pk"`
	Following []*sbUser `relm:"secondary:follows;secondary_local:follows.follower_id;backref:Followers"`
	Followers []*sbUser
}

var followsFKs = map[string][]string{
	"users":   nil,
	"follows": {"follows.followed_id -> users(id)", "follows.follower_id -> users(id)"},
}

func selfRefRegistry(t *testing.T, models ...any) (*mapping.Registry, error) {
	t.Helper()
	reg := mapping.NewRegistry()
	if err := reg.AddTable(followsTable()); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(models...); err != nil {
		return reg, err
	}
	return reg, reg.Configure()
}

var (
	wantFollowing = relWant{
		dir: mapping.ManyToMany, target: "", local: "users.id", remote: "users.id",
		secondary: "follows", secLocal: "follows.follower_id", secRemote: "follows.followed_id",
		uselist: true, hasField: true,
	}
	wantFollowers = relWant{
		dir: mapping.ManyToMany, local: "users.id", remote: "users.id",
		secondary: "follows", secLocal: "follows.followed_id", secRemote: "follows.follower_id",
		uselist: true, hasField: true,
	}
)

func TestSelfReferentialManyToManyBackPopulates(t *testing.T) {
	t.Parallel()
	reg, err := selfRefRegistry(t, &sfUser{})
	if err != nil {
		t.Fatal(err)
	}
	w := wantFollowing
	w.reverse = "sfUser.Followers"
	checkRel(t, rel(t, reg, &sfUser{}, "Following"), w)
	w = wantFollowers
	w.reverse = "sfUser.Following"
	checkRel(t, rel(t, reg, &sfUser{}, "Followers"), w)
	createOnEach(t, reg, followsFKs)
}

func TestSelfReferentialManyToManyBackref(t *testing.T) {
	t.Parallel()
	reg, err := selfRefRegistry(t, &sbUser{})
	if err != nil {
		t.Fatal(err)
	}
	w := wantFollowing
	w.reverse = "sbUser.Followers"
	checkRel(t, rel(t, reg, &sbUser{}, "Following"), w)
	w = wantFollowers
	w.reverse, w.isBackref = "sbUser.Following", true
	checkRel(t, rel(t, reg, &sbUser{}, "Followers"), w)
}

// The programmatic form: RelationshipSpec.SecondaryRemote alone chooses
// the target's column, and the parent's is the other.
type spUser struct {
	ID        int64
	Following []*spUser
	Followers []*spUser
}

func TestSelfReferentialManyToManySpec(t *testing.T) {
	t.Parallel()
	reg := mapping.NewRegistry()
	mustMap(t, reg, mapping.ModelSpec{Model: (*spUser)(nil), Table: "users",
		Columns: []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}},
		Relationships: []mapping.RelationshipSpec{{Field: "Followers", Backref: "Following",
			Secondary: mapping.SecondaryTable(followsTable()), SecondaryRemote: []string{"follower_id"}}},
	})
	if err := reg.Configure(); err != nil {
		t.Fatal(err)
	}
	w := wantFollowers
	w.reverse = "spUser.Following"
	checkRel(t, rel(t, reg, &spUser{}, "Followers"), w)
	w = wantFollowing
	w.reverse, w.isBackref = "spUser.Followers", true
	checkRel(t, rel(t, reg, &spUser{}, "Following"), w)
}

// Bad input (item 7): each an error naming the struct and field and what
// to choose from, at Configure, before any SQL.

type sxUnnamed struct {
	_         struct{}     `relm:"table:users"`
	ID        int64        `relm:"pk"`
	Following []*sxUnnamed `relm:"secondary:follows"`
}

type sxMissing struct {
	_         struct{}     `relm:"table:users"`
	ID        int64        `relm:"pk"`
	Following []*sxMissing `relm:"secondary:follows;secondary_local:folower_id"`
}

type sxNotFK struct {
	_         struct{}   `relm:"table:users"`
	ID        int64      `relm:"pk"`
	Following []*sxNotFK `relm:"secondary:follows;secondary_local:note"`
}

type sxOtherTable struct {
	_         struct{}        `relm:"table:users"`
	ID        int64           `relm:"pk"`
	Following []*sxOtherTable `relm:"secondary:follows;secondary_local:users.id"`
}

type sxSame struct {
	_         struct{}  `relm:"table:users"`
	ID        int64     `relm:"pk"`
	Following []*sxSame `relm:"secondary:follows;secondary_local:follower_id;secondary_remote:follower_id"`
}

type sxForeignKeys struct {
	_         struct{}         `relm:"table:users"`
	ID        int64            `relm:"pk"`
	Following []*sxForeignKeys `relm:"secondary:follows;foreign_keys:follower_id"`
}

type sxSelfPaired struct {
	_       struct{}        `relm:"table:users"`
	ID      int64           `relm:"pk"`
	Friends []*sxSelfPaired `relm:"secondary:follows;secondary_local:follower_id;back_populates:Friends"`
}

type sxSameSides struct {
	_         struct{}       `relm:"table:users"`
	ID        int64          `relm:"pk"`
	Following []*sxSameSides `relm:"secondary:follows;secondary_local:follower_id;back_populates:Followers"`
	Followers []*sxSameSides `relm:"secondary:follows;secondary_local:follower_id;back_populates:Following"`
}

func TestSelfReferentialManyToManyBadInput(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		model     any
		kind      error
		fragments []string
	}{
		{&sxUnnamed{}, mapping.ErrAmbiguousForeignKeys, []string{"sxUnnamed.Following", "self-referential", `the secondary table "follows" has 2 foreign keys to "users"`,
			"follower_id, followed_id", "secondary_local:follower_id;secondary_remote:followed_id"}},
		{&sxMissing{}, mapping.ErrNoForeignKeys, []string{"sxMissing.Following", "secondary_local:folower_id", `no column "folower_id"`,
			"follower_id, followed_id", `did you mean "follower_id"?`}},
		{&sxNotFK{}, mapping.ErrNoForeignKeys, []string{"sxNotFK.Following", "follows.note does not reference \"users\"", "follower_id, followed_id"}},
		{&sxOtherTable{}, mapping.ErrNoForeignKeys, []string{"sxOtherTable.Following", `names a column of "users"`, `secondary table "follows"`}},
		{&sxSame{}, mapping.ErrAmbiguousForeignKeys, []string{"sxSame.Following", "both sides would join through follower_id", "two different link columns"}},
		{&sxForeignKeys{}, mapping.ErrAmbiguousForeignKeys, []string{"sxForeignKeys.Following", "both sides would join through follower_id", "secondary_local"}},
		{&sxSelfPaired{}, mapping.ErrBackPopulates, []string{"sxSelfPaired.Friends", "different columns of \"follows\""}},
		{&sxSameSides{}, mapping.ErrBackPopulates, []string{"sxSameSides.", "different columns of \"follows\""}},
	} {
		_, err := selfRefRegistry(t, c.model)
		wantErr(t, err, c.fragments...)
		var ce *mapping.ConfigError
		if !errors.As(err, &ce) || !errors.Is(err, c.kind) {
			t.Errorf("%T: %v is not a *ConfigError of kind %v", c.model, err, c.kind)
		}
	}
}

type sxEmptyTag struct {
	_         struct{}      `relm:"table:users"`
	ID        int64         `relm:"pk"`
	Following []*sxEmptyTag `relm:"secondary:follows;secondary_local:"`
}

type sxOnColumn struct {
	_    struct{} `relm:"table:users"`
	ID   int64    `relm:"pk"`
	Name string   `relm:"secondary_remote:x"`
}

type sxNoSecondary struct {
	_         struct{}         `relm:"table:users"`
	ID        int64            `relm:"pk"`
	ParentID  *int64           `relm:"fk:users.id"`
	Following []*sxNoSecondary `relm:"secondary_local:follower_id"`
}

func TestSecondaryLinkColumnTags(t *testing.T) {
	t.Parallel()
	_, err := selfRefRegistry(t, &sxEmptyTag{})
	wantErr(t, err, "sxEmptyTag.Following", "secondary_local needs the link table's column")
	var te *mapping.TagError
	if !errors.As(err, &te) {
		t.Errorf("%v is not a *TagError", err)
	}
	_, err = selfRefRegistry(t, &sxOnColumn{})
	wantErr(t, err, "sxOnColumn.Name", "a relationship field is *T or []*T")
	_, err = selfRefRegistry(t, &sxNoSecondary{})
	wantErr(t, err, "sxNoSecondary.Following", "give the link table with secondary")
}

// The link-column keys serve a many-to-many between two tables too, when
// the link table holds two foreign keys to one of them: reviews(article_id,
// reviewer_id, editor_id).
type lcArticle struct {
	_         struct{}  `relm:"table:articles"`
	ID        int64     `relm:"pk"`
	Reviewers []*lcUser `relm:"secondary:reviews;secondary_remote:reviewer_id;backref:Reviewed"`
	Editors   []*lcUser `relm:"secondary:reviews;secondary_remote:editor_id;backref:Edited"`
}

type lcUser struct {
	_  struct{} `relm:"table:users"`
	ID int64    `relm:"pk"`
}

func TestSecondaryLinkColumnsBetweenTwoTables(t *testing.T) {
	t.Parallel()
	reg := mapping.NewRegistry()
	if err := reg.AddTable(&schema.Table{Name: "reviews", Columns: []*schema.Column{
		{Name: "article_id", Type: schema.BigInt, References: "articles.id", PrimaryKey: true},
		{Name: "reviewer_id", Type: schema.BigInt, References: "users.id", PrimaryKey: true},
		{Name: "editor_id", Type: schema.BigInt, References: "users.id", PrimaryKey: true},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(&lcArticle{}, &lcUser{}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Configure(); err != nil {
		t.Fatal(err)
	}
	checkRel(t, rel(t, reg, &lcArticle{}, "Editors"), relWant{
		dir: mapping.ManyToMany, local: "articles.id", remote: "users.id",
		secondary: "reviews", secLocal: "reviews.article_id", secRemote: "reviews.editor_id",
		reverse: "lcUser.Edited", uselist: true, hasField: true,
	})
	checkRel(t, rel(t, reg, &lcUser{}, "Reviewed"), relWant{
		dir: mapping.ManyToMany, local: "users.id", remote: "articles.id",
		secondary: "reviews", secLocal: "reviews.reviewer_id", secRemote: "reviews.article_id",
		reverse: "lcArticle.Reviewers", isBackref: true, uselist: true,
	})
}
