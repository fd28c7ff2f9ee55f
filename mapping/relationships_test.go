package mapping_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// Each pattern of SQLAlchemy's "Basic Relationship Patterns" declared in Go,
// in every form the specification shows, with the specification's table
// names (parent, child, left, right, association). Every case has its own
// registry and its own Go types, and is created on every database.

// ---- One To Many ----

// class Parent: children = relationship("Child")
// class Child:  parent_id = Column(Integer, ForeignKey('parent.id'))
type o2mParent struct {
	_        struct{} `relm:"table:parent"`
	ID       int
	Children []*o2mChild
}

type o2mChild struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int `relm:"fk:parent.id"`
}

func TestOneToMany(t *testing.T) {
	t.Parallel()
	reg := mustConfigure(t, &o2mParent{}, &o2mChild{})
	checkRel(t, rel(t, reg, &o2mParent{}, "Children"), relWant{
		dir: mapping.OneToMany, target: "o2mChild",
		local: "parent.id", remote: "child.parent_id",
		localFields: "o2mParent.ID", remoteFields: "o2mChild.ParentID",
		uselist: true, hasField: true,
	})
	if names := relNames(mapperOf(t, reg, &o2mChild{})); len(names) != 0 {
		t.Errorf("Child has relationships %v; a one-way relationship creates none on the child", names)
	}
	createOnEach(t, reg, map[string][]string{
		"parent": nil,
		"child":  {"child.parent_id -> parent(id)"},
	})
}

// Bidirectional with back_populates:
// class Parent: children = relationship("Child", back_populates="parent")
// class Child:  parent = relationship("Parent", back_populates="children")
type bpParent struct {
	_        struct{} `relm:"table:parent"`
	ID       int
	Children []*bpChild `relm:"back_populates:Parent"`
}

type bpChild struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int      `relm:"fk:parent.id"`
	Parent   *bpParent `relm:"back_populates:Children"`
}

func TestOneToManyBackPopulates(t *testing.T) {
	t.Parallel()
	reg := mustConfigure(t, &bpParent{}, &bpChild{})
	checkRel(t, rel(t, reg, &bpParent{}, "Children"), relWant{
		dir: mapping.OneToMany, local: "parent.id", remote: "child.parent_id",
		reverse: "bpChild.Parent", uselist: true, hasField: true,
	})
	checkRel(t, rel(t, reg, &bpChild{}, "Parent"), relWant{
		dir: mapping.ManyToOne, target: "bpParent", local: "child.parent_id", remote: "parent.id",
		localFields: "bpChild.ParentID", remoteFields: "bpParent.ID",
		reverse: "bpParent.Children", uselist: false, hasField: true,
	})
	createOnEach(t, reg, map[string][]string{
		"parent": nil,
		"child":  {"child.parent_id -> parent(id)"},
	})
}

// With backref, Child declaring no relationship:
// class Parent: children = relationship("Child", backref="parent")
// class Child:  parent_id = Column(Integer, ForeignKey('parent.id'))
type brParent struct {
	_        struct{} `relm:"table:parent"`
	ID       int
	Children []*brChild `relm:"backref:Parent"`
}

type brChild struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int `relm:"fk:parent.id"`
}

func TestOneToManyBackref(t *testing.T) {
	t.Parallel()
	reg := mustConfigure(t, &brParent{}, &brChild{})
	checkRel(t, rel(t, reg, &brParent{}, "Children"), relWant{
		dir: mapping.OneToMany, local: "parent.id", remote: "child.parent_id",
		reverse: "brChild.Parent", uselist: true, hasField: true,
	})
	// Child has no field named Parent: the relationship exists in the
	// mapper alone.
	back := rel(t, reg, &brChild{}, "Parent")
	checkRel(t, back, relWant{
		dir: mapping.ManyToOne, target: "brParent", local: "child.parent_id", remote: "parent.id",
		localFields: "brChild.ParentID", remoteFields: "brParent.ID",
		reverse: "brParent.Children", uselist: false, hasField: false, isBackref: true,
	})
	if got := relNames(mapperOf(t, reg, &brChild{})); !slices.Equal(got, []string{"Parent"}) {
		t.Errorf("Child relationships = %v, want [Parent]", got)
	}
	createOnEach(t, reg, map[string][]string{
		"parent": nil,
		"child":  {"child.parent_id -> parent(id)"},
	})
}

// The backref bound to an untagged field of its name on Child.
type brfParent struct {
	_        struct{} `relm:"table:parent"`
	ID       int
	Children []*brfChild `relm:"backref:Parent"`
}

type brfChild struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int `relm:"fk:parent.id"`
	Parent   *brfParent
}

