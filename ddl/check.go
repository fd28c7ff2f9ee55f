package ddl

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/schema"
)

// ErrSchemaMismatch is matched (errors.Is) by the *MismatchError that Check
// and CreateAll return when a table of the metadata already exists in the
// database in a shape the metadata cannot use.
var ErrSchemaMismatch = errors.New("ddl: an existing table does not match the schema")

// Difference is one way a table in the database differs from the
// metadata's table of the same name.
type Difference struct {
	Table  string // the table's name
	Column string // the column's name
	// Problem says what differs, as the rest of a sentence that begins
	// with the table: "exists without column password".
	Problem string
	// Consequence says what would go wrong and how to fix it, "" when
	// the general advice (drop, rename or migrate) is the fix.
	Consequence string
	// Compatible is true for a difference the metadata can live with (a
	// narrower column: INTEGER where it declares BIGINT, VARCHAR(20)
	// where VARCHAR(64)); CreateAll accepts those and reports them
	// through Options.Note. False for one that would make writes or
	// reads fail.
	Compatible bool
	// Source names what declared the column, for the message: "model
	// blog.User field Password" when Options.Describe knows it.
	Source string
}

// String renders the difference on one line, without semicolons: "table
// users exists without column password (model blog.User field
// Password)", then the consequence after a colon.
func (d Difference) String() string {
	s := "table " + d.Table + " " + d.Problem
	if d.Source != "" {
		s += " (" + d.Source + ")"
	}
	if d.Consequence != "" {
		s += ": " + d.Consequence
	}
	return s
}

// MismatchError lists the differences that stop CreateAll: every one found
// that is not Compatible. It matches ErrSchemaMismatch with errors.Is.
type MismatchError struct {
	Differences []Difference
}

// Error names each table, column and difference on one line, then how to
// fix them.
func (e *MismatchError) Error() string {
	var b strings.Builder
	for i, d := range e.Differences {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(d.String())
	}
	b.WriteString("; nothing was created: drop or rename the table, give the model another table name, or migrate the table to match")
	return b.String()
}

// Is reports whether target is ErrSchemaMismatch.
func (e *MismatchError) Is(target error) bool { return target == ErrSchemaMismatch }

// Options adjusts Check and CreateAllWith.
type Options struct {
	// Describe, when set, names what declared a column of the metadata
	// ("model blog.User field Password"), or with column "" a table
	// ("model blog.User"), for Difference.Source; "" when it does not know.
	Describe func(table, column string) string
	// Note, when set, receives each Compatible difference, once the
	// check has passed (a failing check reports only its error).
	Note func(Difference)
}

// Check compares every table of md that exists in the database with md's
// description of it, reading the catalog once per such table; tables that
// do not exist are fine. It returns a *MismatchError (matching
// ErrSchemaMismatch) listing the differences that would make the
// metadata's writes or reads fail:
//
//   - a column of md that the table lacks;
//   - a column whose type belongs to another family than md's (an integer
//     where md has a string, text where it has a timestamp, …); widths are
//     not held against it, and a narrower type of the same family —
//     INTEGER where md has BIGINT, VARCHAR(20) where VARCHAR(64) — is a
//     Compatible difference, passed to opts.Note;
//   - a column that accepts NULL where md's is NOT NULL (a NULL row would
//     not load into the non-pointer field), or one that is NOT NULL with
//     no default where md's may be NULL;
//   - md's autoincrement column, where the database does not generate it;
//   - a column md does not know that is NOT NULL with no default and not
//     generated: every INSERT through md would fail on it. Other columns
//     md does not know are fine.
//
// Type names that Check does not recognize (a PostgreSQL UUID or JSONB, a
// MySQL ENUM) are accepted. Check writes nothing.
func Check(ctx context.Context, ex dialect.Executor, d dialect.Dialect, md *schema.MetaData, opts Options) error {
	tables, err := md.Sorted()
	if err != nil {
		return fmt.Errorf("ddl: check: %w", err)
	}
	existing, err := tableSet(ctx, ex, d)
	if err != nil {
		return fmt.Errorf("ddl: check: %w", err)
	}
	return check(ctx, ex, d, tables, existing, opts)
}

