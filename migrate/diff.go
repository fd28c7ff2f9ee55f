package migrate

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/relmorm/relm/ddl"
	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// DB is what Diff needs of a database: an executor that knows its dialect.
// *relm.DB and *relm.Tx satisfy it.
type DB = mapping.DB

// Options adjusts Diff, Apply, Up and Down.
type Options struct {
	// Widen turns an integer column narrower than declared (an INTEGER
	// where the models have BIGINT, as SQLAlchemy's create_all and earlier
	// relm versions made the keys of Go int fields) into an AlterType step
	// that widens it. Without it such a column is left alone and listed
	// in Plan.Notes, so that a database made by SQLAlchemy diffs as
	// empty: the models work with it (see ddl.Check), and widening a key
	// rewrites the table and needs its foreign keys widened alike. Other
	// narrower columns (a VARCHAR(64) the models now declare
	// VARCHAR(128)) are always widened: that is a change of the models.
	Widen bool
	// AllowDestructive lets Apply, Up and Down run steps that destroy
	// data (see Step.Destructive, Step.Irreversible).
	AllowDestructive bool
	// Keep, when set, names live tables that no model maps which the
	// plan must not drop. The migrations' own tables are always kept.
	Keep func(table string) bool
}

// Tables of the migrations' own bookkeeping, never diffed.
const (
	MigrationsTable = "relm_migrations"
	progressTable   = "relm_migrate_progress"
)

// Diff configures reg and compares its models' schema with the live
// database behind db, returning the plan that brings the database to the
// models. A database made by reg's CreateAll diffs as an empty plan.
func Diff(ctx context.Context, db DB, reg *mapping.Registry, opts Options) (*Plan, error) {
	if err := reg.Configure(); err != nil {
		return nil, fmt.Errorf("migrate: diff: %w", err)
	}
	return DiffMetaData(ctx, db, db.Dialect(), reg.MetaData(), opts)
}

// DiffMetaData is Diff on a schema.MetaData and an executor of dialect d.
func DiffMetaData(ctx context.Context, ex dialect.Executor, d dialect.Dialect, md *schema.MetaData, opts Options) (*Plan, error) {
	alt, ok := d.(dialect.Alterer)
	if !ok {
		return nil, fmt.Errorf("%w: dialect %s does not implement dialect.Alterer", ErrUnsupported, d.Name())
	}
	tables, err := md.Sorted()
	if err != nil {
		return nil, fmt.Errorf("migrate: diff: %w", err)
	}
	names, err := d.TableNames(ctx, ex)
	if err != nil {
		return nil, &InspectError{Err: err}
	}
	live := map[string]*liveTable{}
	for _, n := range names {
		if n == MigrationsTable || n == progressTable {
			continue
		}
		lt, err := inspect(ctx, ex, d, n)
		if err != nil {
			return nil, err
		}
		live[n] = lt
	}
	p := &planner{d: d, alt: alt, md: md, opts: opts, live: live, plan: &Plan{Dialect: d.Name()}}
	p.mustWiden = p.keysToWiden(tables)
	for _, t := range tables {
		if lt := live[t.Name]; lt != nil {
			p.diffTable(t, lt)
		} else {
			p.createTable(t)
		}
	}
	p.dropTables(tables)
	if d.Name() == "mysql" {
		p.foreignKeysAroundTypes(tables)
	}
	if d.Name() == "sqlite" {
		p.rebuilds(tables)
	}
	p.plan.Steps = p.ordered()
	return p.plan, nil
}

// liveTable is a table as inspected, with what the dialect adds.
type liveTable struct {
	ddl.TableInfo
	uniques []dialect.IndexInfo // UNIQUE constraints, where Indexes leaves them out
	// sqlite: the CREATE statements of the table, its indexes and its
	// triggers
	createSQL  string
	indexSQL   []string
	triggerSQL []string
}

func inspect(ctx context.Context, ex dialect.Executor, d dialect.Dialect, name string) (*liveTable, error) {
	info, err := ddl.InspectTable(ctx, ex, d, name)
	if err != nil {
		if errors.Is(err, ddl.ErrNoTable) {
			err = fmt.Errorf("the database lists it but reports no columns (a view, or a table the connection may not read): %w", err)
		}
		return nil, &InspectError{Table: name, Err: err}
	}
	lt := &liveTable{TableInfo: info}
	if ui, ok := d.(dialect.UniqueInspector); ok {
		if lt.uniques, err = ui.UniqueConstraints(ctx, ex, name); err != nil {
			return nil, &InspectError{Table: name, Err: err}
		}
	}
	if d.Name() == "sqlite" {
		rows, err := ex.QueryContext(ctx, `SELECT type, COALESCE(sql, '') FROM sqlite_master WHERE tbl_name = ? AND type IN ('table', 'index', 'trigger') ORDER BY type DESC, name`, name)
		if err != nil {
			return nil, &InspectError{Table: name, Err: err}
		}
		defer rows.Close()
		for rows.Next() {
			var typ, stmt string
			if err := rows.Scan(&typ, &stmt); err != nil {
				return nil, &InspectError{Table: name, Err: err}
			}
			switch {
			case typ == "table":
				lt.createSQL = stmt
			case stmt == "":
			case typ == "trigger":
				lt.triggerSQL = append(lt.triggerSQL, stmt)
			default:
				lt.indexSQL = append(lt.indexSQL, stmt)
			}
		}
		if err := rows.Err(); err != nil {
			return nil, &InspectError{Table: name, Err: err}
		}
	}
	return lt, nil
}