func TestOneToManyBackrefBoundToField(t *testing.T) {
	t.Parallel()
	reg := mustConfigure(t, &brfParent{}, &brfChild{})
	checkRel(t, rel(t, reg, &brfChild{}, "Parent"), relWant{
		dir: mapping.ManyToOne, local: "child.parent_id", remote: "parent.id",
		reverse: "brfParent.Children", uselist: false, hasField: true, isBackref: true,
	})
	// One relationship, not two: the untagged field is the backref's binding.
	if got := relNames(mapperOf(t, reg, &brfChild{})); !slices.Equal(got, []string{"Parent"}) {
		t.Errorf("Child relationships = %v, want [Parent]", got)
	}
	createOnEach(t, reg, map[string][]string{
		"parent": nil,
		"child":  {"child.parent_id -> parent(id)"},
	})
}

// ---- One To One ----

// From one-to-many:
// class Parent: child = relationship("Child", uselist=False, back_populates="parent")
// class Child:  parent_id = ForeignKey('parent.id'); parent = relationship("Parent", back_populates="child")
type ooParent struct {
	_     struct{} `relm:"table:parent"`
	ID    int
	Child *ooChild `relm:"back_populates:Parent"`
}

type ooChild struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int      `relm:"fk:parent.id"`
	Parent   *ooParent `relm:"back_populates:Child"`
}

func TestOneToOneFromOneToMany(t *testing.T) {
	t.Parallel()
	reg := mustConfigure(t, &ooParent{}, &ooChild{})
	checkRel(t, rel(t, reg, &ooParent{}, "Child"), relWant{
		dir: mapping.OneToMany, local: "parent.id", remote: "child.parent_id",
		reverse: "ooChild.Parent", uselist: false, hasField: true, oneToOne: true,
	})
	checkRel(t, rel(t, reg, &ooChild{}, "Parent"), relWant{
		dir: mapping.ManyToOne, local: "child.parent_id", remote: "parent.id",
		reverse: "ooParent.Child", uselist: false, hasField: true, oneToOne: true,
	})
	createOnEach(t, reg, map[string][]string{
		"parent": nil,
		"child":  {"child.parent_id -> parent(id)"},
	})
}

// From many-to-one:
// class Parent: child_id = ForeignKey('child.id'); child = relationship("Child", back_populates="parent")
// class Child:  parent = relationship("Parent", back_populates="child", uselist=False)
type moParent struct {
	_       struct{} `relm:"table:parent"`
	ID      int
	ChildID *int     `relm:"fk:child.id"`
	Child   *moChild `relm:"back_populates:Parent"`
}

type moChild struct {
	_      struct{} `relm:"table:child"`
	ID     int
	Parent *moParent `relm:"back_populates:Child"` // a pointer: uselist=False
}

func TestOneToOneFromManyToOne(t *testing.T) {
	t.Parallel()
	reg := mustConfigure(t, &moParent{}, &moChild{})
	checkRel(t, rel(t, reg, &moParent{}, "Child"), relWant{
		dir: mapping.ManyToOne, local: "parent.child_id", remote: "child.id",
		localFields: "moParent.ChildID", remoteFields: "moChild.ID",
		reverse: "moChild.Parent", uselist: false, hasField: true, oneToOne: true,
	})
	checkRel(t, rel(t, reg, &moChild{}, "Parent"), relWant{
		dir: mapping.OneToMany, local: "child.id", remote: "parent.child_id",
		reverse: "moParent.Child", uselist: false, hasField: true, oneToOne: true,
	})
	createOnEach(t, reg, map[string][]string{
		"parent": {"parent.child_id -> child(id)"},
		"child":  nil,
	})
}

// With backref(..., uselist=False), as the specification prints it:
// class Parent: child_id = ForeignKey('child.id')
//
//	child = relationship("Child", backref=backref("parent", uselist=False))
//
// class Child:  parent_id = ForeignKey('parent.id')
// Two foreign keys join parent and child, so the join is ambiguous (as in
// SQLAlchemy) until foreign_keys chooses one.
type obParent struct {
	_       struct{} `relm:"table:parent"`
	ID      int
	ChildID *int     `relm:"fk:child.id"`
	Child   *obChild `relm:"backref:Parent;backref_uselist:false"`
}

type obChild struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int `relm:"fk:parent.id"`
}

type obkParent struct {
	_       struct{} `relm:"table:parent"`
	ID      int
	ChildID *int      `relm:"fk:child.id"`
	Child   *obkChild `relm:"backref:Parent;backref_uselist:false;foreign_keys:child_id"`
}

type obkChild struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int `relm:"fk:parent.id"`
}

func TestOneToOneBackrefAsPrintedIsAmbiguous(t *testing.T) {
	t.Parallel()
	_, err := registerAndConfigure(t, &obParent{}, &obChild{})
	if !errors.Is(err, mapping.ErrAmbiguousForeignKeys) {
		t.Fatalf("err = %v, want errors.Is ErrAmbiguousForeignKeys", err)
	}
	wantErr(t, err, "obParent.Child", "parent.child_id", "child.parent_id", "foreign_keys")
	var ce *mapping.ConfigError
	if !errors.As(err, &ce) || ce.Side != "obParent.Child" {
		t.Errorf("err = %#v, want a *ConfigError on obParent.Child", err)
	}
}

