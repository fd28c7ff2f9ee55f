package mapping_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/ddl"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// ---- bad input: each is an error naming what is wrong and how to fix it ----

func TestUnknownTagKey(t *testing.T) {
	type Post struct {
		ID    int
		Title string `relm:"sise:64"`
	}
	_, err := registerAndConfigure(t, &Post{})
	wantErr(t, err, "Post.Title", `unknown key "sise"`, `did you mean "size"?`)
	var te *mapping.TagError
	if !errors.As(err, &te) {
		t.Fatalf("error %v is not a *mapping.TagError", err)
	}
	if te.Struct != "Post" || te.Field != "Title" || te.Tag != "sise:64" {
		t.Errorf("TagError = %+v, want Struct Post, Field Title, Tag sise:64", te)
	}
}

func TestUnknownTagKeyOnRelationship(t *testing.T) {
	type Node struct {
		ID       int
		ParentID *int    `relm:"fk:nodes.id"`
		Children []*Node `relm:"back_populate:Parent"`
	}
	_, err := registerAndConfigure(t, &Node{})
	wantErr(t, err, "Node.Children", `unknown key "back_populate"`, `did you mean "back_populates"?`)
	var te *mapping.TagError
	if !errors.As(err, &te) {
		t.Fatalf("error %v is not a *mapping.TagError", err)
	}
}

func TestMalformedSize(t *testing.T) {
	type SizeABC struct {
		ID   int
		Name string `relm:"size:abc"`
	}
	type SizeNegative struct {
		ID   int
		Name string `relm:"size:-1"`
	}
	type VarcharX struct {
		ID   int
		Name string `relm:"type:varchar(x)"`
	}
	type VarcharUnclosed struct {
		ID   int
		Name string `relm:"type:varchar(64"`
	}
	cases := []struct {
		model any
		want  []string
	}{
		{&SizeABC{}, []string{"SizeABC.Name", `"size:abc"`, `malformed size "abc"`, "not a whole number", "write size:64"}},
		{&SizeNegative{}, []string{"SizeNegative.Name", `malformed size "-1"`, "between 1 and 65535", "write size:64"}},
		{&VarcharX{}, []string{"VarcharX.Name", `malformed size in "varchar(x)"`, "write varchar(64)"}},
		{&VarcharUnclosed{}, []string{"VarcharUnclosed.Name", `malformed size in "varchar(64"`, "write varchar(64)"}},
	}
	for _, c := range cases {
		t.Run(reflect.TypeOf(c.model).Elem().Name(), func(t *testing.T) {
			_, err := registerAndConfigure(t, c.model)
			wantErr(t, err, c.want...)
			var te *mapping.TagError
			if !errors.As(err, &te) {
				t.Errorf("error %v is not a *mapping.TagError", err)
			}
		})
	}
}

func TestUnknownType(t *testing.T) {
	type Doc struct {
		ID   int
		Body string `relm:"type:clob"`
	}
	_, err := registerAndConfigure(t, &Doc{})
	wantErr(t, err, "Doc.Body", `unknown type "clob"`, "use integer, bigint, varchar(N), text")
}

func TestForeignKeyToMissingTable(t *testing.T) {
	type Comment struct {
		ID     int
		PostID int `relm:"fk:post.id"`
	}
	type Post struct {
		ID int
	}
	_, err := registerAndConfigure(t, &Comment{}, &Post{})
	wantErr(t, err, `"comments"`, `"post_id"`, `"post.id"`, `no table "post"`, `did you mean "posts"?`)
	var mre *schema.MissingReferenceError
	if !errors.As(err, &mre) {
		t.Fatalf("error %v is not a *schema.MissingReferenceError", err)
	}
	if mre.Table != "comments" || mre.Column != "post_id" || mre.Ref != "post.id" {
		t.Errorf("MissingReferenceError = %+v", mre)
	}
	// The mapping layer says which struct field carries the tag and what
	// would fix it.
	wantErr(t, err, "Comment.PostID", "register")
}