// planner gathers the steps of a plan.
type planner struct {
	d     dialect.Dialect
	alt   dialect.Alterer
	md    *schema.MetaData
	opts  Options
	live  map[string]*liveTable
	plan  *Plan
	steps []*Step
	// mustWiden holds the narrower integer columns ("table.column")
	// that are widened even without Options.Widen (see keysToWiden).
	mustWiden map[string]bool
}

func (p *planner) q(s string) string { return p.d.Quote(s) }

func (p *planner) add(s *Step) *Step {
	p.steps = append(p.steps, s)
	return s
}

func (p *planner) note(format string, args ...any) {
	p.plan.Notes = append(p.plan.Notes, fmt.Sprintf(format, args...))
}

// ordered sorts the steps by kind, keeping the order found within a kind
// (tables in dependency order), and drops tables children first.
func (p *planner) ordered() []Step {
	sort.SliceStable(p.steps, func(i, j int) bool { return p.steps[i].Kind < p.steps[j].Kind })
	out := make([]Step, len(p.steps))
	for i, s := range p.steps {
		out[i] = *s
	}
	return out
}

// createTable plans CREATE TABLE for t with its indexes; the foreign keys
// that close a cycle are added afterwards where the dialect needs ALTER.
func (p *planner) createTable(t *schema.Table) {
	up := []string{p.d.CreateTable(p.md, t)}
	if ii, ok := p.d.(dialect.IndexInliner); !ok || !ii.InlinesIndexes() {
		for _, ix := range t.AllIndexes() {
			up = append(up, p.d.CreateIndex(t, ix))
		}
	}
	p.add(&Step{Kind: CreateTable, Table: t.Name, Name: t.Name,
		Description: fmt.Sprintf("create table %s (%d columns)", t.Name, len(t.Columns)),
		Up:          up, Down: []string{p.d.DropTable(t)}, DownDestructive: true})
	for _, fk := range t.ForeignKeys() {
		if !p.md.CyclicForeignKey(fk) {
			continue
		}
		if stmt := p.d.AddForeignKey(t, fk); stmt != "" {
			name := dialect.ForeignKeyName(t, fk)
			p.add(&Step{Kind: AddForeignKey, Table: t.Name, Name: name,
				Description: fmt.Sprintf("add foreign key %s.%s -> %s", t.Name, colNames(fk.Columns), fk.RefTable.Name),
				Up:          []string{stmt}, Down: []string{p.alt.DropForeignKeyNamed(t.Name, name)}})
		}
	}
}

// dropTables plans DROP TABLE for the live tables no model maps,
// referencing tables first.
func (p *planner) dropTables(tables []*schema.Table) {
	declared := map[string]bool{}
	for _, t := range tables {
		declared[t.Name] = true
	}
	var gone []string
	for n := range p.live {
		if !declared[n] && (p.opts.Keep == nil || !p.opts.Keep(n)) {
			gone = append(gone, n)
		}
	}
	sort.Strings(gone)
	// Children first: a table is dropped before every table it references.
	var order []string
	done := map[string]bool{}
	var visit func(n string, path map[string]bool)
	visit = func(n string, path map[string]bool) {
		if done[n] || path[n] {
			return
		}
		path[n] = true
		for _, other := range gone {
			for _, fk := range p.live[other].ForeignKeys {
				if fk.RefTable == n && other != n {
					visit(other, path)
				}
			}
		}
		done[n] = true
		order = append(order, n)
	}
	for _, n := range gone {
		visit(n, map[string]bool{})
	}
	for _, n := range order {
		lt := p.live[n]
		p.add(&Step{Kind: DropTable, Table: n, Name: n,
			Description: fmt.Sprintf("drop table %s (%d columns), which no model maps", n, len(lt.Columns)),
			Destructive: true, Irreversible: true,
			Up:   []string{"DROP TABLE " + p.q(n)},
			Down: p.recreateLive(lt)})
	}
}