func TestOneToOneBackref(t *testing.T) {
	t.Parallel()
	reg := mustConfigure(t, &obkParent{}, &obkChild{})
	checkRel(t, rel(t, reg, &obkParent{}, "Child"), relWant{
		dir: mapping.ManyToOne, local: "parent.child_id", remote: "child.id",
		reverse: "obkChild.Parent", uselist: false, hasField: true, oneToOne: true,
	})
	checkRel(t, rel(t, reg, &obkChild{}, "Parent"), relWant{
		dir: mapping.OneToMany, local: "child.id", remote: "parent.child_id",
		reverse: "obkParent.Child", uselist: false, hasField: false, isBackref: true, oneToOne: true,
	})
	// Both foreign keys of the specification exist in the live schema,
	// although they form a cycle.
	createOnEach(t, reg, map[string][]string{
		"parent": {"parent.child_id -> child(id)"},
		"child":  {"child.parent_id -> parent(id)"},
	})
}

// Without backref_uselist the backref of a many-to-one is a collection; and
// the programmatic form chooses the foreign key just as the tag does.
func TestOneToOneBackrefUselistDefault(t *testing.T) {
	t.Parallel()
	reg := mapping.NewRegistry()
	mustMap(t, reg, mapping.ModelSpec{Model: (*obParent)(nil), Table: "parent",
		Columns:       []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}, {Field: "ChildID", References: "child.id"}},
		Relationships: []mapping.RelationshipSpec{{Field: "Child", Backref: "Parent", ForeignKeys: []string{"parent.child_id"}}},
	})
	mustMap(t, reg, mapping.ModelSpec{Model: (*obChild)(nil), Table: "child",
		Columns: []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}, {Field: "ParentID", References: "parent.id"}},
	})
	if err := reg.Configure(); err != nil {
		t.Fatal(err)
	}
	checkRel(t, rel(t, reg, &obChild{}, "Parent"), relWant{
		dir: mapping.OneToMany, local: "child.id", remote: "parent.child_id",
		reverse: "obParent.Child", uselist: true, hasField: false, isBackref: true,
	})
}

func mustMap(t *testing.T, reg *mapping.Registry, spec mapping.ModelSpec) *mapping.Mapper {
	t.Helper()
	m, err := reg.Map(spec)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// ---- Many To Many ----

// association_table = Table('association', Base.metadata,
//
//	Column('left_id', Integer, ForeignKey('left.id')),
//	Column('right_id', Integer, ForeignKey('right.id')))
func associationTable() *schema.Table {
	return &schema.Table{Name: "association", Columns: []*schema.Column{
		{Name: "left_id", Type: schema.Integer, References: "left.id"},
		{Name: "right_id", Type: schema.Integer, References: "right.id"},
	}}
}

// m2mLeft and m2mRight carry no tags: the programmatic form maps them.
type m2mLeft struct {
	ID       int
	Children []*m2mRight
}

type m2mRight struct {
	ID      int
	Parents []*m2mLeft
}

var m2mFKs = map[string][]string{
	"left":        nil,
	"right":       nil,
	"association": {"association.left_id -> left(id)", "association.right_id -> right(id)"},
}

// class Parent: __tablename__ = 'left'; children = relationship("Child", secondary=association_table)
// class Child:  __tablename__ = 'right'
func TestManyToManySecondaryTable(t *testing.T) {
	t.Parallel()
	association := associationTable()
	reg := mapping.NewRegistry()
	mustMap(t, reg, mapping.ModelSpec{Model: (*m2mLeft)(nil), Table: "left",
		Columns:       []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}},
		Relationships: []mapping.RelationshipSpec{{Field: "Children", Secondary: mapping.SecondaryTable(association)}},
	})
	mustMap(t, reg, mapping.ModelSpec{Model: (*m2mRight)(nil), Table: "right",
		Columns: []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}},
	})
	if err := reg.Configure(); err != nil {
		t.Fatal(err)
	}
	r := rel(t, reg, &m2mLeft{}, "Children")
	checkRel(t, r, relWant{
		dir: mapping.ManyToMany, target: "m2mRight", local: "left.id", remote: "right.id",
		secondary: "association", secLocal: "association.left_id", secRemote: "association.right_id",
		uselist: true, hasField: true,
	})
	if r.Secondary != association {
		t.Error("Secondary is not the table value given")
	}
	if reg.MetaData().Table("association") != association {
		t.Error("the secondary table was not added to the registry's metadata")
	}
	if got := relNames(mapperOf(t, reg, &m2mRight{})); len(got) != 0 {
		t.Errorf("right has relationships %v; want none", got)
	}
	createOnEach(t, reg, m2mFKs)
}