func TestForeignKeyToMissingColumn(t *testing.T) {
	type Post struct {
		ID int
	}
	type Comment struct {
		ID     int
		PostID int `relm:"fk:posts.idd"`
	}
	_, err := registerAndConfigure(t, &Post{}, &Comment{})
	wantErr(t, err, "Comment.PostID", `"posts.idd"`, `table "posts" has no column "idd"`, `did you mean "id"?`)
	var mre *schema.MissingReferenceError
	if !errors.As(err, &mre) {
		t.Fatalf("error %v is not a *schema.MissingReferenceError", err)
	}
	if mre.Table != "comments" || mre.Column != "post_id" {
		t.Errorf("MissingReferenceError = %+v", mre)
	}
}

func TestMalformedForeignKey(t *testing.T) {
	type Comment struct {
		ID     int
		PostID int `relm:"fk:posts"`
	}
	_, err := registerAndConfigure(t, &Comment{})
	wantErr(t, err, "Comment.PostID", `foreign key "posts" must be written table.column`, "fk:users.id")
}

type dupA struct {
	ID int
}

func (dupA) TableName() string { return "things" }

type dupB struct {
	ID int
}

func (dupB) TableName() string { return "things" }

func TestDuplicateTableName(t *testing.T) {
	_, err := registerAndConfigure(t, &dupA{}, &dupB{})
	wantErr(t, err, "dupA", "dupB", `"things"`, "give one of them another table name")
	if !errors.Is(err, schema.ErrDuplicateTable) {
		t.Errorf("errors.Is(%v, schema.ErrDuplicateTable) = false", err)
	}

	// A mapped table and a plain table of the same name collide too.
	reg := mapping.NewRegistry()
	if err := reg.Register(&dupA{}); err != nil {
		t.Fatal(err)
	}
	err = reg.AddTable(&schema.Table{Name: "things", Columns: []*schema.Column{{Name: "x", Type: schema.Integer}}})
	wantErr(t, err, `"things"`, "rename one of them")
	if !errors.Is(err, schema.ErrDuplicateTable) {
		t.Errorf("errors.Is(%v, schema.ErrDuplicateTable) = false", err)
	}
}

func TestRegisteredTwice(t *testing.T) {
	reg := mapping.NewRegistry()
	if err := reg.Register(&dupA{}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, reg.Register(&dupA{}), "dupA is registered twice")
}

func TestUnsupportedGoTypes(t *testing.T) {
	type WithMap struct {
		ID    int
		Attrs map[string]string
	}
	type WithChan struct {
		ID     int
		Events chan int
	}
	type WithComplex struct {
		ID    int
		Phase complex128
	}
	type Address struct{ Street string }
	type WithStruct struct {
		ID      int
		Address Address
	}
	type WithFunc struct {
		ID int
		F  func()
	}
	for _, c := range []struct {
		model       any
		field, goTy string
	}{
		{&WithMap{}, "WithMap.Attrs", "map[string]string"},
		{&WithChan{}, "WithChan.Events", "chan int"},
		{&WithComplex{}, "WithComplex.Phase", "complex128"},
		{&WithStruct{}, "WithStruct.Address", "mapping_test.Address"},
		{&WithFunc{}, "WithFunc.F", "func()"},
	} {
		t.Run(c.field, func(t *testing.T) {
			_, err := registerAndConfigure(t, c.model)
			wantErr(t, err, c.field, "Go type "+c.goTy, "cannot store", `relm:"-"`, "sql.Scanner")
		})
	}
	// `relm:"-"` is the fix the message offers: it works.
	type Skipped struct {
		ID    int
		Attrs map[string]string `relm:"-"`
		Phase complex128        `relm:"-"`
	}
	reg := mustConfigure(t, &Skipped{})
	if m := mapperOf(t, reg, &Skipped{}); len(m.Fields) != 1 {
		t.Errorf("Skipped maps %d fields, want 1 (ID)", len(m.Fields))
	}
}

type sliceParent struct {
	ID       int
	Children []sliceChild
}

type sliceChild struct {
	ID            int
	SliceParentID int `relm:"fk:slice_parents.id"`
}

type sliceParentTagged struct {
	ID       int
	Children []sliceChild `relm:"backref:Parent"`
}