// recreateLive writes the statements that create a live table again,
// empty: its columns, primary key, indexes and foreign keys as inspected.
func (p *planner) recreateLive(lt *liveTable) []string {
	if lt.createSQL != "" {
		return append(append([]string{lt.createSQL}, lt.indexSQL...), lt.triggerSQL...)
	}
	var cols []string
	var pk []string
	for _, c := range lt.Columns {
		cols = append(cols, p.liveDefinition(c))
		if c.PrimaryKey {
			pk = append(pk, c.Name)
		}
	}
	if len(pk) > 0 {
		cols = append(cols, "PRIMARY KEY ("+p.list(pk)+")")
	}
	for _, u := range lt.uniques {
		cols = append(cols, "CONSTRAINT "+p.q(u.Name)+" UNIQUE ("+p.list(u.Columns)+")")
	}
	for _, fk := range lt.ForeignKeys {
		cols = append(cols, p.fkClause(fk))
	}
	stmt := "CREATE TABLE " + p.q(lt.Name) + " (\n\t" + strings.Join(cols, ",\n\t") + "\n)"
	if p.d.Name() == "mysql" {
		if to, ok := p.d.(interface{ TableOptions() string }); ok {
			stmt += " " + to.TableOptions()
		}
	}
	out := []string{stmt}
	for _, ix := range lt.Indexes {
		out = append(out, p.createIndexSQL(lt.Name, ix))
	}
	return out
}

func (p *planner) liveDefinition(c dialect.ColumnInfo) string {
	def := liveDef(c)
	typ := def.Type
	if def.AutoIncrement && p.d.Name() == "postgres" {
		switch typ { // the sequence went with the table
		case "INTEGER":
			typ = "SERIAL"
		case "BIGINT":
			typ = "BIGSERIAL"
		}
	}
	s := p.q(c.Name) + " " + typ
	if def.NotNull {
		s += " NOT NULL"
	}
	switch {
	case def.AutoIncrement && p.d.Name() == "mysql":
		s += " AUTO_INCREMENT"
	case def.Default != "":
		s += " DEFAULT " + def.Default
	}
	return s
}

// liveDef is a live column's definition. PostgreSQL's sequence defaults
// stand for SERIAL, which AutoIncrement marks.
func liveDef(c dialect.ColumnInfo) dialect.ColumnDef {
	def := dialect.ColumnDef{Name: c.Name, Type: c.Type, NotNull: !c.Nullable || c.PrimaryKey, Default: c.Default, AutoIncrement: c.Generated}
	if c.Generated {
		def.Default = ""
	}
	return def
}

func (p *planner) list(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = p.q(c)
	}
	return strings.Join(q, ", ")
}

func (p *planner) fkClause(fk dialect.ForeignKeyInfo) string {
	s := ""
	if fk.Name != "" {
		s = "CONSTRAINT " + p.q(fk.Name) + " "
	}
	s += "FOREIGN KEY(" + p.list(fk.Columns) + ") REFERENCES " + p.q(fk.RefTable) + " (" + p.list(fk.RefColumns) + ")"
	if a := normAction(fk.OnDelete); a != "" {
		s += " ON DELETE " + a
	}
	if a := normAction(fk.OnUpdate); a != "" {
		s += " ON UPDATE " + a
	}
	return s
}

func (p *planner) createIndexSQL(table string, ix dialect.IndexInfo) string {
	u := ""
	if ix.Unique {
		u = "UNIQUE "
	}
	return "CREATE " + u + "INDEX " + p.q(ix.Name) + " ON " + p.q(table) + " (" + p.list(ix.Columns) + ")"
}

func normAction(a string) string {
	a = strings.ToUpper(strings.TrimSpace(a))
	if a == "NO ACTION" {
		return ""
	}
	return a
}

func colNames(cols []*schema.Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return strings.Join(names, ",")
}

