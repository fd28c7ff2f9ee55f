package mapping

import (
	"fmt"
	"slices"
	"strings"

	"github.com/relmorm/relm/schema"
)

// This file configures a many-to-many relationship: its link table and
// which of the link table's foreign keys points at each side. A
// self-referential many-to-many (User.Following through follows(follower_id,
// followed_id)) has two foreign keys to the same table, so the mapping says
// which one is the parent's (secondary_local, SQLAlchemy's primaryjoin) and
// which the target's (secondary_remote, its secondaryjoin).

// configureSecondary resolves a relationship declared with a secondary
// table: its link table, the link columns of each side and the key columns
// they reference.
func (reg *Registry) configureSecondary(rel *Relationship, rf relField) error {
	p, t, spec := rel.Parent, rel.Target, rel.spec
	side := rel.String()
	sec, err := reg.resolveSecondary(side, spec.Secondary)
	if err != nil {
		return err
	}
	local, err := linkCandidates(side, sec, p.Table, spec.SecondaryLocal, spec.ForeignKeys, "secondary_local")
	if err != nil {
		return err
	}
	remote, err := linkCandidates(side, sec, t.Table, spec.SecondaryRemote, spec.ForeignKeys, "secondary_remote")
	if err != nil {
		return err
	}
	if p.Table == t.Table {
		if local, remote, err = pairSelfLinks(side, sec, local, remote, spec); err != nil {
			return err
		}
	}
	for _, c := range []struct {
		fks []*schema.ForeignKey
		tbl *schema.Table
		key string
	}{{local, p.Table, "secondary_local"}, {remote, t.Table, "secondary_remote"}} {
		if err := oneLinkFK(side, sec, c.tbl, c.key, c.fks); err != nil {
			return err
		}
	}
	if !rf.slice && rf.name != "" {
		return &ConfigError{Side: side, Msg: fmt.Sprintf("a many-to-many relationship holds a collection; declare the field as []*%s", t.Name())}
	}
	rel.Direction = ManyToMany
	rel.Secondary = sec
	rel.SecondaryLocal = local[0].Columns
	rel.LocalColumns = local[0].RefColumns
	rel.SecondaryRemote = remote[0].Columns
	rel.RemoteColumns = remote[0].RefColumns
	return reg.bindFields(rel)
}

// oneLinkFK checks that exactly one foreign key of sec is left for the side
// whose table is tbl.
func oneLinkFK(side string, sec, tbl *schema.Table, key string, fks []*schema.ForeignKey) error {
	switch len(fks) {
	case 0:
		return &ConfigError{Side: side, Kind: ErrNoForeignKeys, Msg: fmt.Sprintf(
			"the secondary table %q has no foreign key to %q; add a column with `fk:%s.%s` to it",
			sec.Name, tbl.Name, tbl.Name, pkName(tbl))}
	case 1:
		return nil
	}
	return &ConfigError{Side: side, Kind: ErrAmbiguousForeignKeys, Msg: fmt.Sprintf(
		"the secondary table %q has more than one foreign key to %q (%s); choose the link column with %s:%s (or foreign_keys)",
		sec.Name, tbl.Name, fkList(fks), key, linkColumns(fks)[0])}
}

// pairSelfLinks decides the two link columns of a self-referential
// many-to-many, where both sides' candidates are the same foreign keys:
// naming one side's column leaves the other side the rest; naming neither
// is refused, since either reading is as likely.
func pairSelfLinks(side string, sec *schema.Table, local, remote []*schema.ForeignKey, spec RelationshipSpec) (l, r []*schema.ForeignKey, err error) {
	switch {
	case len(spec.SecondaryLocal) > 0 && len(spec.SecondaryRemote) == 0:
		remote = without(remote, local)
	case len(spec.SecondaryRemote) > 0 && len(spec.SecondaryLocal) == 0:
		local = without(local, remote)
	case len(spec.SecondaryLocal) == 0 && len(local) > 1:
		cols := linkColumns(local)
		return nil, nil, &ConfigError{Side: side, Kind: ErrAmbiguousForeignKeys, Msg: fmt.Sprintf(
			"a self-referential many-to-many: the secondary table %q has %d foreign keys to %q (%s), and either could point at this side; "+
				"say which link column references the parent with secondary_local and which the target with secondary_remote, "+
				"as in `secondary:%s;secondary_local:%s;secondary_remote:%s` (RelationshipSpec.SecondaryLocal, SecondaryRemote)",
			sec.Name, len(local), local[0].RefTable.Name, strings.Join(cols, ", "), sec.Name, cols[0], cols[1])}
	}
	if len(local) == 1 && len(remote) == 1 && local[0] == remote[0] {
		return nil, nil, &ConfigError{Side: side, Kind: ErrAmbiguousForeignKeys, Msg: fmt.Sprintf(
			"both sides would join through %s of %q; a self-referential many-to-many needs two different link columns: name this side's with secondary_local and the target's with secondary_remote",
			strings.Join(linkColumns(local), ","), sec.Name)}
	}
	return local, remote, nil
}