func TestRelationshipSliceOfValues(t *testing.T) {
	_, err := registerAndConfigure(t, &sliceParent{}, &sliceChild{})
	wantErr(t, err, "sliceParent.Children", "[]mapping_test.sliceChild", "use []*sliceChild")
	_, err = registerAndConfigure(t, &sliceParentTagged{}, &sliceChild{})
	wantErr(t, err, "sliceParentTagged.Children", "[]mapping_test.sliceChild", "use []*sliceChild")
}

func TestNoPrimaryKey(t *testing.T) {
	type Event struct {
		Name string
		At   time.Time
	}
	_, err := registerAndConfigure(t, &Event{})
	wantErr(t, err, "Event has no primary key", `relm:"pk"`, "a field named ID")
}

type orphanOwner struct {
	ID   int
	Pets []*orphanPet
}

type orphanPet struct {
	ID            int
	OrphanOwnerID int `relm:"fk:orphan_owners.id"`
}

func TestRelationshipToUnregisteredType(t *testing.T) {
	_, err := registerAndConfigure(t, &orphanOwner{})
	wantErr(t, err, "orphanOwner.Pets", "mapping_test.orphanPet, which is not mapped", "register orphanPet", `relm:"-"`)
	var ce *mapping.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a *mapping.ConfigError", err)
	}
	if ce.Side != "orphanOwner.Pets" {
		t.Errorf("ConfigError.Side = %q, want orphanOwner.Pets", ce.Side)
	}
	// Mapper of an unregistered type: UnmappedError.
	reg := mustConfigure(t, &dupA{})
	_, err = reg.Mapper(&orphanOwner{})
	var ue *mapping.UnmappedError
	if !errors.As(err, &ue) {
		t.Fatalf("Mapper(unregistered) = %v, want *mapping.UnmappedError", err)
	}
	wantErr(t, err, "orphanOwner is not mapped", "Registry.Register(&orphanOwner{})")
}

func TestRegisterNonStruct(t *testing.T) {
	reg := mapping.NewRegistry()
	wantErr(t, reg.Register(42), "int is not a struct")
	wantErr(t, reg.Register(nil), "Register called with nil")
}

func TestColumnKeyOnRelationshipAndViceVersa(t *testing.T) {
	type Item struct {
		ID    int
		Title string `relm:"backref:Foo"`
	}
	_, err := registerAndConfigure(t, &Item{})
	wantErr(t, err, "Item.Title is string", "a relationship field is *T or []*T")
	type Box struct {
		ID    int
		Items []*Item `relm:"size:64"`
	}
	_, err = registerAndConfigure(t, &Box{})
	wantErr(t, err, "Box.Items", `"size" is a column key`, "put the column on its own field")
}

func TestParseDSNUnknownScheme(t *testing.T) {
	for _, dsn := range []string{"oracle://scott@db/orcl", "nocolon"} {
		_, _, err := relm.ParseDSN(dsn)
		if !errors.Is(err, relm.ErrUnknownScheme) {
			t.Errorf("ParseDSN(%q) = %v, want errors.Is ErrUnknownScheme", dsn, err)
		}
	}
	_, _, err := relm.ParseDSN("oracle://scott:tiger@db/orcl")
	wantErr(t, err, `"oracle"`, "sqlite:", "postgres://", "mysql://")
	if strings.Contains(err.Error(), "tiger") {
		t.Errorf("error %q prints the password", err)
	}
	_, err = relm.Open(context.Background(), "oracle://db/orcl")
	if !errors.Is(err, relm.ErrUnknownScheme) {
		t.Errorf("Open(oracle) = %v, want errors.Is ErrUnknownScheme", err)
	}
}