// check is Check on the tables already listed.
func check(ctx context.Context, ex dialect.Executor, d dialect.Dialect, tables []*schema.Table, existing map[string]bool, opts Options) error {
	var fatal, notes []Difference
	infos := map[string]*TableInfo{}
	for _, t := range tables {
		if !existing[t.Name] {
			continue
		}
		info, err := InspectTable(ctx, ex, d, t.Name)
		if errors.Is(err, ErrNoTable) {
			continue
		}
		if err != nil {
			return err
		}
		infos[t.Name] = &info
		for _, diff := range compareTable(d, t, info) {
			if opts.Describe != nil {
				diff.Source = opts.Describe(diff.Table, diff.Column)
			}
			if diff.Compatible {
				notes = append(notes, diff)
			} else {
				fatal = append(fatal, diff)
			}
		}
	}
	if sf, ok := d.(dialect.StrictForeignKeyTypes); ok && sf.StrictForeignKeyTypes() {
		for _, t := range tables {
			if infos[t.Name] == nil && !existing[t.Name] {
				fatal = append(fatal, newKeyTypes(d, t, infos)...)
			}
		}
	}
	for i := range fatal {
		if opts.Describe != nil && fatal[i].Source == "" {
			fatal[i].Source = opts.Describe(fatal[i].Table, fatal[i].Column)
		}
	}
	if len(fatal) > 0 {
		return &MismatchError{Differences: fatal}
	}
	if opts.Note != nil {
		for _, n := range notes {
			opts.Note(n)
		}
	}
	return nil
}

// compareTable lists how the live table info differs from t, in t's column
// order and then the live table's.
func compareTable(d dialect.Dialect, t *schema.Table, info TableInfo) []Difference {
	var out []Difference
	add := func(col string, compatible bool, problem, consequence string) {
		out = append(out, Difference{Table: t.Name, Column: col, Problem: problem, Consequence: consequence, Compatible: compatible})
	}
	for _, c := range t.Columns {
		live := info.Column(c.Name)
		if live == nil {
			add(c.Name, false, "exists without column "+c.Name, "")
			continue
		}
		want := declaredType(d, c)
		switch typeFits(d, c.Type, live.Type) {
		case fitNo:
			add(c.Name, false, fmt.Sprintf("column %s is %s, not the schema's %s", c.Name, live.Type, want),
				"values of the schema's type do not fit it")
		case fitNarrower:
			what := "larger numbers"
			if kindFamily(c.Type.Kind) == famString {
				what = "longer strings"
			}
			add(c.Name, true, fmt.Sprintf("column %s is %s, narrower than the schema's %s", c.Name, live.Type, want),
				what+" will fail until the column is widened")
		}
		liveNullable := live.Nullable && !live.PrimaryKey
		switch {
		case liveNullable && !c.Nullable():
			add(c.Name, false, fmt.Sprintf("column %s accepts NULL where the schema's is NOT NULL", c.Name),
				"a row holding NULL would not load, so make the column NOT NULL or the field a pointer or sql.Null type")
		case !liveNullable && c.Nullable() && live.Default == "" && !live.Generated:
			add(c.Name, false, fmt.Sprintf("column %s is NOT NULL without a default where the schema's accepts NULL", c.Name),
				"writing NULL (a nil field) would fail, so make the column nullable or the field a non-pointer")
		}
		if c.AutoIncrement && !live.Generated && live.Default == "" {
			add(c.Name, false, fmt.Sprintf("column %s, which the schema leaves to the database to generate, is not generated there (no AUTO_INCREMENT, identity, sequence or rowid)", c.Name),
				"every INSERT without a key would fail")
		}
	}
	for _, live := range info.Columns {
		if t.Column(live.Name) != nil {
			continue
		}
		if !live.Nullable && live.Default == "" && !live.Generated {
			add(live.Name, false, fmt.Sprintf("has column %s, NOT NULL without a default, which the schema does not write", live.Name),
				"every INSERT would fail, so give it a DEFAULT, make it nullable, or map it")
		}
	}
	return out
}

