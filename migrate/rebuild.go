package migrate

import (
	"regexp"
	"strings"

	"github.com/relmorm/relm/ddl"
	"github.com/relmorm/relm/schema"
)

// rebuilds turns, on SQLite, the steps its ALTER TABLE cannot make —
// a column's type, nullability or default, a UNIQUE constraint or a
// foreign key added or dropped, a NOT NULL column added without a
// default, a column dropped that a key or constraint uses — into the
// table rebuild SQLite documents (https://sqlite.org/lang_altertable.html,
// "Making Other Kinds Of Table Schema Changes"): create the new table
// under another name, copy the rows, drop the old table, rename the new
// one, create its indexes and the triggers the old one had. Every step of a rebuilt table is made by the
// rebuild, whose statements the first of them holds. The runner (Apply,
// Up, Down) turns foreign-key enforcement off around its transaction and
// runs PRAGMA foreign_key_check before it commits.
func (p *planner) rebuilds(tables []*schema.Table) {
	for _, t := range tables {
		lt := p.live[t.Name]
		if lt == nil {
			continue
		}
		var mine []*Step
		need := false
		for _, s := range p.steps {
			if s.Table != t.Name || s.Kind == CreateTable || s.Kind == DropTable {
				continue
			}
			mine = append(mine, s)
			switch s.Kind {
			case AlterType, AlterNull, AlterDefault:
				need = true
			case DropColumn:
				need = need || constrained(lt, s.Name)
			}
			need = need || s.Rebuilt
		}
		if !need {
			continue
		}
		first := mine[0]
		for _, s := range mine {
			s.Rebuilt, s.Up, s.Down = true, nil, nil
			if s.Kind < first.Kind {
				first = s
			}
		}
		first.Up = p.rebuildSQL(t, lt)
		first.Down = p.rebuildBackSQL(t, lt)
	}
}

// constrained reports whether the live column is in the primary key, a
// UNIQUE constraint or a foreign key, which SQLite's DROP COLUMN refuses.
func constrained(lt *liveTable, col string) bool {
	if c := lt.Column(col); c != nil && c.PrimaryKey {
		return true
	}
	for _, u := range lt.uniques {
		for _, c := range u.Columns {
			if c == col {
				return true
			}
		}
	}
	for _, fk := range lt.ForeignKeys {
		for _, c := range fk.Columns {
			if c == col {
				return true
			}
		}
	}
	return false
}

// source is the live column a declared one takes its values from: its
// own name, or its renamed_from name; "" when it is new.
func source(c *schema.Column, lt *liveTable) string {
	if lt.Column(c.Name) != nil {
		return c.Name
	}
	if c.RenamedFrom != "" && lt.Column(c.RenamedFrom) != nil {
		return c.RenamedFrom
	}
	return ""
}

// rebuildSQL rebuilds lt as t declares it.
func (p *planner) rebuildSQL(t *schema.Table, lt *liveTable) []string {
	tmp := "relm_new_" + t.Name
	nt := *t
	nt.Name = tmp
	var cols, exprs []string
	for _, c := range t.Columns {
		src := source(c, lt)
		zero := zeroLiteral(p.d, c.Type.Kind)
		switch {
		case src != "" && !c.Nullable() && lt.Column(src).Nullable && !lt.Column(src).PrimaryKey:
			cols = append(cols, p.q(c.Name))
			exprs = append(exprs, "COALESCE("+p.q(src)+", "+zero+")")
		case src != "":
			cols = append(cols, p.q(c.Name))
			exprs = append(exprs, p.q(src))
		case !c.Nullable() && c.Default == "" && !c.AutoIncrement:
			cols = append(cols, p.q(c.Name))
			exprs = append(exprs, zero)
		}
	}
	out := []string{
		p.d.CreateTable(p.md, &nt),
		"INSERT INTO " + p.q(tmp) + " (" + strings.Join(cols, ", ") + ") SELECT " + strings.Join(exprs, ", ") + " FROM " + p.q(t.Name),
		"DROP TABLE " + p.q(t.Name),
		"ALTER TABLE " + p.q(tmp) + " RENAME TO " + p.q(t.Name),
	}
	for _, ix := range t.AllIndexes() {
		out = append(out, p.d.CreateIndex(t, ix))
	}
	return append(out, lt.triggerSQL...) // dropped with the old table
}

var createTableName = regexp.MustCompile(`(?is)^\s*CREATE\s+TABLE\s+("(?:[^"]|"")+"|` + "`[^`]+`" + `|\[[^\]]+\]|[^\s(]+)\s*\(`)

// rebuildBackSQL rebuilds the table t into lt's shape again, from the
// CREATE statements SQLite kept of it.
func (p *planner) rebuildBackSQL(t *schema.Table, lt *liveTable) []string {
	tmp := "relm_old_" + t.Name
	create := createTableName.ReplaceAllString(lt.createSQL, "CREATE TABLE "+p.q(tmp)+" (")
	var cols, exprs []string
	for _, lc := range lt.Columns {
		var from *schema.Column
		for _, c := range t.Columns {
			if source(c, lt) == lc.Name {
				from = c
			}
		}
		zero := zeroLiteral(p.d, ddl.KindOf(p.d, lc.Type))
		notNull := !lc.Nullable && !lc.PrimaryKey
		switch {
		case from != nil && notNull && from.Nullable():
			cols = append(cols, p.q(lc.Name))
			exprs = append(exprs, "COALESCE("+p.q(from.Name)+", "+zero+")")
		case from != nil:
			cols = append(cols, p.q(lc.Name))
			exprs = append(exprs, p.q(from.Name))
		case notNull && lc.Default == "" && !lc.Generated:
			cols = append(cols, p.q(lc.Name))
			exprs = append(exprs, zero)
		}
	}
	out := []string{
		create,
		"INSERT INTO " + p.q(tmp) + " (" + strings.Join(cols, ", ") + ") SELECT " + strings.Join(exprs, ", ") + " FROM " + p.q(t.Name),
		"DROP TABLE " + p.q(t.Name),
		"ALTER TABLE " + p.q(tmp) + " RENAME TO " + p.q(t.Name),
	}
	return append(append(out, lt.indexSQL...), lt.triggerSQL...)
}