// ---- naming ----

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"UserID":     "user_id",
		"QQ":         "qq",
		"HTTPServer": "http_server",
		"CateID":     "cate_id",
		"ID":         "id",
		"Username":   "username",
		"UserInfo":   "user_info",
		"Address2":   "address2",
		"ParentID":   "parent_id",
		"URLPath":    "url_path",
	} {
		if got := mapping.SnakeCase(in); got != want {
			t.Errorf("SnakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDefaultTableNames(t *testing.T) {
	for in, want := range map[string]string{
		"Category": "categories",
		"User":     "users",
		"UserInfo": "user_infos",
		"Box":      "boxes",
		"Day":      "days",
		"Address":  "addresses",
		"Match":    "matches",
	} {
		if got := mapping.TableName(in); got != want {
			t.Errorf("TableName(%q) = %q, want %q", in, got, want)
		}
	}
	// Through Register: the default, a TableName method and a blank field.
	type Category struct{ ID int }
	type Named struct {
		_  struct{} `relm:"table:my_named"`
		ID int
	}
	reg := mustConfigure(t, &Category{}, &Named{}, &dupA{})
	for model, want := range map[any]string{&Category{}: "categories", &Named{}: "my_named", &dupA{}: "things"} {
		if got := mapperOf(t, reg, model).Table.Name; got != want {
			t.Errorf("%T maps to table %q, want %q", model, got, want)
		}
	}
}

func TestColumnNamesFromFields(t *testing.T) {
	type HTTPServer struct {
		ID       int
		UserID   int
		QQ       string
		HTTPPort int
		Renamed  string `relm:"column:other_name"`
	}
	reg := mustConfigure(t, &HTTPServer{})
	m := mapperOf(t, reg, &HTTPServer{})
	if m.Table.Name != "http_servers" {
		t.Errorf("table %q, want http_servers", m.Table.Name)
	}
	var got []string
	for _, f := range m.Fields {
		got = append(got, f.Column.Name)
	}
	want := []string{"id", "user_id", "qq", "http_port", "other_name"}
	if !slices.Equal(got, want) {
		t.Errorf("columns %v, want %v", got, want)
	}
	if f := m.FieldByColumn("other_name"); f == nil || f.Name != "Renamed" {
		t.Errorf("FieldByColumn(other_name) = %v, want Renamed", f)
	}
}

// ---- Go type → column type, nullability ----

type allTypes struct {
	_       struct{} `relm:"table:all_types"`
	ID      int
	Int     int
	Int8    int8
	Int16   int16
	Int32   int32
	Uint8   uint8
	Uint16  uint16
	Int64   int64
	Uint32  uint32
	Uint    uint
	Uint64  uint64
	String  string
	Text    string `relm:"type:text"`
	Sized   string `relm:"size:32"`
	Bool    bool
	Float32 float32
	Float64 float64
	Time    time.Time
	Bytes   []byte
	PInt    *int
	PString *string
	PBool   *bool
	PTime   *time.Time
	NString sql.NullString
	NInt64  sql.NullInt64
	NInt32  sql.NullInt32
	NBool   sql.NullBool
	NFloat  sql.NullFloat64
	NTime   sql.NullTime
	NGen    sql.Null[int32]
	Big     int `relm:"type:bigint"`
}

func TestGoTypeToColumnType(t *testing.T) {
	reg := mustConfigure(t, &allTypes{})
	m := mapperOf(t, reg, &allTypes{})
	want := map[string]struct {
		typ      schema.Type
		nullable bool
	}{
		"id":       {schema.BigInt, false}, // Go's int is 64 bits
		"int":      {schema.BigInt, false},
		"int8":     {schema.Integer, false},
		"int16":    {schema.Integer, false},
		"int32":    {schema.Integer, false},
		"uint8":    {schema.Integer, false},
		"uint16":   {schema.Integer, false},
		"int64":    {schema.BigInt, false},
		"uint32":   {schema.BigInt, false},
		"uint":     {schema.BigInt, false},
		"uint64":   {schema.BigInt, false},
		"string":   {schema.String(255), false},
		"text":     {schema.Text, false},
		"sized":    {schema.String(32), false},
		"bool":     {schema.Bool, false},
		"float32":  {schema.Float, false},
		"float64":  {schema.Float, false},
		"time":     {schema.Time, false},
		"bytes":    {schema.Bytes, true}, // a nil []byte is NULL
		"p_int":    {schema.BigInt, true},
		"p_string": {schema.String(255), true},
		"p_bool":   {schema.Bool, true},
		"p_time":   {schema.Time, true},
		"n_string": {schema.String(255), true},
		"n_int64":  {schema.BigInt, true},
		"n_int32":  {schema.Integer, true},
		"n_bool":   {schema.Bool, true},
		"n_float":  {schema.Float, true},
		"n_time":   {schema.Time, true},
		"n_gen":    {schema.Integer, true},
		"big":      {schema.BigInt, false},
	}
	if len(m.Fields) != len(want) {
		t.Errorf("%d fields mapped, want %d", len(m.Fields), len(want))
	}
	for _, f := range m.Fields {
		w, ok := want[f.Column.Name]
		if !ok {
			t.Errorf("unexpected column %q", f.Column.Name)
			continue
		}
		if f.Column.Type != w.typ {
			t.Errorf("%s (%s): type %v, want %v", f.Name, f.Type, f.Column.Type, w.typ)
		}
		if f.Column.Nullable() != w.nullable {
			t.Errorf("%s (%s): nullable %v, want %v", f.Name, f.Type, f.Column.Nullable(), w.nullable)
		}
	}
	id := m.Field("ID").Column
	if !id.PrimaryKey || !id.AutoIncrement {
		t.Errorf("ID: pk %v autoincrement %v, want both (a field named ID is the integer key)", id.PrimaryKey, id.AutoIncrement)
	}
}

// TestGoTypesLiveSchema creates allTypes on every database and reads the
// columns back: the dialect's spelling of each type and its nullability.
func TestGoTypesLiveSchema(t *testing.T) {
	ctx := context.Background()
	want := map[string]map[string]string{
		// The key of a Go int is the rowid alias on SQLite (INTEGER, 64
		// bits there) and BIGINT elsewhere; every Go int is 64 bits.
		"sqlite":   {"id": "INTEGER", "int": "BIGINT", "int32": "INTEGER", "uint": "BIGINT", "p_int": "BIGINT", "int64": "BIGINT", "string": "VARCHAR(255)", "text": "TEXT", "sized": "VARCHAR(32)", "bool": "BOOLEAN", "float64": "FLOAT", "time": "DATETIME", "bytes": "BLOB"},
		"postgres": {"id": "BIGINT", "int": "BIGINT", "int32": "INTEGER", "uint": "BIGINT", "p_int": "BIGINT", "int64": "BIGINT", "string": "VARCHAR(255)", "text": "TEXT", "sized": "VARCHAR(32)", "bool": "BOOLEAN", "float64": "DOUBLE PRECISION", "time": "TIMESTAMP WITH TIME ZONE", "bytes": "BYTEA"},
		"mysql":    {"id": "BIGINT", "int": "BIGINT", "int32": "INTEGER", "uint": "BIGINT", "p_int": "BIGINT", "int64": "BIGINT", "string": "VARCHAR(255)", "text": "TEXT", "sized": "VARCHAR(32)", "bool": "BOOL", "float64": "DOUBLE", "time": "DATETIME(6)", "bytes": "LONGBLOB"},
	}
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg := mustConfigure(t, &allTypes{})
		if err := reg.CreateAll(ctx, db); err != nil {
			t.Fatal(err)
		}
		ti, err := ddl.InspectTable(ctx, db, db.Dialect(), "all_types")
		if err != nil {
			t.Fatal(err)
		}
		m := mapperOf(t, reg, &allTypes{})
		if len(ti.Columns) != len(m.Fields) {
			t.Fatalf("database has %d columns, mapper %d", len(ti.Columns), len(m.Fields))
		}
		for i, c := range ti.Columns {
			f := m.Fields[i]
			if c.Name != f.Column.Name {
				t.Errorf("column %d is %q, want %q", i, c.Name, f.Column.Name)
			}
			if c.Nullable != f.Column.Nullable() {
				t.Errorf("column %s: nullable %v in the database, %v in the mapper", c.Name, c.Nullable, f.Column.Nullable())
			}
			if w, ok := want[db.Dialect().Name()][c.Name]; ok && c.Type != w {
				t.Errorf("column %s: type %q, want %q", c.Name, c.Type, w)
			}
		}
		if c := ti.Column("id"); c == nil || !c.PrimaryKey {
			t.Errorf("id is not the primary key: %+v", c)
		}
	})
}