// newKeyTypes lists the foreign keys of t, a table to be created, whose
// integer column would differ in type from the key it references in an
// existing table (an INTEGER made by an earlier relm, where the schema now
// has BIGINT), which a dialect with StrictForeignKeyTypes refuses.
func newKeyTypes(d dialect.Dialect, t *schema.Table, infos map[string]*TableInfo) []Difference {
	var out []Difference
	for _, fk := range t.ForeignKeys() {
		info := infos[fk.RefTable.Name]
		if info == nil {
			continue
		}
		for i, c := range fk.Columns {
			rc := fk.RefColumns[i]
			live := info.Column(rc.Name)
			if live == nil || !c.Type.IsInteger() {
				continue
			}
			if fam, _ := liveFamily(d, live.Type); fam != famInteger || live.Type == declaredType(d, c) {
				continue
			}
			out = append(out, Difference{Table: t.Name, Column: c.Name,
				Problem: fmt.Sprintf("would be created with column %s %s referencing %s.%s, which is %s in the database", c.Name, declaredType(d, c), rc.Table().Name, rc.Name, live.Type),
				Consequence: fmt.Sprintf("the database refuses a foreign key whose type differs from its key's, so widen %s.%s to %s or declare the column %s (the tag type:%s)",
					rc.Table().Name, rc.Name, declaredType(d, rc), live.Type, strings.ToLower(live.Type)),
			})
		}
	}
	return out
}

// declaredType spells c's type as the database reports it, serial types as
// the integers they are.
func declaredType(d dialect.Dialect, c *schema.Column) string {
	switch s := d.ColumnType(c); s {
	case "SERIAL":
		return "INTEGER"
	case "BIGSERIAL":
		return "BIGINT"
	default:
		return s
	}
}

// fit is how a live column type suits a schema type.
type fit int

const (
	fitYes      fit = iota // same family, at least as wide (or not known)
	fitNarrower            // same family, narrower
	fitNo                  // another family
)

// family is a group of column types that hold the same Go values.
type family int

const (
	famUnknown family = iota
	famInteger
	famString
	famBool
	famFloat
	famTime
	famBytes
)

// kindFamily is the family of a schema kind.
func kindFamily(k schema.Kind) family {
	switch k {
	case schema.KindInteger, schema.KindBigInt:
		return famInteger
	case schema.KindString, schema.KindText:
		return famString
	case schema.KindBool:
		return famBool
	case schema.KindFloat:
		return famFloat
	case schema.KindTime:
		return famTime
	case schema.KindBytes:
		return famBytes
	}
	return famUnknown
}

// unbounded is the width of a type with no practical limit.
const unbounded = 1 << 62

// typeFits compares a live type name (as the inspectors normalize it) with
// the schema's type.
func typeFits(d dialect.Dialect, want schema.Type, live string) fit {
	fam, width := liveFamily(d, live)
	wantFam := kindFamily(want.Kind)
	if fam == famUnknown || wantFam == famUnknown {
		return fitYes
	}
	if fam != wantFam {
		// A boolean is an integer 0 or 1 where the database has no
		// boolean of its own (MySQL's BOOL is TINYINT(1)).
		if wantFam == famBool && fam == famInteger {
			return fitYes
		}
		return fitNo
	}
	var need int
	switch wantFam {
	case famInteger:
		need = 32
		if want.Kind == schema.KindBigInt {
			need = 64
		}
	case famString:
		switch {
		case want.Kind == schema.KindString:
			need = want.Size
		case want.Size > 0:
			need = want.Size
		default:
			need = 1<<16 - 1 // TEXT: what MySQL's holds, the least of the three
		}
	default:
		return fitYes
	}
	if width < need {
		return fitNarrower
	}
	return fitYes
}

