package schema_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/relmorm/relm/schema"
)

func wantErr(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q\n\tdoes not contain %q", err, f)
		}
	}
}

func id() *schema.Column {
	return &schema.Column{Name: "id", Type: schema.Integer, PrimaryKey: true, AutoIncrement: true}
}

func TestValidateIdentifier(t *testing.T) {
	for _, ok := range []string{"users", "left", "select", "article_tag", "ünïcode", strings.Repeat("a", 63)} {
		if err := schema.ValidateIdentifier(ok); err != nil {
			t.Errorf("ValidateIdentifier(%q) = %v, want nil", ok, err)
		}
	}
	for name, frag := range map[string]string{
		"":                      "empty name",
		strings.Repeat("a", 64): "the limit is 63",
		`a"b`:                   "which relm does not accept",
		"a`b":                   "which relm does not accept",
		"a'b":                   "which relm does not accept",
		"a\nb":                  "which relm does not accept",
	} {
		wantErr(t, schema.ValidateIdentifier(name), frag)
	}
}

func TestValidateDefault(t *testing.T) {
	for _, ok := range []string{"0", "-1", "+2", "3.25", "'draft'", "'it''s'", "''", "true", "FALSE", "null", "current_timestamp"} {
		if err := schema.ValidateDefault(ok); err != nil {
			t.Errorf("ValidateDefault(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"draft", "'unterminated", "'a'b'", "1.2.3", "-", "now()", "1; DROP TABLE x"} {
		wantErr(t, schema.ValidateDefault(bad), "is not a literal relm accepts", "'quoted string'")
	}
}

func TestParseAction(t *testing.T) {
	for in, want := range map[string]schema.Action{
		"cascade": schema.Cascade, "set null": schema.SetNull, "set-null": schema.SetNull, "SET_NULL": schema.SetNull,
		"set default": schema.SetDefault, "restrict": schema.Restrict, "no action": schema.NoAction, "": schema.NoAction,
	} {
		got, err := schema.ParseAction(in)
		if err != nil || got != want {
			t.Errorf("ParseAction(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := schema.ParseAction("explode")
	wantErr(t, err, `unknown referential action "explode"`, "cascade, set null, set default, restrict or no action")
}

func TestTypes(t *testing.T) {
	if got := schema.String(64).String(); got != "varchar(64)" {
		t.Errorf("String(64) = %q", got)
	}
	for name, want := range map[string]schema.Kind{"int": schema.KindInteger, "int64": schema.KindBigInt,
		"string": schema.KindString, "text": schema.KindText, "boolean": schema.KindBool, "double": schema.KindFloat,
		"datetime": schema.KindTime, "bytes": schema.KindBytes} {
		if k, ok := schema.KindByName(name); !ok || k != want {
			t.Errorf("KindByName(%q) = %v, %v; want %v", name, k, ok, want)
		}
	}
	if _, ok := schema.KindByName("clob"); ok {
		t.Error("KindByName(clob) succeeded")
	}
	if !schema.BigInt.IsInteger() || schema.Text.IsInteger() {
		t.Error("IsInteger is wrong")
	}
}

func TestAddDuplicate(t *testing.T) {
	md := schema.NewMetaData()
	users := &schema.Table{Name: "users", Columns: []*schema.Column{id()}}
	if err := md.Add(users); err != nil {
		t.Fatal(err)
	}
	if err := md.Add(users); err != nil {
		t.Errorf("adding the same table value twice: %v, want nil", err)
	}
	err := md.Add(&schema.Table{Name: "users", Columns: []*schema.Column{id()}})
	if !errors.Is(err, schema.ErrDuplicateTable) {
		t.Fatalf("err = %v, want ErrDuplicateTable", err)
	}
	wantErr(t, err, `"users"`, "rename one of them")
	if got := md.Names(); !slices.Equal(got, []string{"users"}) {
		t.Errorf("Names = %v", got)
	}
	wantErr(t, md.Add(nil), "nil table")
}

func TestTableValidation(t *testing.T) {
	other := &schema.Column{Name: "x", Type: schema.Integer}
	for _, c := range []struct {
		table *schema.Table
		want  []string
	}{
		{&schema.Table{Name: "t"}, []string{`table "t" has no columns`}},
		{&schema.Table{Name: "t", Columns: []*schema.Column{{Name: "a"}}}, []string{`column "a" has no type`, "schema.Integer"}},
		{&schema.Table{Name: "t", Columns: []*schema.Column{{Name: "a", Type: schema.Type{Kind: schema.KindString}}}}, []string{"varchar needs a positive size", "size:64"}},
		{&schema.Table{Name: "t", Columns: []*schema.Column{{Name: "a", Type: schema.Integer}, {Name: "a", Type: schema.Integer}}}, []string{`declares column "a" twice`}},
		{&schema.Table{Name: "t", Columns: []*schema.Column{{Name: "a", Type: schema.Text, PrimaryKey: true, AutoIncrement: true}}}, []string{"autoincrement needs a single integer primary key"}},
		{&schema.Table{Name: "t", Columns: []*schema.Column{{Name: "a", Type: schema.Integer, Default: "nope"}}}, []string{`column "a"`, `default "nope"`}},
		{&schema.Table{Name: "t", Columns: []*schema.Column{{Name: "a", Type: schema.Integer}}, Indexes: []*schema.Index{{Name: "ix", Columns: []*schema.Column{other}}}}, []string{`index "ix"`, "is not a column of the table"}},
		{&schema.Table{Name: "t", Columns: []*schema.Column{nil}}, []string{"nil column"}},
		{&schema.Table{Name: "bad\"name", Columns: []*schema.Column{id()}}, []string{"does not accept"}},
	} {
		wantErr(t, schema.NewMetaData().Add(c.table), c.want...)
	}
}

func TestIndexNames(t *testing.T) {
	a := &schema.Column{Name: "a", Type: schema.Integer, Index: true}
	b := &schema.Column{Name: "b", Type: schema.Integer}
	c := &schema.Column{Name: "c", Type: schema.Integer}
	tbl := &schema.Table{Name: "t", Columns: []*schema.Column{id(), a, b, c}, Indexes: []*schema.Index{
		{Columns: []*schema.Column{b, c}},
		{Columns: []*schema.Column{c, a}, Unique: true},
		{Name: "named", Columns: []*schema.Column{b}},
	}}
	if err := schema.NewMetaData().Add(tbl); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ix := range tbl.AllIndexes() {
		names = append(names, ix.Name)
	}
	if want := []string{"ix_t_a", "ix_t_b_c", "uq_t_c_a", "named"}; !slices.Equal(names, want) {
		t.Errorf("indexes %v, want %v", names, want)
	}
	dup := &schema.Table{Name: "u", Columns: []*schema.Column{{Name: "a", Type: schema.Integer, Index: true}}}
	dup.Indexes = []*schema.Index{{Name: "ix_u_a", Columns: []*schema.Column{dup.Columns[0]}}}
	wantErr(t, schema.NewMetaData().Add(dup), `declares index "ix_u_a" twice`)
}

func TestResolveErrors(t *testing.T) {
	md := schema.NewMetaData()
	_ = md.Add(&schema.Table{Name: "users", Columns: []*schema.Column{id(), {Name: "name", Type: schema.String(10)}}})
	_ = md.Add(&schema.Table{Name: "posts", Columns: []*schema.Column{id(), {Name: "user_id", Type: schema.Integer, References: "user.id"}}})
	err := md.Resolve()
	var mre *schema.MissingReferenceError
	if !errors.As(err, &mre) {
		t.Fatalf("err = %v, want *MissingReferenceError", err)
	}
	if mre.Table != "posts" || mre.Column != "user_id" || mre.Ref != "user.id" {
		t.Errorf("MissingReferenceError = %+v", mre)
	}
	wantErr(t, err, `no table "user"`, `did you mean "users"?`)

	md = schema.NewMetaData()
	_ = md.Add(&schema.Table{Name: "users", Columns: []*schema.Column{id()}})
	_ = md.Add(&schema.Table{Name: "posts", Columns: []*schema.Column{id(), {Name: "user_id", Type: schema.Integer, References: "users.ids"}}})
	err = md.Resolve()
	if !errors.As(err, &mre) {
		t.Fatalf("err = %v, want *MissingReferenceError", err)
	}
	wantErr(t, err, `table "users" has no column "ids"`, `did you mean "id"?`)

	md = schema.NewMetaData()
	_ = md.Add(&schema.Table{Name: "users", Columns: []*schema.Column{id()}})
	_ = md.Add(&schema.Table{Name: "posts", Columns: []*schema.Column{id(), {Name: "user_id", Type: schema.String(10), References: "users.id"}}})
	wantErr(t, md.Resolve(), `"user_id" (varchar(10)) references users.id (integer)`, "give both the same type")

	md = schema.NewMetaData()
	_ = md.Add(&schema.Table{Name: "posts", Columns: []*schema.Column{id(), {Name: "user_id", Type: schema.Integer, References: "users"}}})
	wantErr(t, md.Resolve(), `foreign key "users" must be written table.column`)
}

func TestSortedAndCycles(t *testing.T) {
	md := schema.NewMetaData()
	// Declared children first: Sorted puts parents first, ties by name.
	tables := []*schema.Table{
		{Name: "article_tag", Columns: []*schema.Column{
			{Name: "article_id", Type: schema.Integer, References: "articles.id"},
			{Name: "tag_id", Type: schema.Integer, References: "tags.id"}}},
		{Name: "articles", Columns: []*schema.Column{id(), {Name: "user_id", Type: schema.Integer, References: "users.id"}}},
		{Name: "tags", Columns: []*schema.Column{id()}},
		{Name: "users", Columns: []*schema.Column{id()}},
		{Name: "categories", Columns: []*schema.Column{id(), {Name: "parent_id", Type: schema.Integer, References: "categories.id"}}},
	}
	for _, tbl := range tables {
		if err := md.Add(tbl); err != nil {
			t.Fatal(err)
		}
	}
	sorted, err := md.Sorted()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tbl := range sorted {
		names = append(names, tbl.Name)
	}
	if want := []string{"categories", "tags", "users", "articles", "article_tag"}; !slices.Equal(names, want) {
		t.Errorf("Sorted = %v, want %v", names, want)
	}
	for _, tbl := range sorted {
		for _, fk := range tbl.ForeignKeys() {
			if md.CyclicForeignKey(fk) {
				t.Errorf("%s → %s marked cyclic; a self-reference or a tree is not a cycle", tbl.Name, fk.RefTable.Name)
			}
		}
	}

	// parent.child_id ↔ child.parent_id: one of the two is deferred.
	md = schema.NewMetaData()
	parent := &schema.Table{Name: "parent", Columns: []*schema.Column{id(), {Name: "child_id", Type: schema.Integer, References: "child.id"}}}
	child := &schema.Table{Name: "child", Columns: []*schema.Column{id(), {Name: "parent_id", Type: schema.Integer, References: "parent.id"}}}
	_ = md.Add(parent)
	_ = md.Add(child)
	sorted, err = md.Sorted()
	if err != nil {
		t.Fatal(err)
	}
	if len(sorted) != 2 || sorted[0] != child || sorted[1] != parent {
		t.Errorf("Sorted = %v, want [child parent] (the cycle broken at the first name)", sorted)
	}
	if !md.CyclicForeignKey(child.ForeignKeys()[0]) || md.CyclicForeignKey(parent.ForeignKeys()[0]) {
		t.Error("want child.parent_id deferred as cyclic and parent.child_id created inline")
	}
}

func TestNearest(t *testing.T) {
	cands := []string{"size", "index", "unique", "back_populates"}
	for in, want := range map[string]string{"sise": "size", "indx": "index", "back_populate": "back_populates", "xyzzy": ""} {
		if got := schema.Nearest(in, cands); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", in, got, want)
		}
	}
}

// An integer foreign key takes its key's integer type, along a chain of
// references too (declared before the tables they refer to), so that MySQL
// and MariaDB accept the constraint; other families are left alone.
func TestForeignKeyTakesKeyWidth(t *testing.T) {
	md := schema.NewMetaData()
	grand := &schema.Column{Name: "child_id", Type: schema.BigInt, References: "child.parent_id"}
	child := &schema.Column{Name: "parent_id", Type: schema.Integer, References: "parent.id", PrimaryKey: true}
	narrow := &schema.Column{Name: "small_id", Type: schema.BigInt, References: "small.id"}
	for _, tbl := range []*schema.Table{
		{Name: "grandchild", Columns: []*schema.Column{id(), grand}},
		{Name: "child", Columns: []*schema.Column{child}},
		{Name: "parent", Columns: []*schema.Column{{Name: "id", Type: schema.BigInt, PrimaryKey: true, AutoIncrement: true}}},
		{Name: "small", Columns: []*schema.Column{id()}},
		{Name: "uses_small", Columns: []*schema.Column{id(), narrow}},
	} {
		if err := md.Add(tbl); err != nil {
			t.Fatal(err)
		}
	}
	if err := md.Resolve(); err != nil {
		t.Fatal(err)
	}
	if child.Type != schema.BigInt || grand.Type != schema.BigInt {
		t.Errorf("child.parent_id is %v, grandchild.child_id %v; want both bigint, the type of parent.id", child.Type, grand.Type)
	}
	if narrow.Type != schema.Integer {
		t.Errorf("uses_small.small_id is %v, want integer, the type of small.id", narrow.Type)
	}
}