// diffTable plans the changes that bring the live table lt to t.
func (p *planner) diffTable(t *schema.Table, lt *liveTable) {
	used := map[string]bool{} // live columns matched by a declared one
	for _, c := range t.Columns {
		lc := lt.Column(c.Name)
		if lc == nil && c.RenamedFrom != "" {
			if old := lt.Column(c.RenamedFrom); old != nil && t.Column(c.RenamedFrom) == nil {
				p.add(&Step{Kind: RenameColumn, Table: t.Name, Name: c.Name,
					Description: fmt.Sprintf("rename column %s.%s to %s (renamed_from)", t.Name, c.RenamedFrom, c.Name),
					Up:          []string{p.alt.RenameColumn(t.Name, c.RenamedFrom, c.Name)},
					Down:        []string{p.alt.RenameColumn(t.Name, c.Name, c.RenamedFrom)}})
				lc = old
			}
		}
		if lc == nil {
			p.addColumn(t, c)
			continue
		}
		used[lc.Name] = true
		p.diffColumn(t, c, *lc)
	}
	for _, lc := range lt.Columns {
		if used[lc.Name] {
			continue
		}
		def := liveDef(lc)
		p.add(&Step{Kind: DropColumn, Table: t.Name, Name: lc.Name,
			Description: fmt.Sprintf("drop column %s.%s %s, which no field maps", t.Name, lc.Name, lc.Type),
			Destructive: true, Irreversible: true,
			Up:   []string{p.alt.DropColumn(t.Name, lc.Name)},
			Down: p.addColumnSQL(t.Name, def, zeroLiteral(p.d, ddl.KindOf(p.d, lc.Type)))})
	}
	if len(t.PrimaryKey()) > 0 {
		var livePK []string
		for _, lc := range lt.Columns {
			if lc.PrimaryKey {
				livePK = append(livePK, lc.Name)
			}
		}
		var declPK []string
		for _, c := range t.PrimaryKey() {
			declPK = append(declPK, c.Name)
		}
		if len(livePK) > 0 && !slices.Equal(livePK, declPK) {
			p.note("table %s has primary key (%s) where the models declare (%s); primary keys are not migrated", t.Name, strings.Join(livePK, ", "), strings.Join(declPK, ", "))
		}
	}
	p.diffIndexes(t, lt)
	p.diffForeignKeys(t, lt)
}

// addColumnSQL adds a column; a NOT NULL one without a default is added
// with the zero value as its default, which fills the existing rows, and
// the default dropped afterwards where the dialect can.
func (p *planner) addColumnSQL(table string, def dialect.ColumnDef, zero string) []string {
	if !def.NotNull || def.Default != "" || def.AutoIncrement {
		return []string{p.alt.AddColumn(table, def)}
	}
	filled := def
	filled.Default = zero
	out := []string{p.alt.AddColumn(table, filled)}
	if p.d.Name() != "sqlite" {
		out = append(out, p.alt.AlterColumn(table, filled, def)...)
	}
	return out
}

func (p *planner) addColumn(t *schema.Table, c *schema.Column) {
	def := p.alt.ColumnDef(c)
	desc := fmt.Sprintf("add column %s.%s %s", t.Name, c.Name, describeDef(def))
	zero := zeroLiteral(p.d, c.Type.Kind)
	if def.NotNull && def.Default == "" && !def.AutoIncrement {
		desc += fmt.Sprintf(" (existing rows get %s)", zero)
	}
	s := p.add(&Step{Kind: AddColumn, Table: t.Name, Name: c.Name, Description: desc,
		Up:   p.addColumnSQL(t.Name, def, zero),
		Down: []string{p.alt.DropColumn(t.Name, c.Name)}, DownDestructive: true})
	if p.d.Name() == "sqlite" && (c.PrimaryKey || c.Unique || def.NotNull && def.Default == "" ||
		strings.HasPrefix(strings.ToUpper(def.Default), "CURRENT_")) {
		s.Rebuilt = true // SQLite's ADD COLUMN cannot
	}
}

func describeDef(d dialect.ColumnDef) string {
	s := d.Type
	if d.NotNull {
		s += " NOT NULL"
	}
	if d.Default != "" {
		s += " DEFAULT " + d.Default
	}
	return s
}