// liveFamily classifies a type name as reported by the inspectors (upper
// case, display widths dropped) and gives its width: bits for integers,
// characters for strings. SQLite's declared types follow its affinity
// rules, under which every integer has 64 bits.
func liveFamily(d dialect.Dialect, typ string) (family, int) {
	t := strings.ToUpper(strings.TrimSpace(typ))
	base, args, _ := strings.Cut(t, "(")
	base = strings.TrimSpace(base)
	size := -1 // the first number in parentheses: VARCHAR(64), DECIMAL(10,2)
	digits := strings.TrimLeft(args, " ")
	if i := strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }); i > 0 {
		size, _ = strconv.Atoi(digits[:i])
	}
	sqlite := d.Name() == "sqlite"
	word := base
	if i := strings.IndexByte(word, ' '); i >= 0 {
		word = word[:i] // "INTEGER UNSIGNED", "TIMESTAMP WITH TIME ZONE"
	}
	switch word {
	case "TINYINT", "SMALLINT", "INT2", "SMALLSERIAL", "MEDIUMINT", "INT", "INTEGER", "INT4", "SERIAL", "BIGINT", "INT8", "BIGSERIAL":
		if sqlite {
			return famInteger, 64
		}
		switch word {
		case "TINYINT":
			return famInteger, 8
		case "SMALLINT", "INT2", "SMALLSERIAL":
			return famInteger, 16
		case "MEDIUMINT":
			return famInteger, 24
		case "BIGINT", "INT8", "BIGSERIAL":
			return famInteger, 64
		}
		return famInteger, 32
	case "BOOL", "BOOLEAN":
		return famBool, 0
	case "VARCHAR", "CHAR", "CHARACTER", "NVARCHAR", "NCHAR", "VARCHAR2", "NATIONAL":
		if size < 0 || sqlite { // SQLite does not enforce the length
			return famString, unbounded
		}
		return famString, size
	case "TINYTEXT":
		return famString, 255
	case "TEXT":
		if d.Name() == "mysql" {
			return famString, 1<<16 - 1
		}
		return famString, unbounded
	case "MEDIUMTEXT":
		return famString, 1<<24 - 1
	case "LONGTEXT", "CLOB", "CITEXT":
		return famString, unbounded
	case "FLOAT", "DOUBLE", "REAL", "FLOAT4", "FLOAT8", "NUMERIC", "DECIMAL":
		return famFloat, 0
	case "TIMESTAMP", "DATETIME", "DATE", "TIMESTAMPTZ":
		return famTime, 0
	case "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "BYTEA", "BINARY", "VARBINARY":
		return famBytes, 0
	}
	if sqlite {
		// SQLite's affinity rules, in its order, for other declared names.
		switch {
		case strings.Contains(t, "INT"):
			return famInteger, 64
		case strings.Contains(t, "CHAR"), strings.Contains(t, "CLOB"), strings.Contains(t, "TEXT"):
			return famString, unbounded
		}
	}
	return famUnknown, 0
}

// TypeChange is how a live column's type compares with the type the
// schema declares, as CompareType finds it.
type TypeChange int

// The outcomes of CompareType.
const (
	// TypeSame: the live type holds what the declared one does and no
	// more, as the database reports it (PostgreSQL's character
	// varying(64) is VARCHAR(64), MariaDB's int(11) is INTEGER, SQLite's
	// affinity makes every integer 64 bits), or relm does not know the
	// live type (a UUID, an ENUM) and leaves it alone.
	TypeSame TypeChange = iota
	// TypeNarrower: same family, narrower than declared (INTEGER where
	// the schema has BIGINT); widening it loses nothing. Check calls
	// this a Compatible difference.
	TypeNarrower
	// TypeWider: same family, wider than declared (VARCHAR(255) where
	// the schema has VARCHAR(64)); narrowing it may lose data.
	TypeWider
	// TypeOther: another family (text where the schema has an integer).
	TypeOther
)

// CompareType compares the live type name of c's column (as the dialect's
// inspector reports it) with c's declared type, by the rules Check applies
// (see Check), and says which way they differ.
func CompareType(d dialect.Dialect, c *schema.Column, live string) TypeChange {
	switch typeFits(d, c.Type, live) {
	case fitNo:
		return TypeOther
	case fitNarrower:
		return TypeNarrower
	}
	lf, lw := liveFamily(d, live)
	wf, ww := liveFamily(d, declaredType(d, c))
	if lf == famUnknown || wf == famUnknown || lf != wf {
		return TypeSame
	}
	if lw > ww {
		return TypeWider
	}
	return TypeSame
}

// DeclaredType spells c's type as the dialect's inspector reports it:
// the dialect's ColumnType, with PostgreSQL's SERIAL and BIGSERIAL as the
// INTEGER and BIGINT they are.
func DeclaredType(d dialect.Dialect, c *schema.Column) string { return declaredType(d, c) }

// KindOf is the schema kind whose values a live column of type typ (as
// the dialect's inspector reports it) holds: KindBigInt for every integer,
// KindText for every string, KindInvalid for a type relm does not know.
func KindOf(d dialect.Dialect, typ string) schema.Kind {
	fam, _ := liveFamily(d, typ)
	switch fam {
	case famInteger:
		return schema.KindBigInt
	case famString:
		return schema.KindText
	case famBool:
		return schema.KindBool
	case famFloat:
		return schema.KindFloat
	case famTime:
		return schema.KindTime
	case famBytes:
		return schema.KindBytes
	}
	return schema.KindInvalid
}
