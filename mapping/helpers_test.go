package mapping_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/ddl"
	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// wantErr fails unless err is non-nil and its message contains every one of
// the fragments.
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

// registerAndConfigure registers models and configures the registry,
// returning the first error. A panic fails the test: bad input is an error,
// never a panic.
func registerAndConfigure(t *testing.T, models ...any) (reg *mapping.Registry, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Register/Configure panicked: %v", r)
		}
	}()
	reg = mapping.NewRegistry()
	if err := reg.Register(models...); err != nil {
		return reg, err
	}
	return reg, reg.Configure()
}

// mustConfigure registers models and configures the registry or fails.
func mustConfigure(t *testing.T, models ...any) *mapping.Registry {
	t.Helper()
	reg, err := registerAndConfigure(t, models...)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// mapperOf returns the configured mapper of model.
func mapperOf(t *testing.T, reg *mapping.Registry, model any) *mapping.Mapper {
	t.Helper()
	m, err := reg.Mapper(model)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// rel returns the named relationship of model's mapper.
func rel(t *testing.T, reg *mapping.Registry, model any, name string) *mapping.Relationship {
	t.Helper()
	r, err := mapperOf(t, reg, model).LookupRelationship(name)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// cols renders columns as "table.column" joined by commas.
func cols(cs []*schema.Column) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.Table().Name + "." + c.Name
	}
	return strings.Join(s, ",")
}

// fields renders fields as "Type.Field" joined by commas.
func fields(fs []*mapping.Field) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = f.Mapper.Name() + "." + f.Name
	}
	return strings.Join(s, ",")
}

// relWant is the expected configuration of one relationship.
type relWant struct {
	dir           mapping.Direction
	local, remote string // cols(LocalColumns), cols(RemoteColumns)
	localFields   string // fields(LocalFields); "" skips the check
	remoteFields  string
	secondary     string // table name, "" for none
	secLocal      string // cols(SecondaryLocal)
	secRemote     string
	reverse       string // Reverse.String(), "" for none
	uselist       bool
	hasField      bool
	isBackref     bool
	oneToOne      bool
	target        string // Target.Name()
}

func checkRel(t *testing.T, r *mapping.Relationship, w relWant) {
	t.Helper()
	if r.Direction != w.dir {
		t.Errorf("%s: direction %v, want %v", r, r.Direction, w.dir)
	}
	if w.target != "" && r.Target.Name() != w.target {
		t.Errorf("%s: target %s, want %s", r, r.Target.Name(), w.target)
	}
	if got := cols(r.LocalColumns); got != w.local {
		t.Errorf("%s: local columns %s, want %s", r, got, w.local)
	}
	if got := cols(r.RemoteColumns); got != w.remote {
		t.Errorf("%s: remote columns %s, want %s", r, got, w.remote)
	}
	if w.localFields != "" {
		if got := fields(r.LocalFields); got != w.localFields {
			t.Errorf("%s: local fields %s, want %s", r, got, w.localFields)
		}
	}
	if w.remoteFields != "" {
		if got := fields(r.RemoteFields); got != w.remoteFields {
			t.Errorf("%s: remote fields %s, want %s", r, got, w.remoteFields)
		}
	}
	sec := ""
	if r.Secondary != nil {
		sec = r.Secondary.Name
	}
	if sec != w.secondary {
		t.Errorf("%s: secondary %q, want %q", r, sec, w.secondary)
	}
	if got := cols(r.SecondaryLocal); got != w.secLocal {
		t.Errorf("%s: secondary local columns %s, want %s", r, got, w.secLocal)
	}
	if got := cols(r.SecondaryRemote); got != w.secRemote {
		t.Errorf("%s: secondary remote columns %s, want %s", r, got, w.secRemote)
	}
	rev := ""
	if r.Reverse != nil {
		rev = r.Reverse.String()
		if r.Reverse.Reverse != r {
			t.Errorf("%s: its reverse %s does not point back to it (it points to %v)", r, rev, r.Reverse.Reverse)
		}
	}
	if rev != w.reverse {
		t.Errorf("%s: reverse %q, want %q", r, rev, w.reverse)
	}
	if r.Uselist != w.uselist {
		t.Errorf("%s: uselist %v, want %v", r, r.Uselist, w.uselist)
	}
	if r.HasField != w.hasField {
		t.Errorf("%s: HasField %v, want %v", r, r.HasField, w.hasField)
	}
	if r.IsBackref != w.isBackref {
		t.Errorf("%s: IsBackref %v, want %v", r, r.IsBackref, w.isBackref)
	}
	if r.IsOneToOne() != w.oneToOne {
		t.Errorf("%s: IsOneToOne %v, want %v", r, r.IsOneToOne(), w.oneToOne)
	}
}

// relNames lists the names of a mapper's relationships in order.
func relNames(m *mapping.Mapper) []string {
	var names []string
	for _, r := range m.Relationships {
		names = append(names, r.Name)
	}
	return names
}

// liveFK is a foreign key as read back from a database: "table.col -> ref(col)".
func liveFKs(t *testing.T, db *relm.DB, table string) []string {
	t.Helper()
	ti, err := ddl.InspectTable(context.Background(), db, db.Dialect(), table)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, fk := range ti.ForeignKeys {
		out = append(out, table+"."+strings.Join(fk.Columns, ",")+" -> "+fk.RefTable+"("+strings.Join(fk.RefColumns, ",")+")")
	}
	slices.Sort(out)
	return out
}

// createOnEach runs CreateAll for reg on every dialect and checks that the
// database then holds exactly the tables given and, per table, exactly the
// foreign keys given ("table.col -> ref(col)").
func createOnEach(t *testing.T, reg *mapping.Registry, wantFKs map[string][]string) {
	t.Helper()
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		if err := reg.CreateAll(ctx, db); err != nil {
			t.Fatal(err)
		}
		names, err := db.Dialect().TableNames(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for table := range wantFKs {
			want = append(want, table)
		}
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Errorf("tables = %v, want %v", names, want)
		}
		for table, fks := range wantFKs {
			fks = slices.Clone(fks)
			slices.Sort(fks)
			if got := liveFKs(t, db, table); !slices.Equal(got, fks) {
				t.Errorf("foreign keys of %s in the database = %q, want %q", table, got, fks)
			}
		}
		if err := reg.DropAll(ctx, db); err != nil {
			t.Fatalf("DropAll: %v", err)
		}
	})
}

var _ dialect.Executor = (*relm.DB)(nil)