// diffColumn plans the type, nullability and default changes of a column
// that exists on both sides.
func (p *planner) diffColumn(t *schema.Table, c *schema.Column, lc dialect.ColumnInfo) {
	from := liveDef(lc)
	from.Name = c.Name
	want := p.alt.ColumnDef(c)
	cur := from
	where := t.Name + "." + c.Name
	switch ch := ddl.CompareType(p.d, c, lc.Type); ch {
	case ddl.TypeSame:
	case ddl.TypeNarrower:
		if !p.opts.Widen && c.Type.IsInteger() && !p.mustWiden[t.Name+"."+c.Name] {
			p.note("column %s is %s, narrower than the models' %s; widening it is optional (Options.Widen, the flag -widen)", where, lc.Type, want.Type)
			break
		}
		fallthrough
	default:
		next := cur
		next.Type = want.Type
		if ch == ddl.TypeOther {
			// The old default may not convert: the new one goes with
			// the type.
			next.Default = want.Default
		}
		verb := map[ddl.TypeChange]string{ddl.TypeNarrower: "widen", ddl.TypeWider: "narrow", ddl.TypeOther: "change"}[ch]
		s := p.add(&Step{Kind: AlterType, Table: t.Name, Name: c.Name,
			Description: fmt.Sprintf("%s column %s from %s to %s", verb, where, lc.Type, want.Type),
			Destructive: ch != ddl.TypeNarrower, DownDestructive: ch != ddl.TypeWider,
			Up: p.alt.AlterColumn(t.Name, cur, next), Down: p.alt.AlterColumn(t.Name, next, cur)})
		if seq, ok := sequenceOf(lc.Default); ok && p.d.Name() == "postgres" && c.Type.IsInteger() {
			// A SERIAL's sequence has the column's type as its limit.
			s.Up = append(s.Up, "ALTER SEQUENCE "+seq+" AS "+want.Type)
			s.Down = append([]string{"ALTER SEQUENCE " + seq + " AS " + lc.Type}, s.Down...)
		}
		cur = next
	}
	if !lc.PrimaryKey && from.NotNull != want.NotNull {
		next := cur
		next.NotNull = want.NotNull
		s := &Step{Kind: AlterNull, Table: t.Name, Name: c.Name,
			Up: p.alt.AlterColumn(t.Name, cur, next), Down: p.alt.AlterColumn(t.Name, next, cur)}
		if want.NotNull {
			zero := zeroLiteral(p.d, c.Type.Kind)
			s.Description = fmt.Sprintf("make column %s NOT NULL (NULLs become %s)", where, zero)
			s.Up = append([]string{"UPDATE " + p.q(t.Name) + " SET " + p.q(c.Name) + " = " + zero + " WHERE " + p.q(c.Name) + " IS NULL"}, s.Up...)
		} else {
			// Undoing it makes the column NOT NULL again: the NULLs
			// written since become the zero value.
			zero := zeroLiteral(p.d, c.Type.Kind)
			s.Description = fmt.Sprintf("make column %s nullable", where)
			s.Down = append([]string{"UPDATE " + p.q(t.Name) + " SET " + p.q(c.Name) + " = " + zero + " WHERE " + p.q(c.Name) + " IS NULL"}, s.Down...)
		}
		p.add(s)
		cur = next
	}
	if !c.AutoIncrement && !lc.Generated && normDefault(cur.Default, c.Type.Kind) != normDefault(want.Default, c.Type.Kind) {
		next := cur
		next.Default = want.Default
		desc := fmt.Sprintf("set the default of column %s to %s (was %s)", where, want.Default, orNone(from.Default))
		if want.Default == "" {
			desc = fmt.Sprintf("drop the default %s of column %s", from.Default, where)
		}
		p.add(&Step{Kind: AlterDefault, Table: t.Name, Name: c.Name, Description: desc,
			Up: p.alt.AlterColumn(t.Name, cur, next), Down: p.alt.AlterColumn(t.Name, next, cur)})
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

var castSuffix = regexp.MustCompile(`::[a-zA-Z ]+(\([0-9, ]+\))?(\[\])?$`)

// normDefault turns a DEFAULT as declared or as a database reports it into
// a form in which equal defaults compare equal: PostgreSQL's casts
// ('x'::character varying) and MariaDB's CURRENT_TIMESTAMP(6) dropped,
// keywords in lower case, booleans as 0 and 1, numbers canonical.
func normDefault(s string, k schema.Kind) string {
	s = strings.TrimSpace(s)
	for {
		t := castSuffix.ReplaceAllString(s, "")
		t = strings.TrimSpace(t)
		if len(t) >= 2 && t[0] == '(' && t[len(t)-1] == ')' {
			t = strings.TrimSpace(t[1 : len(t)-1])
		}
		if t == s {
			break
		}
		s = t
	}
	l := strings.ToLower(s)
	switch l {
	case "", "null":
		return ""
	case "now()", "current_timestamp()", "current_timestamp(6)", "current_timestamp", "localtimestamp":
		return "current_timestamp"
	}
	if k == schema.KindBool {
		switch l {
		case "true", "1", "'1'", "'t'", "'true'":
			return "1"
		case "false", "0", "'0'", "'f'", "'false'":
			return "0"
		}
	}
	unq := l
	if len(unq) >= 2 && unq[0] == '\'' && unq[len(unq)-1] == '\'' && k != schema.KindString && k != schema.KindText {
		unq = unq[1 : len(unq)-1] // MariaDB quotes numbers of some types
	}
	if f, err := strconv.ParseFloat(unq, 64); err == nil {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	if k == schema.KindString || k == schema.KindText {
		return s
	}
	return l
}

// zeroLiteral is the Go zero value of a kind as an SQL literal, which
// fills existing rows when a NOT NULL column is added or made NOT NULL.
func zeroLiteral(d dialect.Dialect, k schema.Kind) string {
	switch k {
	case schema.KindString, schema.KindText:
		return "''"
	case schema.KindBool:
		if d.Name() == "sqlite" {
			return "0"
		}
		return "FALSE"
	case schema.KindTime:
		return "'1970-01-01 00:00:00'"
	case schema.KindBytes:
		if d.Name() == "sqlite" {
			return "X''"
		}
		return "''"
	}
	return "0"
}

// diffIndexes plans the indexes and UNIQUE constraints. Indexes match by
// name, UNIQUE constraints by their columns (the databases name them).
func (p *planner) diffIndexes(t *schema.Table, lt *liveTable) {
	liveIx := map[string]dialect.IndexInfo{}
	for _, ix := range lt.Indexes {
		liveIx[ix.Name] = ix
	}
	declared := map[string]bool{}
	for _, ix := range t.AllIndexes() {
		declared[ix.Name] = true
		cols := make([]string, len(ix.Columns))
		for i, c := range ix.Columns {
			cols[i] = c.Name
		}
		if li, ok := liveIx[ix.Name]; ok {
			if slices.Equal(li.Columns, cols) && li.Unique == ix.Unique {
				continue
			}
			p.dropIndex(t, lt, li, "declared otherwise")
		}
		p.add(&Step{Kind: CreateIndex, Table: t.Name, Name: ix.Name,
			Description: fmt.Sprintf("create %sindex %s on %s (%s)", uniqueWord(ix.Unique), ix.Name, t.Name, strings.Join(cols, ", ")),
			Up:          []string{p.d.CreateIndex(t, ix)}, Down: []string{p.alt.DropIndex(t.Name, ix.Name)}})
	}
	// UNIQUE constraints: where the dialect lists them apart, those; on
	// MySQL, the unique indexes no declared index claims.
	liveU := lt.uniques
	if _, ok := p.d.(dialect.UniqueInspector); !ok {
		for _, ix := range lt.Indexes {
			if ix.Unique && !declared[ix.Name] {
				liveU = append(liveU, ix)
			}
		}
	}
	matched := map[string]bool{}
	pk := t.PrimaryKey()
	for _, c := range t.Columns {
		if !c.Unique || len(pk) == 1 && pk[0] == c {
			continue
		}
		found := false
		for _, u := range liveU {
			if !matched[u.Name] && slices.Equal(u.Columns, []string{c.Name}) {
				matched[u.Name], found = true, true
				break
			}
		}
		if found {
			continue
		}
		name := uniqueName(p.d, t.Name, c.Name)
		s := p.add(&Step{Kind: AddUnique, Table: t.Name, Name: name,
			Description: fmt.Sprintf("add unique constraint %s on %s (%s)", name, t.Name, c.Name),
			Up:          nonEmpty(p.alt.AddUnique(t.Name, name, []string{c.Name})),
			Down:        nonEmpty(p.alt.DropUnique(t.Name, name))})
		s.Rebuilt = p.d.Name() == "sqlite"
	}
	for _, u := range liveU {
		if matched[u.Name] {
			continue
		}
		s := p.add(&Step{Kind: DropUnique, Table: t.Name, Name: u.Name,
			Description: fmt.Sprintf("drop unique constraint %s on %s (%s), which the models do not declare", u.Name, t.Name, strings.Join(u.Columns, ", ")),
			Up:          nonEmpty(p.alt.DropUnique(t.Name, u.Name)),
			Down:        nonEmpty(p.alt.AddUnique(t.Name, u.Name, u.Columns))})
		s.Rebuilt = p.d.Name() == "sqlite"
	}
	for _, li := range lt.Indexes {
		if declared[li.Name] {
			continue
		}
		if _, ok := p.d.(dialect.UniqueInspector); !ok && li.Unique {
			continue // a UNIQUE constraint on MySQL, handled above
		}
		p.dropIndex(t, lt, li, "which the models do not declare")
	}
}

func (p *planner) dropIndex(t *schema.Table, lt *liveTable, li dialect.IndexInfo, why string) {
	table := t.Name
	s := p.add(&Step{Kind: DropIndex, Table: table, Name: li.Name,
		Description: fmt.Sprintf("drop %sindex %s on %s (%s), %s", uniqueWord(li.Unique), li.Name, table, strings.Join(li.Columns, ", "), why),
		Up:          []string{p.alt.DropIndex(table, li.Name)}, Down: []string{p.createIndexSQL(table, li)}})
	if cols := p.neededByForeignKey(t, lt, li); cols != nil {
		// InnoDB refuses to drop the index a foreign key uses: put the
		// index InnoDB would have made in its place, named after the
		// first column as InnoDB names it, in the same statement.
		keep := dialect.IndexInfo{Name: cols[0], Columns: cols}
		s.Description += " (an index on " + strings.Join(cols, ", ") + " stays for its foreign key)"
		s.Up = []string{"ALTER TABLE " + p.q(table) + " DROP INDEX " + p.q(li.Name) + ", ADD INDEX " + p.q(keep.Name) + " (" + p.list(cols) + ")"}
		s.Down = []string{"ALTER TABLE " + p.q(table) + " DROP INDEX " + p.q(keep.Name) + ", ADD " + uniqueWord(li.Unique) + "INDEX " + p.q(li.Name) + " (" + p.list(li.Columns) + ")"}
	}
}

// neededByForeignKey returns, on MySQL and MariaDB, the columns of a
// foreign key the plan keeps whose only supporting index is li (an index
// whose leading columns are the key's), or nil.
func (p *planner) neededByForeignKey(t *schema.Table, lt *liveTable, li dialect.IndexInfo) []string {
	if p.d.Name() != "mysql" {
		return nil
	}
	leads := func(ix dialect.IndexInfo, cols []string) bool {
		return len(ix.Columns) >= len(cols) && slices.Equal(ix.Columns[:len(cols)], cols)
	}
	for _, lf := range lt.ForeignKeys {
		kept := false
		for _, fk := range t.ForeignKeys() {
			kept = kept || sameFK(fk, lf)
		}
		if !kept || !leads(li, lf.Columns) {
			continue
		}
		other := false
		for _, ix := range lt.Indexes {
			other = other || ix.Name != li.Name && leads(ix, lf.Columns)
		}
		for _, ix := range t.AllIndexes() {
			other = other || ix.Name != li.Name && leads(dialect.IndexInfo{Columns: colNamesList(ix.Columns)}, lf.Columns)
		}
		if !other {
			return lf.Columns
		}
	}
	return nil
}

func colNamesList(cols []*schema.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// uniqueName is the name a database gives the UNIQUE constraint of
// CREATE TABLE's UNIQUE (column), which AddUnique gives it too.
func uniqueName(d dialect.Dialect, table, column string) string {
	if d.Name() == "mysql" {
		return column
	}
	n := table + "_" + column + "_key"
	if len(n) > 63 {
		n = n[:63]
	}
	return n
}

func uniqueWord(u bool) string {
	if u {
		return "unique "
	}
	return ""
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// diffForeignKeys plans the foreign keys, matched by their columns,
// referenced table and columns, and actions.
func (p *planner) diffForeignKeys(t *schema.Table, lt *liveTable) {
	matched := make([]bool, len(lt.ForeignKeys))
	for _, fk := range t.ForeignKeys() {
		found := false
		for i, lf := range lt.ForeignKeys {
			if !matched[i] && sameFK(fk, lf) {
				matched[i], found = true, true
				break
			}
		}
		if found {
			continue
		}
		name := dialect.ForeignKeyName(t, fk)
		s := p.add(&Step{Kind: AddForeignKey, Table: t.Name, Name: name,
			Description: fmt.Sprintf("add foreign key %s (%s) -> %s", t.Name, colNames(fk.Columns), fk.RefTable.Name),
			Up:          nonEmpty(p.d.AddForeignKey(t, fk)),
			Down:        append(nonEmpty(p.alt.DropForeignKeyNamed(t.Name, name)), p.implicitIndexDrops(t, name)...)})
		s.Rebuilt = p.d.Name() == "sqlite"
	}
	for i, lf := range lt.ForeignKeys {
		if matched[i] {
			continue
		}
		desc := fmt.Sprintf("drop foreign key %s (%s) -> %s, which the models do not declare", t.Name, strings.Join(lf.Columns, ","), lf.RefTable)
		var down []string
		if lf.Name != "" {
			down = []string{"ALTER TABLE " + p.q(t.Name) + " ADD " + p.fkClause(lf)}
		}
		up := nonEmpty(p.alt.DropForeignKeyNamed(t.Name, lf.Name))
		if len(up) > 0 {
			up = append(up, p.implicitIndexDrops(t, lf.Name, lf.Columns[0])...)
		}
		s := p.add(&Step{Kind: DropForeignKey, Table: t.Name, Name: lf.Name, Description: desc,
			Up: up, Down: down})
		s.Rebuilt = p.d.Name() == "sqlite"
	}
}

func sameFK(fk *schema.ForeignKey, lf dialect.ForeignKeyInfo) bool {
	if fk.RefTable.Name != lf.RefTable || len(fk.Columns) != len(lf.Columns) {
		return false
	}
	for i, c := range fk.Columns {
		if c.Name != lf.Columns[i] || fk.RefColumns[i].Name != lf.RefColumns[i] {
			return false
		}
	}
	return normAction(string(fk.OnDelete)) == normAction(lf.OnDelete) && normAction(string(fk.OnUpdate)) == normAction(lf.OnUpdate)
}

// implicitIndexDrops drops, on MariaDB, the index InnoDB made by itself
// for a foreign key (named after the constraint, or after its first
// column), which dropping the constraint leaves behind: IF EXISTS, since
// InnoDB makes none where an index already serves. A name the models
// declare an index by is left alone.
func (p *planner) implicitIndexDrops(t *schema.Table, names ...string) []string {
	m, ok := p.d.(interface{ MariaDB() bool })
	if !ok || !m.MariaDB() {
		return nil
	}
	var out []string
	for _, n := range names {
		declared := t.Column(n) != nil && t.Column(n).Unique
		for _, ix := range t.AllIndexes() {
			declared = declared || ix.Name == n
		}
		if !declared {
			out = append(out, "DROP INDEX IF EXISTS "+p.q(n)+" ON "+p.q(t.Name))
		}
	}
	return out
}

var nextval = regexp.MustCompile(`^nextval\('((?:[^']|'')+)'(?:::regclass)?\)$`)

// sequenceOf returns the sequence a PostgreSQL default draws on
// (nextval('users_id_seq'::regclass)), as SQL.
func sequenceOf(def string) (string, bool) {
	m := nextval.FindStringSubmatch(strings.TrimSpace(def))
	if m == nil {
		return "", false
	}
	return m[1], true
}

// foreignKeysAroundTypes drops, on MySQL and MariaDB, the foreign keys
// that involve a column whose type the plan changes, and adds them again
// afterwards: InnoDB refuses to change a column a foreign key uses
// ("Cannot change column used in a foreign key constraint"), even with
// foreign_key_checks off.
func (p *planner) foreignKeysAroundTypes(tables []*schema.Table) {
	changed := map[string]bool{} // table.column
	for _, s := range p.steps {
		if s.Kind == AlterType {
			changed[s.Table+"."+s.Name] = true
		}
	}
	if len(changed) == 0 {
		return
	}
	for _, t := range tables {
		lt := p.live[t.Name]
		if lt == nil {
			continue
		}
		used := make([]bool, len(lt.ForeignKeys))
		for _, fk := range t.ForeignKeys() {
			for i, lf := range lt.ForeignKeys {
				if used[i] || !sameFK(fk, lf) {
					continue
				}
				used[i] = true
				involved := false
				for j, c := range lf.Columns {
					involved = involved || changed[t.Name+"."+c] || changed[lf.RefTable+"."+lf.RefColumns[j]]
				}
				if !involved || lf.Name == "" {
					break
				}
				name := dialect.ForeignKeyName(t, fk)
				p.add(&Step{Kind: DropForeignKey, Table: t.Name, Name: lf.Name,
					Description: fmt.Sprintf("drop foreign key %s (%s) -> %s while its columns change type (added again after)", t.Name, strings.Join(lf.Columns, ","), lf.RefTable),
					Up:          append([]string{p.alt.DropForeignKeyNamed(t.Name, lf.Name)}, p.implicitIndexDrops(t, lf.Name, lf.Columns[0])...),
					Down:        []string{"ALTER TABLE " + p.q(t.Name) + " ADD " + p.fkClause(lf)}})
				p.add(&Step{Kind: AddForeignKey, Table: t.Name, Name: name,
					Description: fmt.Sprintf("add foreign key %s (%s) -> %s again", t.Name, colNames(fk.Columns), fk.RefTable.Name),
					Up:          nonEmpty(p.d.AddForeignKey(t, fk)),
					Down:        append(nonEmpty(p.alt.DropForeignKeyNamed(t.Name, name)), p.implicitIndexDrops(t, name)...)})
				break
			}
		}
	}
}

// keysToWiden lists, on a dialect with StrictForeignKeyTypes (MySQL,
// MariaDB), the narrower integer columns that must be widened for the
// plan to apply: the keys a table to be created references (InnoDB
// refuses a BIGINT foreign key to an INTEGER key), and then every live
// column joined to one of those by a foreign key, either way, since the
// foreign keys are added again after the change and their types must
// still agree.
func (p *planner) keysToWiden(tables []*schema.Table) map[string]bool {
	sf, ok := p.d.(dialect.StrictForeignKeyTypes)
	if !ok || !sf.StrictForeignKeyTypes() {
		return nil
	}
	narrower := func(table, col string) bool {
		t, lt := p.md.Table(table), p.live[table]
		if t == nil || lt == nil || t.Column(col) == nil || lt.Column(col) == nil {
			return false
		}
		return ddl.CompareType(p.d, t.Column(col), lt.Column(col).Type) == ddl.TypeNarrower
	}
	set := map[string]bool{}
	for _, t := range tables {
		if p.live[t.Name] != nil {
			continue
		}
		for _, fk := range t.ForeignKeys() {
			for _, rc := range fk.RefColumns {
				if narrower(fk.RefTable.Name, rc.Name) {
					set[fk.RefTable.Name+"."+rc.Name] = true
				}
			}
		}
	}
	for changed := len(set) > 0; changed; {
		changed = false
		for name, lt := range p.live {
			for _, lf := range lt.ForeignKeys {
				for i, c := range lf.Columns {
					a, b := name+"."+c, lf.RefTable+"."+lf.RefColumns[i]
					for _, pair := range [][2]string{{a, b}, {b, a}} {
						tbl, col, _ := strings.Cut(pair[1], ".")
						if set[pair[0]] && !set[pair[1]] && narrower(tbl, col) {
							set[pair[1]] = true
							changed = true
						}
					}
				}
			}
		}
	}
	return set
}