func TestNullabilityOverrides(t *testing.T) {
	type N struct {
		ID   int
		Name *string `relm:"notnull"`
	}
	m := mapperOf(t, mustConfigure(t, &N{}), &N{})
	if m.Field("Name").Column.Nullable() {
		t.Error("*string with notnull is nullable")
	}
	// A non-pointer cannot be made nullable.
	reg := mapping.NewRegistry()
	yes := true
	_, err := reg.Map(mapping.ModelSpec{Model: (*N)(nil), Columns: []mapping.ColumnSpec{
		{Field: "ID", PrimaryKey: true}, {Field: "Name"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	type M struct {
		ID   int
		Name string
	}
	_, err = reg.Map(mapping.ModelSpec{Model: (*M)(nil), Columns: []mapping.ColumnSpec{
		{Field: "ID", PrimaryKey: true}, {Field: "Name", Nullable: &yes},
	}})
	wantErr(t, err, "M.Name", "cannot hold NULL", "use a pointer or sql.Null type")
}

func TestTypeIncompatibleWithGoType(t *testing.T) {
	type W struct {
		ID    int
		Count int `relm:"type:text"`
	}
	_, err := registerAndConfigure(t, &W{})
	wantErr(t, err, "W.Count", "Go type int cannot hold column type text")
	type V struct {
		ID    int
		Count int `relm:"size:10"`
	}
	_, err = registerAndConfigure(t, &V{})
	wantErr(t, err, "V.Count", "size applies to varchar columns")
}

func TestBadDefaultAndAction(t *testing.T) {
	type D struct {
		ID     int
		Status string `relm:"default:draft"`
	}
	_, err := registerAndConfigure(t, &D{})
	wantErr(t, err, "D.Status", `default "draft"`, "'quoted string'")
	type A struct {
		ID       int
		ParentID *int `relm:"fk:as.id;ondelete:explode"`
	}
	_, err = registerAndConfigure(t, &A{})
	wantErr(t, err, "A.ParentID", `unknown referential action "explode"`, "cascade, set null")
}

// ---- indexes, defaults, referential actions in the live schema ----

type shelf struct {
	_    struct{} `relm:"table:shelves"`
	ID   int
	Name string `relm:"size:64;unique"`
}

type book struct {
	ID      int
	ShelfID *int    `relm:"fk:shelves.id;ondelete:cascade;onupdate:set null"`
	OwnerID *int    `relm:"fk:shelves.id;ondelete:set-null"`
	Author  string  `relm:"size:64;index:ix_books_author_title"`
	Title   string  `relm:"size:128;index:ix_books_author_title"`
	ISBN    string  `relm:"size:20;unique:uq_books_isbn_edition"`
	Edition int     `relm:"unique:uq_books_isbn_edition;default:1"`
	Status  string  `relm:"size:16;default:'draft'"`
	Price   float64 `relm:"default:9.5"`
	InPrint bool    `relm:"default:true"`
	Notes   *string `relm:"type:text;default:null"`
	Pages   int     `relm:"index"`
}

func TestIndexesDefaultsActionsLive(t *testing.T) {
	ctx := context.Background()
	reg := mustConfigure(t, &shelf{}, &book{})
	books := mapperOf(t, reg, &book{}).Table
	var ixs []string
	for _, ix := range books.AllIndexes() {
		var cs []string
		for _, c := range ix.Columns {
			cs = append(cs, c.Name)
		}
		ixs = append(ixs, fmt.Sprintf("%s%v unique=%v", ix.Name, cs, ix.Unique))
	}
	wantIx := []string{
		"ix_books_pages[pages] unique=false",
		"ix_books_author_title[author title] unique=false",
		"uq_books_isbn_edition[isbn edition] unique=true",
	}
	if !slices.Equal(ixs, wantIx) {
		t.Errorf("indexes of books:\n got %q\nwant %q", ixs, wantIx)
	}

	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		if err := reg.CreateAll(ctx, db); err != nil {
			t.Fatal(err)
		}
		ti, err := ddl.InspectTable(ctx, db, db.Dialect(), "books")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, ix := range ti.Indexes {
			got[ix.Name] = fmt.Sprintf("%v unique=%v", ix.Columns, ix.Unique)
		}
		want := map[string]string{
			"ix_books_author_title": "[author title] unique=false",
			"uq_books_isbn_edition": "[isbn edition] unique=true",
			"ix_books_pages":        "[pages] unique=false",
		}
		for name, w := range want {
			if got[name] != w {
				t.Errorf("index %s = %q, want %q (all: %v)", name, got[name], w, got)
			}
		}
		if len(got) != len(want) {
			t.Errorf("books has indexes %v, want exactly %v", got, want)
		}
		// The unique column of shelves is enforced.
		if _, err := db.ExecContext(ctx, "INSERT INTO shelves (name) VALUES ('a')"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO shelves (name) VALUES ('a')"); err == nil {
			t.Error("a second shelf named 'a' was accepted; name is unique")
		}

		acts := map[string]string{}
		for _, fk := range ti.ForeignKeys {
			acts[fk.Columns[0]] = fk.RefTable + " delete=" + fk.OnDelete + " update=" + fk.OnUpdate
		}
		wantActs := map[string]string{
			"shelf_id": "shelves delete=CASCADE update=SET NULL",
			"owner_id": "shelves delete=SET NULL update=NO ACTION",
		}
		for c, w := range wantActs {
			if acts[c] != w {
				t.Errorf("foreign key on %s: %q, want %q", c, acts[c], w)
			}
		}

		// Defaults: insert a row naming only what has no default.
		var shelfID int
		if err := db.SQL().QueryRowContext(ctx, "SELECT id FROM shelves").Scan(&shelfID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, fmt.Sprintf(
			"INSERT INTO books (shelf_id, owner_id, author, title, isbn, pages) VALUES (%d, %d, 'a', 't', 'x', 10)", shelfID, shelfID)); err != nil {
			t.Fatal(err)
		}
		var (
			edition int
			status  string
			price   float64
			inPrint bool
			notes   sql.NullString
		)
		if err := db.SQL().QueryRowContext(ctx, "SELECT edition, status, price, in_print, notes FROM books").
			Scan(&edition, &status, &price, &inPrint, &notes); err != nil {
			t.Fatal(err)
		}
		if edition != 1 || status != "draft" || price != 9.5 || !inPrint || notes.Valid {
			t.Errorf("defaults: edition=%d status=%q price=%v in_print=%v notes=%v; want 1 draft 9.5 true NULL",
				edition, status, price, inPrint, notes)
		}
		// The composite unique index is enforced.
		if _, err := db.ExecContext(ctx, "INSERT INTO books (author, title, isbn, pages) VALUES ('b', 'u', 'x', 1)"); err == nil {
			t.Error("a second book (isbn x, edition 1) was accepted; (isbn, edition) is unique")
		}
		// ON DELETE CASCADE: deleting the shelf deletes the book.
		if _, err := db.ExecContext(ctx, fmt.Sprintf("DELETE FROM shelves WHERE id = %d", shelfID)); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM books").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d books left after deleting their shelf; ondelete:cascade should have removed them", n)
		}
	})
}

