package relm

import (
	"fmt"
	"sort"

	"github.com/relmorm/relm/schema"
)

// linkGroup is the link rows of one link table (its two columns) that a
// flush adds, or those it removes.
type linkGroup struct {
	sec  *schema.Table
	cols [2]*schema.Column
	add  bool
	ops  []*linkOp
}

// writeLinks deletes removed link rows, then inserts added ones, per table.
func (u *unitOfWork) writeLinks() error {
	if len(u.linkOrder) == 0 {
		return nil
	}
	groups, composite, err := u.linkGroups()
	if err != nil {
		return err
	}
	if len(composite) > 0 {
		if err := u.writeCompositeLinks(composite); err != nil {
			return err
		}
	}
	sort.SliceStable(groups, func(i, j int) bool { return !groups[i].add && groups[j].add })
	for _, g := range groups {
		if g.add {
			err = u.insertLinks(g)
		} else {
			err = u.deleteLinks(g)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// linkGroups groups the link rows to write by table and by adding or
// removing, in order of first appearance. It skips the rows undone within
// the flush and those of a deleted object (its link rows go with it), and
// fails on a row whose end has no key. The rows of a link table that
// references a composite key are returned apart (composite), for
// writeCompositeLinks.
func (u *unitOfWork) linkGroups() (groups []*linkGroup, composite []*linkOp, err error) {
	var last *linkGroup
	index := map[[2]*schema.Column]map[bool]*linkGroup{}
	for i := range u.linkOrder {
		op := &u.linkOrder[i]
		if op.dead {
			continue
		}
		if op.ends[0].status == statusDeleted || op.ends[1].status == statusDeleted {
			continue // the deleted object's link rows go with it
		}
		if op.composite() {
			composite = append(composite, op)
			continue
		}
		if err := op.checkEnds(); err != nil {
			return nil, nil, err
		}
		cols := op.cols()
		g := last
		if g == nil || g.cols != cols || g.add != op.add {
			g = index[cols][op.add] // the rows of a link table mostly come together
		}
		if g == nil {
			g = &linkGroup{sec: op.sec(), cols: cols, add: op.add}
			if len(groups) == 0 {
				// Usually the only group: room for every row.
				g.ops = make([]*linkOp, 0, len(u.linkOrder)-i)
			}
			if index[cols] == nil {
				index[cols] = map[bool]*linkGroup{}
			}
			index[cols][op.add] = g
			groups = append(groups, g)
		}
		g.ops = append(g.ops, op)
		last = g
	}
	return groups, composite, nil
}

// checkEnds reports an error when an end of op has no key yet: the object
// was never added to the session, or reached without save-update.
func (op *linkOp) checkEnds() error {
	fields := op.fields()
	for i, end := range op.ends {
		ok := false
		if _, intOK, isInt := fields[i].IntKey(end.ptr); isInt {
			ok = intOK
		} else {
			_, ok = fields[i].Key(end.ptr)
		}
		if !ok {
			return fmt.Errorf("relm: a %s link row refers to a %s that has no key; add it to the session (or give the relationship the save-update cascade)", op.sec().Name, end.m.Name())
		}
	}
	return nil
}

// insertLinks inserts g's link rows as one table's batch (insertBatch),
// integer keys written straight from the objects where both ends have
// them.
func (u *unitOfWork) insertLinks(g *linkGroup) error {
	ops := g.ops
	b := &batch{
		table: g.sec,
		cols:  g.cols[:],
		n:     len(ops),
		row: func(i int, dst []any) {
			op := ops[i]
			f := op.fields()
			dst[0] = f[0].Value(op.ends[0].ptr)
			dst[1] = f[1].Value(op.ends[1].ptr)
		},
		ints: func(i int, dst []int64) bool {
			op := ops[i]
			f := op.fields()
			a, okA, intA := f[0].IntKey(op.ends[0].ptr)
			c, okC, intC := f[1].IntKey(op.ends[1].ptr)
			dst[0], dst[1] = a, c
			return intA && intC && okA && okC
		},
		fail: func(_, _ int, query string, err error) error {
			return &StatementError{Op: "link insert", Type: g.sec.Name, SQL: query, Err: err}
		},
	}
	return u.insertBatch(b)
}

// deleteLinks deletes g's link rows by their pair of keys,
// DELETE … WHERE (a, b) IN ((…), …), as many pairs a statement as the
// dialect's parameters allow.
func (u *unitOfWork) deleteLinks(g *linkGroup) error {
	d := u.d
	table := d.Quote(g.sec.Name)
	a, bcol := d.Quote(g.cols[0].Name), d.Quote(g.cols[1].Name)
	per := max(1, d.MaxParams()/2)
	for start := 0; start < len(g.ops); start += per {
		chunk := g.ops[start:min(start+per, len(g.ops))]
		args := make([]any, 0, 2*len(chunk))
		buf := []byte("DELETE FROM " + table + " WHERE (" + a + ", " + bcol + ") IN (")
		for i, op := range chunk {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = append(buf, '(')
			buf = d.AppendPlaceholder(buf, 2*i+1)
			buf = append(buf, ", "...)
			buf = d.AppendPlaceholder(buf, 2*i+2)
			buf = append(buf, ')')
			f := op.fields()
			args = append(args, f[0].Value(op.ends[0].ptr), f[1].Value(op.ends[1].ptr))
		}
		buf = append(buf, ')')
		if _, err := execStmt(u.ctx, u.ex, string(buf), args); err != nil {
			return &StatementError{Op: "link delete", Type: g.sec.Name, SQL: string(buf), Err: err}
		}
	}
	return nil
}