// class Parent: children = relationship("Child", secondary=lambda: association_table, backref="parents")
// with association_table defined after the classes.
func TestManyToManySecondaryFunc(t *testing.T) {
	t.Parallel()
	var association *schema.Table // declared later, as the specification's lambda allows
	reg := mapping.NewRegistry()
	mustMap(t, reg, mapping.ModelSpec{Model: (*m2mLeft)(nil), Table: "left",
		Columns: []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}},
		Relationships: []mapping.RelationshipSpec{{Field: "Children", Backref: "Parents",
			Secondary: mapping.SecondaryFunc(func() *schema.Table { return association })}},
	})
	mustMap(t, reg, mapping.ModelSpec{Model: (*m2mRight)(nil), Table: "right",
		Columns: []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}},
		// The struct's Parents field is listed, plain: the backref binds to it.
		Relationships: []mapping.RelationshipSpec{{Field: "Parents"}},
	})
	// Configuring before the table exists says so.
	wantErr(t, reg.Configure(), "m2mLeft.Children", "secondary function returned a nil table", "declare the table before")

	association = associationTable()
	if err := reg.Configure(); err != nil {
		t.Fatal(err)
	}
	checkRel(t, rel(t, reg, &m2mLeft{}, "Children"), relWant{
		dir: mapping.ManyToMany, local: "left.id", remote: "right.id",
		secondary: "association", secLocal: "association.left_id", secRemote: "association.right_id",
		reverse: "m2mRight.Parents", uselist: true, hasField: true,
	})
	back := rel(t, reg, &m2mRight{}, "Parents")
	checkRel(t, back, relWant{
		dir: mapping.ManyToMany, target: "m2mLeft", local: "right.id", remote: "left.id",
		secondary: "association", secLocal: "association.right_id", secRemote: "association.left_id",
		reverse: "m2mLeft.Children", uselist: true, hasField: true, isBackref: true,
	})
	if back.Secondary != association {
		t.Error("the backref does not use the same secondary table")
	}
	createOnEach(t, reg, m2mFKs)
}

// class Parent: children = relationship("Child", secondary="association", backref="parents")
type snLeft struct {
	_        struct{} `relm:"table:left"`
	ID       int
	Children []*snRight `relm:"secondary:association;backref:Parents"`
}

type snRight struct {
	_  struct{} `relm:"table:right"`
	ID int
}

func TestManyToManySecondaryName(t *testing.T) {
	t.Parallel()
	reg := mapping.NewRegistry()
	if err := reg.Register(&snLeft{}, &snRight{}); err != nil {
		t.Fatal(err)
	}
	if err := reg.AddTable(associationTable()); err != nil {
		t.Fatal(err)
	}
	if err := reg.Configure(); err != nil {
		t.Fatal(err)
	}
	checkRel(t, rel(t, reg, &snLeft{}, "Children"), relWant{
		dir: mapping.ManyToMany, local: "left.id", remote: "right.id",
		secondary: "association", secLocal: "association.left_id", secRemote: "association.right_id",
		reverse: "snRight.Parents", uselist: true, hasField: true,
	})
	checkRel(t, rel(t, reg, &snRight{}, "Parents"), relWant{
		dir: mapping.ManyToMany, local: "right.id", remote: "left.id",
		secondary: "association", secLocal: "association.right_id", secRemote: "association.left_id",
		reverse: "snLeft.Children", uselist: true, hasField: false, isBackref: true,
	})
	createOnEach(t, reg, m2mFKs)
}

// Bidirectional with back_populates, both sides naming the common table:
// class Parent: children = relationship("Child", secondary=association_table, back_populates="parents")
// class Child:  parents = relationship("Parent", secondary=association_table, back_populates="children")
type bmLeft struct {
	_        struct{} `relm:"table:left"`
	ID       int
	Children []*bmRight `relm:"secondary:association;back_populates:Parents"`
}

type bmRight struct {
	_       struct{} `relm:"table:right"`
	ID      int
	Parents []*bmLeft `relm:"secondary:association;back_populates:Children"`
}

func TestManyToManyBackPopulates(t *testing.T) {
	t.Parallel()
	reg := mapping.NewRegistry()
	if err := reg.Register(&bmLeft{}, &bmRight{}); err != nil {
		t.Fatal(err)
	}
	if err := reg.AddTable(associationTable()); err != nil {
		t.Fatal(err)
	}
	if err := reg.Configure(); err != nil {
		t.Fatal(err)
	}
	checkRel(t, rel(t, reg, &bmLeft{}, "Children"), relWant{
		dir: mapping.ManyToMany, local: "left.id", remote: "right.id",
		secondary: "association", secLocal: "association.left_id", secRemote: "association.right_id",
		reverse: "bmRight.Parents", uselist: true, hasField: true,
	})
	checkRel(t, rel(t, reg, &bmRight{}, "Parents"), relWant{
		dir: mapping.ManyToMany, local: "right.id", remote: "left.id",
		secondary: "association", secLocal: "association.right_id", secRemote: "association.left_id",
		reverse: "bmLeft.Children", uselist: true, hasField: true,
	})
	createOnEach(t, reg, m2mFKs)
}

