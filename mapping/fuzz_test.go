package mapping_test

import (
	"context"
	"database/sql"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relmorm/relm/dialect/mysql"
	"github.com/relmorm/relm/dialect/postgres"
	"github.com/relmorm/relm/dialect/sqlite"
	"github.com/relmorm/relm/mapping"
)

// fuzzOther is a mapped struct a fuzzed field may relate to or refer to.
type fuzzOther struct {
	ID    int     `relm:"pk"`
	Label *string `relm:"size:16"`
}

func (fuzzOther) TableName() string { return "fuzz_others" }

// fuzzFieldTypes are the Go types a fuzzed field may have: columns of every
// kind, nullable ones, and relationships.
var fuzzFieldTypes = []reflect.Type{
	reflect.TypeFor[string](), reflect.TypeFor[int](), reflect.TypeFor[int64](), reflect.TypeFor[*string](),
	reflect.TypeFor[bool](), reflect.TypeFor[float64](), reflect.TypeFor[time.Time](), reflect.TypeFor[[]byte](),
	reflect.TypeFor[*int](), reflect.TypeFor[sql.NullString](), reflect.TypeFor[*fuzzOther](), reflect.TypeFor[[]*fuzzOther](),
	reflect.TypeFor[uint8](), reflect.TypeFor[[]string](),
}

// FuzzTag builds a struct type at run time whose field carries the fuzzed
// relm tag (and whose blank field carries the fuzzed table tag), registers
// and configures it. Any input must give an error or a mapper whose DDL
// every dialect renders and SQLite executes, creating exactly the tables and
// indexes of the metadata — never a panic, never DDL that does something
// else.
func FuzzTag(f *testing.F) {
	for _, seed := range []struct {
		table, tag string
		typ        uint8
	}{
		{"table:fuzzed", "size:64;index;unique", 0},
		{"table:order", "column:select;notnull;default:'x''y'", 3},
		{"table:t", "pk;autoincrement:false", 1},
		{"table:t", "type:varchar(12);default:'it''s'", 0},
		{"table:t", "fk:fuzz_others.id;ondelete:set null", 8},
		{"table:t", "back_populates:Nope", 10},
		{"table:t", "secondary:fuzz_others;order_by:ID desc", 11},
		{"table:t", "type:longtext;index:ix_shared", 0},
		{"table:a\"b", "column:c`d", 0},
		{"table:t", "default:1); DROP TABLE fuzz_others; --", 1},
		{"table:t", "default:'a'); DROP TABLE fuzz_others; --'", 0},
		{"table:t", "unique:uq_x;index:ix_x;column:x y", 2},
		{"table:t", "type:timestamp;default:current_timestamp", 6},
		{"table:t", "Type:BLOB;NOT NULL", 7},
		{"table:t", ";;;:;", 4},
		{"table:t", "default:-1.5e3", 5},
	} {
		f.Add(seed.table, seed.tag, seed.typ)
	}
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()

	f.Fuzz(func(t *testing.T, tableTag, tag string, typ uint8) {
		ft := fuzzFieldTypes[int(typ)%len(fuzzFieldTypes)]
		st := reflect.StructOf([]reflect.StructField{
			{Name: "_", PkgPath: "github.com/relmorm/relm/mapping_test", Type: reflect.TypeFor[struct{}](), Tag: reflect.StructTag("relm:" + strconv.Quote(tableTag))},
			{Name: "ID", Type: reflect.TypeFor[int](), Tag: `relm:"pk"`},
			{Name: "X", Type: ft, Tag: reflect.StructTag("relm:" + strconv.Quote(tag))},
		})
		reg := mapping.NewRegistry()
		if err := reg.Register(reflect.New(st).Interface(), &fuzzOther{}); err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if err := reg.Configure(); err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		md := reg.MetaData()
		tables, err := md.Sorted()
		if err != nil {
			return
		}
		// Every dialect renders the DDL.
		var ddl []string
		want := map[string]bool{}
		for _, tb := range tables {
			postgres.New().CreateTable(md, tb)
			mysql.New().CreateTable(md, tb)
			ddl = append(ddl, sqlite.New().CreateTable(md, tb))
			want["table "+tb.Name] = true
			for _, ix := range tb.AllIndexes() {
				postgres.New().CreateIndex(tb, ix)
				mysql.New().CreateIndex(tb, ix)
				ddl = append(ddl, sqlite.New().CreateIndex(tb, ix))
				want["index "+ix.Name] = true
			}
		}
		// SQLite runs it and ends up with exactly those objects.
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		for _, stmt := range ddl {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				t.Fatalf("accepted tags %q / %q (field %s) give DDL SQLite refuses: %v\n%s", tableTag, tag, ft, err, stmt)
			}
		}
		rows, err := tx.QueryContext(ctx, "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex_%'")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for rows.Next() {
			var typ, name string
			if err := rows.Scan(&typ, &name); err != nil {
				t.Fatal(err)
			}
			got[typ+" "+name] = true
		}
		rows.Close()
		if len(got) != len(want) {
			t.Fatalf("tags %q / %q: the DDL created %v, the metadata holds %v\n%s", tableTag, tag, got, want, strings.Join(ddl, ";\n"))
		}
		for k := range want {
			if !got[k] {
				t.Fatalf("tags %q / %q: the DDL did not create %s; it created %v", tableTag, tag, k, got)
			}
		}
	})
}