// linkCandidates returns the foreign keys of sec that reference tbl and may
// join that side: the ones whose columns are named (by key, such as
// secondary_local) when names are given, else the ones foreign_keys allows.
// A named column that sec lacks, or that does not reference tbl, is an
// error naming the columns that do.
func linkCandidates(side string, sec, tbl *schema.Table, named, foreignKeys []string, key string) ([]*schema.ForeignKey, error) {
	fks := fksBetween(sec, tbl)
	if len(named) == 0 {
		return filterFKs(fks, foreignKeys, nil), nil
	}
	var cols []*schema.Column
	for _, n := range named {
		c, err := linkColumn(side, sec, tbl, n, key, fks)
		if err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	var out []*schema.ForeignKey
	for _, fk := range fks {
		if len(fk.Columns) == len(cols) && !slices.ContainsFunc(fk.Columns, func(c *schema.Column) bool { return !slices.Contains(cols, c) }) {
			out = append(out, fk)
		}
	}
	if len(out) == 0 {
		return nil, &ConfigError{Side: side, Kind: ErrNoForeignKeys, Msg: fmt.Sprintf(
			"%s:%s names no whole foreign key of %q to %q; its foreign keys to %q: %s",
			key, strings.Join(named, ","), sec.Name, tbl.Name, tbl.Name, fkList(fks))}
	}
	return out, nil
}

// linkColumn finds the column of sec that name (a column, or
// "table.column" with sec's name) gives for key, and checks that a foreign
// key to tbl holds it.
func linkColumn(side string, sec, tbl *schema.Table, name, key string, fks []*schema.ForeignKey) (*schema.Column, error) {
	choices := strings.Join(linkColumns(fks), ", ")
	if choices == "" {
		choices = "none"
	}
	tname, cname, qualified := strings.Cut(name, ".")
	if !qualified {
		tname, cname = sec.Name, name
	}
	if tname != sec.Name {
		return nil, &ConfigError{Side: side, Kind: ErrNoForeignKeys, Msg: fmt.Sprintf(
			"%s:%s names a column of %q, but the link columns are the secondary table %q's (the ones that reference %q: %s)",
			key, name, tname, sec.Name, tbl.Name, choices)}
	}
	c := sec.Column(cname)
	if c == nil {
		msg := fmt.Sprintf("%s:%s: the secondary table %q has no column %q; the columns that reference %q: %s",
			key, name, sec.Name, cname, tbl.Name, choices)
		if near := schema.Nearest(cname, linkColumns(fks)); near != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", near)
		}
		return nil, &ConfigError{Side: side, Kind: ErrNoForeignKeys, Msg: msg}
	}
	for _, fk := range fks {
		if slices.Contains(fk.Columns, c) {
			return c, nil
		}
	}
	return nil, &ConfigError{Side: side, Kind: ErrNoForeignKeys, Msg: fmt.Sprintf(
		"%s:%s: the column %s.%s does not reference %q; the columns that do: %s",
		key, name, sec.Name, cname, tbl.Name, choices)}
}

// linkColumns names the columns of foreign keys, a composite one as "a,b".
func linkColumns(fks []*schema.ForeignKey) []string {
	out := make([]string, len(fks))
	for i, fk := range fks {
		names := make([]string, len(fk.Columns))
		for j, c := range fk.Columns {
			names[j] = c.Name
		}
		out[i] = strings.Join(names, ",")
	}
	return out
}

// without returns fks less the ones in drop.
func without(fks, drop []*schema.ForeignKey) []*schema.ForeignKey {
	var out []*schema.ForeignKey
	for _, fk := range fks {
		if !slices.Contains(drop, fk) {
			out = append(out, fk)
		}
	}
	return out
}