// The same with the programmatic form and one Table value on both sides.
func TestManyToManyBackPopulatesTableValue(t *testing.T) {
	t.Parallel()
	association := associationTable()
	reg := mapping.NewRegistry()
	mustMap(t, reg, mapping.ModelSpec{Model: (*m2mLeft)(nil), Table: "left",
		Columns: []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}},
		Relationships: []mapping.RelationshipSpec{{Field: "Children", BackPopulates: "Parents",
			Secondary: mapping.SecondaryTable(association)}},
	})
	mustMap(t, reg, mapping.ModelSpec{Model: (*m2mRight)(nil), Table: "right",
		Columns: []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}},
		Relationships: []mapping.RelationshipSpec{{Field: "Parents", BackPopulates: "Children",
			Secondary: mapping.SecondaryTable(association)}},
	})
	if err := reg.Configure(); err != nil {
		t.Fatal(err)
	}
	if r := rel(t, reg, &m2mLeft{}, "Children"); r.Reverse == nil || r.Reverse.Name != "Parents" || r.Reverse.IsBackref {
		t.Errorf("Children.Reverse = %v, want the declared m2mRight.Parents", r.Reverse)
	}
	createOnEach(t, reg, m2mFKs)
}

// ---- self-referential, order_by ----

type category struct {
	_        struct{} `relm:"table:categories"`
	ID       int
	Name     string      `relm:"size:64"`
	ParentID *int        `relm:"fk:categories.id;ondelete:cascade"`
	Parent   *category   `relm:"back_populates:Children"`
	Children []*category `relm:"back_populates:Parent;order_by:Name desc, ID"`
}

func TestSelfReferential(t *testing.T) {
	t.Parallel()
	reg := mustConfigure(t, &category{})
	checkRel(t, rel(t, reg, &category{}, "Children"), relWant{
		dir: mapping.OneToMany, local: "categories.id", remote: "categories.parent_id",
		localFields: "category.ID", remoteFields: "category.ParentID",
		reverse: "category.Parent", uselist: true, hasField: true,
	})
	checkRel(t, rel(t, reg, &category{}, "Parent"), relWant{
		dir: mapping.ManyToOne, local: "categories.parent_id", remote: "categories.id",
		reverse: "category.Children", uselist: false, hasField: true,
	})
	ob := rel(t, reg, &category{}, "Children").OrderBy
	if len(ob) != 2 || ob[0].Field.Name != "Name" || !ob[0].Desc || ob[1].Field.Name != "ID" || ob[1].Desc {
		t.Errorf("OrderBy = %+v, want Name desc, ID asc", ob)
	}
	createOnEach(t, reg, map[string][]string{
		"categories": {"categories.parent_id -> categories(id)"},
	})
}

func TestOrderByErrors(t *testing.T) {
	type Item struct {
		ID      int
		Title   string
		OwnerID *int `relm:"fk:owners.id"`
	}
	// Local types cannot refer to each other, so the collections are
	// declared on the programmatic form.
	type Owner struct {
		ID    int
		Items []*Item
		One   *Item
	}
	for _, c := range []struct {
		rs   mapping.RelationshipSpec
		want []string
	}{
		{mapping.RelationshipSpec{Field: "Items", OrderBy: "Titel"}, []string{"Owner.Items", "order_by", `no mapped field or column "Titel"`, `did you mean "Title"?`}},
		{mapping.RelationshipSpec{Field: "Items", OrderBy: "Title sideways"}, []string{"Owner.Items", `order_by "Title sideways"`, "asc or desc"}},
		{mapping.RelationshipSpec{Field: "One", OrderBy: "Title"}, []string{"Owner.One", "order_by applies to collections"}},
	} {
		reg := mapping.NewRegistry()
		mustMap(t, reg, mapping.ModelSpec{Model: (*Owner)(nil), Columns: []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}},
			Relationships: []mapping.RelationshipSpec{c.rs}})
		mustMap(t, reg, mapping.ModelSpec{Model: (*Item)(nil), Columns: []mapping.ColumnSpec{
			{Field: "ID", PrimaryKey: true}, {Field: "Title"}, {Field: "OwnerID", References: "owners.id"}}})
		wantErr(t, reg.Configure(), c.want...)
	}
}

// ---- misconfigurations ----

type bpMissParent struct {
	_        struct{} `relm:"table:parent"`
	ID       int
	Children []*bpMissChild `relm:"back_populates:Parnt"`
}

type bpMissChild struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int          `relm:"fk:parent.id"`
	Parent   *bpMissParent `relm:"back_populates:Children"`
}

func TestBackPopulatesMissing(t *testing.T) {
	_, err := registerAndConfigure(t, &bpMissParent{}, &bpMissChild{})
	if !errors.Is(err, mapping.ErrBackPopulates) {
		t.Fatalf("err = %v, want errors.Is ErrBackPopulates", err)
	}
	wantErr(t, err, "bpMissParent.Children", `back_populates "Parnt"`, "bpMissChild", `did you mean "Parent"?`)
}

type nnParent struct {
	_        struct{} `relm:"table:parent"`
	ID       int
	Children []*nnChild `relm:"back_populates:Parent"`
}

type nnChild struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int      `relm:"fk:parent.id"`
	Parent   *nnParent // does not name Children back
}