func TestIndexDeclaredUniqueAndNot(t *testing.T) {
	type X struct {
		ID int
		A  string `relm:"index:ix_x_ab"`
		B  string `relm:"unique:ix_x_ab"`
	}
	_, err := registerAndConfigure(t, &X{})
	wantErr(t, err, "X.B", `index "ix_x_ab" is declared both unique and not unique`)
}

// TestModelSpecTableNameMethod: the programmatic form, like the tags, takes
// the table name from the TableName method when ModelSpec.Table is empty.
func TestModelSpecTableNameMethod(t *testing.T) {
	reg := mapping.NewRegistry()
	m, err := reg.Map(mapping.ModelSpec{Model: (*dupA)(nil), Columns: []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Table.Name != "things" {
		t.Errorf("Map without Table: table %q, want things (from dupA.TableName)", m.Table.Name)
	}
}

func TestModelSpecErrors(t *testing.T) {
	reg := mapping.NewRegistry()
	_, err := reg.Map(mapping.ModelSpec{})
	wantErr(t, err, "ModelSpec.Model is nil")
	type P struct{ ID int }
	_, err = reg.Map(mapping.ModelSpec{Model: (*P)(nil), Columns: []mapping.ColumnSpec{{Field: "Id"}}})
	wantErr(t, err, `P has no field "Id"`, `did you mean "ID"?`)
	var une *mapping.UnknownNameError
	if !errors.As(err, &une) {
		t.Errorf("error %v is not an *UnknownNameError", err)
	}
}