type nn2Parent struct {
	_        struct{} `relm:"table:parent"`
	ID       int
	Children []*nn2Child `relm:"back_populates:Parent"`
	Others   []*nn2Child `relm:"back_populates:Parent"`
}

type nn2Child struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int       `relm:"fk:parent.id"`
	Parent   *nn2Parent `relm:"back_populates:Others"`
}

func TestBackPopulatesNotNamingEachOther(t *testing.T) {
	// On one side only: accepted, as SQLAlchemy accepts it, with a warning
	// naming both sides and the fix; only the declaring side has a Reverse.
	reg, err := registerAndConfigure(t, &nnParent{}, &nnChild{})
	if err != nil {
		t.Fatalf("back_populates on one side only: %v, want it accepted", err)
	}
	warnings := reg.Warnings()
	if len(warnings) != 1 {
		t.Fatalf("warnings %q, want one", warnings)
	}
	wantErr(t, errors.New(warnings[0]), "nnParent.Children names nnChild.Parent with back_populates", "nnChild.Parent does not name nnParent.Children back",
		"add back_populates:Children to nnChild.Parent")
	if r := rel(t, reg, &nnParent{}, "Children"); r.Reverse == nil || r.Reverse.String() != "nnChild.Parent" {
		t.Errorf("nnParent.Children.Reverse = %v, want nnChild.Parent", r.Reverse)
	}
	if r := rel(t, reg, &nnChild{}, "Parent"); r.Reverse != nil {
		t.Errorf("nnChild.Parent.Reverse = %v, want none (it names nothing back)", r.Reverse)
	}

	_, err = registerAndConfigure(t, &nn2Parent{}, &nn2Child{})
	if !errors.Is(err, mapping.ErrBackPopulates) {
		t.Fatalf("err = %v, want errors.Is ErrBackPopulates", err)
	}
	wantErr(t, err, "nn2Parent.Children", "nn2Child.Parent", "names nn2Parent.Others instead")
	var ce *mapping.ConfigError
	if !errors.As(err, &ce) || ce.Other != "nn2Child.Parent" {
		t.Errorf("ConfigError = %#v, want Other nn2Child.Parent", err)
	}
}

type dsLeft struct {
	_        struct{} `relm:"table:left"`
	ID       int
	Children []*dsRight `relm:"secondary:association;back_populates:Parents"`
}

type dsRight struct {
	_       struct{} `relm:"table:right"`
	ID      int
	Parents []*dsLeft `relm:"secondary:association2;back_populates:Children"`
}

func TestBackPopulatesDifferentSecondary(t *testing.T) {
	reg := mapping.NewRegistry()
	if err := reg.Register(&dsLeft{}, &dsRight{}); err != nil {
		t.Fatal(err)
	}
	a2 := associationTable()
	a2.Name = "association2"
	for _, tbl := range []*schema.Table{associationTable(), a2} {
		if err := reg.AddTable(tbl); err != nil {
			t.Fatal(err)
		}
	}
	err := reg.Configure()
	if !errors.Is(err, mapping.ErrBackPopulates) {
		t.Fatalf("err = %v, want errors.Is ErrBackPopulates", err)
	}
	wantErr(t, err, "dsLeft.Children", "dsRight.Parents", `"association"`, `"association2"`, "different secondary tables", "one link table")
}

type bcParent struct {
	_        struct{} `relm:"table:parent"`
	ID       int
	Children []*bcChild `relm:"backref:Parent"`
}

type bcChild struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int      `relm:"fk:parent.id"`
	Parent   *bcParent `relm:"back_populates:Children"`
}

// Two parents give their children the same backref name.
type bc2A struct {
	_    struct{} `relm:"table:a"`
	ID   int
	Kids []*bc2Kid `relm:"backref:Owner"`
}

type bc2B struct {
	_    struct{} `relm:"table:b"`
	ID   int
	Kids []*bc2Kid `relm:"backref:Owner"`
}

type bc2Kid struct {
	_   struct{} `relm:"table:kid"`
	ID  int
	AID *int `relm:"fk:a.id"`
	BID *int `relm:"fk:b.id"`
}

// A backref named like a column field.
type bc3Parent struct {
	_        struct{} `relm:"table:parent"`
	ID       int
	Children []*bc3Child `relm:"backref:ParentID"`
}

type bc3Child struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int `relm:"fk:parent.id"`
}

func TestBackrefConflict(t *testing.T) {
	_, err := registerAndConfigure(t, &bcParent{}, &bcChild{})
	if !errors.Is(err, mapping.ErrBackrefConflict) {
		t.Fatalf("err = %v, want errors.Is ErrBackrefConflict", err)
	}
	wantErr(t, err, "bcChild.Parent", "bcParent.Children", `backref "Parent"`, "use back_populates on both sides")

	_, err = registerAndConfigure(t, &bc2A{}, &bc2B{}, &bc2Kid{})
	if !errors.Is(err, mapping.ErrBackrefConflict) {
		t.Fatalf("err = %v, want errors.Is ErrBackrefConflict", err)
	}
	wantErr(t, err, "bc2B.Kids", `backref "Owner" conflicts`, "bc2Kid.Owner", "rename the backref")

	_, err = registerAndConfigure(t, &bc3Parent{}, &bc3Child{})
	if !errors.Is(err, mapping.ErrBackrefConflict) {
		t.Fatalf("err = %v, want errors.Is ErrBackrefConflict", err)
	}
	wantErr(t, err, "bc3Parent.Children", `backref "ParentID"`, "column field bc3Child.ParentID", "rename the backref")
}

type nfParent struct {
	_        struct{} `relm:"table:parent"`
	ID       int
	Children []*nfChild
}

type nfChild struct {
	_  struct{} `relm:"table:child"`
	ID int
}

func TestNoForeignKeys(t *testing.T) {
	_, err := registerAndConfigure(t, &nfParent{}, &nfChild{})
	if !errors.Is(err, mapping.ErrNoForeignKeys) {
		t.Fatalf("err = %v, want errors.Is ErrNoForeignKeys", err)
	}
	wantErr(t, err, "nfParent.Children", `no foreign key joins "parent" and "child"`, "fk:parent.id", "secondary")
}

type afParent struct {
	_        struct{} `relm:"table:parent"`
	ID       int
	Children []*afChild
}

type afChild struct {
	_             struct{} `relm:"table:child"`
	ID            int
	ParentID      *int `relm:"fk:parent.id"`
	OtherParentID *int `relm:"fk:parent.id"`
}

type afkParent struct {
	_        struct{} `relm:"table:parent"`
	ID       int
	Children []*afkChild `relm:"foreign_keys:OtherParentID"`
	Favorite []*afkChild `relm:"foreign_keys:child.parent_id"`
}

type afkChild struct {
	_             struct{} `relm:"table:child"`
	ID            int
	ParentID      *int `relm:"fk:parent.id"`
	OtherParentID *int `relm:"fk:parent.id"`
}

func TestAmbiguousForeignKeys(t *testing.T) {
	_, err := registerAndConfigure(t, &afParent{}, &afChild{})
	if !errors.Is(err, mapping.ErrAmbiguousForeignKeys) {
		t.Fatalf("err = %v, want errors.Is ErrAmbiguousForeignKeys", err)
	}
	wantErr(t, err, "afParent.Children", "child.parent_id → parent.id", "child.other_parent_id → parent.id", "foreign_keys")

	// Choosing by field name or by table.column resolves it.
	reg := mustConfigure(t, &afkParent{}, &afkChild{})
	checkRel(t, rel(t, reg, &afkParent{}, "Children"), relWant{
		dir: mapping.OneToMany, local: "parent.id", remote: "child.other_parent_id", uselist: true, hasField: true,
	})
	checkRel(t, rel(t, reg, &afkParent{}, "Favorite"), relWant{
		dir: mapping.OneToMany, local: "parent.id", remote: "child.parent_id", uselist: true, hasField: true,
	})
}

type fkNoneParent struct {
	_        struct{} `relm:"table:parent"`
	ID       int
	Children []*fkNoneChild `relm:"foreign_keys:nope_id"`
}

type fkNoneChild struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int `relm:"fk:parent.id"`
}

func TestForeignKeysNamesNothing(t *testing.T) {
	_, err := registerAndConfigure(t, &fkNoneParent{}, &fkNoneChild{})
	if !errors.Is(err, mapping.ErrNoForeignKeys) {
		t.Fatalf("err = %v, want errors.Is ErrNoForeignKeys", err)
	}
	wantErr(t, err, "fkNoneParent.Children", `foreign_keys "nope_id"`, "name a column that has `fk:`")
}

type secMissLeft struct {
	_        struct{} `relm:"table:left"`
	ID       int
	Children []*secMissRight `relm:"secondary:asociation"`
}

type secMissRight struct {
	_  struct{} `relm:"table:right"`
	ID int
}

func TestSecondaryNameNotFound(t *testing.T) {
	reg := mapping.NewRegistry()
	if err := reg.Register(&secMissLeft{}, &secMissRight{}); err != nil {
		t.Fatal(err)
	}
	if err := reg.AddTable(associationTable()); err != nil {
		t.Fatal(err)
	}
	err := reg.Configure()
	wantErr(t, err, "secMissLeft.Children", `secondary table "asociation"`, "Registry.AddTable", `did you mean "association"?`)
	var ce *mapping.ConfigError
	if !errors.As(err, &ce) {
		t.Errorf("err %v is not a *ConfigError", err)
	}
}

type secNoFKLeft struct {
	_        struct{} `relm:"table:left"`
	ID       int
	Children []*secNoFKRight `relm:"secondary:association"`
}

type secNoFKRight struct {
	_  struct{} `relm:"table:right"`
	ID int
}

func TestSecondaryWithoutForeignKey(t *testing.T) {
	reg := mapping.NewRegistry()
	if err := reg.Register(&secNoFKLeft{}, &secNoFKRight{}); err != nil {
		t.Fatal(err)
	}
	if err := reg.AddTable(&schema.Table{Name: "association", Columns: []*schema.Column{
		{Name: "left_id", Type: schema.Integer, References: "left.id"},
		{Name: "right_id", Type: schema.Integer},
	}}); err != nil {
		t.Fatal(err)
	}
	err := reg.Configure()
	if !errors.Is(err, mapping.ErrNoForeignKeys) {
		t.Fatalf("err = %v, want errors.Is ErrNoForeignKeys", err)
	}
	wantErr(t, err, "secNoFKLeft.Children", `"association" has no foreign key to "right"`, "fk:right.id")
}

type m2oSliceParent struct {
	_  struct{} `relm:"table:parent"`
	ID int
}

type m2oSliceChild struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int              `relm:"fk:parent.id"`
	Parents  []*m2oSliceParent // the foreign key is here: many-to-one, one object
}

func TestManyToOneDeclaredAsCollection(t *testing.T) {
	_, err := registerAndConfigure(t, &m2oSliceParent{}, &m2oSliceChild{})
	wantErr(t, err, "m2oSliceChild.Parents", "many-to-one", "declare the field as *m2oSliceParent")
}

// ---- the tutorial's blog ----

func TestBlogRelationships(t *testing.T) {
	reg, err := blog.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	checkRel(t, rel(t, reg, &blog.User{}, "Articles"), relWant{
		dir: mapping.OneToMany, target: "Article", local: "users.id", remote: "articles.user_id",
		reverse: "Article.Author", uselist: true, hasField: true,
	})
	checkRel(t, rel(t, reg, &blog.Article{}, "Author"), relWant{
		dir: mapping.ManyToOne, target: "User", local: "articles.user_id", remote: "users.id",
		reverse: "User.Articles", uselist: false, hasField: true, isBackref: true,
	})
	checkRel(t, rel(t, reg, &blog.User{}, "UserInfo"), relWant{
		dir: mapping.OneToMany, target: "UserInfo", local: "users.id", remote: "userinfos.user_id",
		reverse: "UserInfo.User", uselist: false, hasField: true, oneToOne: true,
	})
	checkRel(t, rel(t, reg, &blog.UserInfo{}, "User"), relWant{
		dir: mapping.ManyToOne, target: "User", local: "userinfos.user_id", remote: "users.id",
		reverse: "User.UserInfo", uselist: false, hasField: true, isBackref: true, oneToOne: true,
	})
	checkRel(t, rel(t, reg, &blog.Article{}, "Tags"), relWant{
		dir: mapping.ManyToMany, target: "Tag", local: "articles.id", remote: "tags.id",
		secondary: "article_tag", secLocal: "article_tag.article_id", secRemote: "article_tag.tag_id",
		reverse: "Tag.Articles", uselist: true, hasField: true,
	})
	checkRel(t, rel(t, reg, &blog.Tag{}, "Articles"), relWant{
		dir: mapping.ManyToMany, target: "Article", local: "tags.id", remote: "articles.id",
		secondary: "article_tag", secLocal: "article_tag.tag_id", secRemote: "article_tag.article_id",
		reverse: "Article.Tags", uselist: true, hasField: true, isBackref: true,
	})
	checkRel(t, rel(t, reg, &blog.Category{}, "Articles"), relWant{
		dir: mapping.OneToMany, target: "Article", local: "categories.id", remote: "articles.cate_id",
		reverse: "Article.Category", uselist: true, hasField: true,
	})
	checkRel(t, rel(t, reg, &blog.Article{}, "Category"), relWant{
		dir: mapping.ManyToOne, target: "Category", local: "articles.cate_id", remote: "categories.id",
		reverse: "Category.Articles", uselist: false, hasField: true, isBackref: true,
	})
	// No relationship besides these.
	for model, want := range map[any][]string{
		&blog.User{}:     {"Articles", "UserInfo"},
		&blog.UserInfo{}: {"User"},
		&blog.Article{}:  {"Tags", "Author", "Category"},
		&blog.Category{}: {"Articles"},
		&blog.Tag{}:      {"Articles"},
	} {
		got := relNames(mapperOf(t, reg, model))
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%T relationships = %v, want %v", model, got, want)
		}
	}
	// LookupRelationship on a typo suggests the name.
	_, err = mapperOf(t, reg, &blog.Article{}).LookupRelationship("Tag")
	wantErr(t, err, `Article has no relationship "Tag"`, `did you mean "Tags"?`)
}

// Configure is idempotent, and registering another model configures again.
func TestConfigureAgain(t *testing.T) {
	reg := mustConfigure(t, &bpParent{}, &bpChild{})
	r1 := rel(t, reg, &bpParent{}, "Children")
	if err := reg.Configure(); err != nil {
		t.Fatal(err)
	}
	if r2 := rel(t, reg, &bpParent{}, "Children"); r2 != r1 {
		t.Error("a second Configure rebuilt the relationships")
	}
	if err := reg.Register(&nfChild{}); err == nil {
		t.Error("registering a second model on table child succeeded")
	}
}
