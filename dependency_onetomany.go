package relm

import (
	"github.com/relmorm/relm/mapping"
)

// o2oDetach is a one-to-one replaced on a parent whose old child is not
// known (the relationship was never loaded): at flush, rows of the child
// table that still point at the parent, other than the new child, get
// their foreign key set to NULL.
type o2oDetach struct {
	r      *mapping.Relationship // the parent's one-to-one (one-to-many, scalar)
	parent *state
	child  *state
}

func (u *unitOfWork) diffOneToMany(st *state, r *mapping.Relationship) error {
	var added, removed []objPtr
	loaded := st.isLoaded(r)
	rr := r.Reverse
	if rr != nil && !rr.HasField {
		rr = nil
	}
	if r.Uselist {
		added, removed = diffSlices(r.GetSlice(st.ptr), st.coll(r), loaded)
	} else {
		cur := r.Get(st.ptr)
		var prev objPtr
		if st.snap != nil {
			prev = r.Get(st.snap)
		}
		if cur == prev && !(cur != nil && !loaded) {
			return nil
		}
		if cur != nil {
			added = []objPtr{cur}
		}
		if prev != nil && prev != cur {
			removed = []objPtr{prev}
		}
		if cur != prev {
			u.markTouched(st)
			if cur != nil && !loaded && st.status == statusPersistent {
				// The old child may be a row the session never saw.
				cs, err := u.stateOf(r.Target, cur)
				if err != nil {
					return err
				}
				u.detaches = append(u.detaches, o2oDetach{r: r, parent: st, child: cs})
			}
		}
	}
	if len(added) > 0 || len(removed) > 0 {
		u.markTouched(st)
	}
	for _, c := range removed {
		cs := u.tracked(c)
		if cs == nil {
			continue
		}
		if r.Cascade.DeleteOrphan {
			u.orphans = append(u.orphans, cs)
		} else {
			u.addSync(fkSync{child: cs, r: r, priority: 0})
		}
		if rr != nil {
			u.scalarSets = append(u.scalarSets, scalarSet{st: cs, r: rr, only: st.ptr,
				cond: true, key: syncKey{cs, r.RemoteFields[0]}})
		}
	}
	for _, c := range added {
		cs, err := u.stateOf(r.Target, c)
		if err != nil {
			return err
		}
		u.addSync(fkSync{child: cs, r: r, parent: st, priority: 1})
		if rr != nil {
			ss := scalarSet{st: cs, r: rr, target: st.ptr, cond: true, key: syncKey{cs, r.RemoteFields[0]}, parent: st}
			if r.Uselist {
				ss.owner, ss.ownerRel = st, r
			}
			u.scalarSets = append(u.scalarSets, ss)
		}
	}
	return nil
}

// detachOneToOne sets to NULL the foreign key of the rows that still point
// at a parent whose one-to-one was replaced without the old child being
// known: UPDATE child SET fk = NULL WHERE fk IN (parents) AND pk NOT IN
// (new children), one statement per relationship (chunked under the
// parameter limit), and the same in memory.
func (u *unitOfWork) detachOneToOne() error {
	if len(u.detaches) == 0 {
		return nil
	}
	var order []*mapping.Relationship
	groups := map[*mapping.Relationship][]o2oDetach{}
	for _, x := range u.detaches {
		if x.parent.status == statusDeleted || x.child.status == statusDeleted || x.r.Uselist {
			continue
		}
		if _, ok := groups[x.r]; !ok {
			order = append(order, x.r)
		}
		groups[x.r] = append(groups[x.r], x)
	}
	d := u.d
	for _, r := range order {
		g := groups[r]
		t := r.Target
		if len(r.RemoteFields) > 1 || len(t.PrimaryKey) > 1 {
			if err := u.detachOneToOneRows(r, g); err != nil {
				return err
			}
			continue
		}
		fk, pk := r.RemoteFields[0], t.PrimaryKey[0]
		per := max(1, (d.MaxParams()-1)/2)
		set, lead := u.versionBump("UPDATE "+u.s.db.cache(t).table+" SET "+d.Quote(fk.Column.Name)+" = NULL", t.VersionField())
		for start := 0; start < len(g); start += per {
			chunk := g[start:min(start+per, len(g))]
			buf := []byte(set + " WHERE " + d.Quote(fk.Column.Name) + " IN (")
			args := append(make([]any, 0, 2*len(chunk)+1), lead...)
			for i, x := range chunk {
				if i > 0 {
					buf = append(buf, ", "...)
				}
				buf = d.AppendPlaceholder(buf, len(args)+1)
				args = append(args, r.LocalFields[0].Value(x.parent.ptr))
			}
			buf = append(buf, ") AND "+d.Quote(pk.Column.Name)+" NOT IN ("...)
			for i, x := range chunk {
				if i > 0 {
					buf = append(buf, ", "...)
				}
				buf = d.AppendPlaceholder(buf, len(args)+1)
				args = append(args, pk.Value(x.child.ptr))
			}
			buf = append(buf, ')')
			if _, err := execStmt(u.ctx, u.ex, string(buf), args); err != nil {
				return &StatementError{Op: "update", Type: t.Name(), SQL: string(buf), Err: err}
			}
		}
		if err := u.nullDetachedInMemory(r, g); err != nil {
			return err
		}
	}
	return nil
}

// detachOneToOneRows is detachOneToOne's statement for a composite foreign
// key or child key: UPDATE child SET a = NULL, b = NULL WHERE (a, b) IN
// (parents' keys) AND (child key) NOT IN (new children), in row values.
func (u *unitOfWork) detachOneToOneRows(r *mapping.Relationship, g []o2oDetach) error {
	d := u.d
	t := r.Target
	set := "UPDATE " + u.s.db.cache(t).table + " SET "
	for i, f := range r.RemoteFields {
		if i > 0 {
			set += ", "
		}
		set += d.Quote(f.Column.Name) + " = NULL"
	}
	set, lead := u.versionBump(set, t.VersionField())
	set += " WHERE "
	fkCols, pkCols := quotedCols(d, "", r.RemoteFields), quotedCols(d, "", t.PrimaryKey)
	w := len(fkCols) + len(pkCols)
	per := max(1, (d.MaxParams()-len(lead))/w)
	for start := 0; start < len(g); start += per {
		chunk := g[start:min(start+per, len(g))]
		args := append(make([]any, 0, len(lead)+w*len(chunk)), lead...)
		for _, x := range chunk {
			args = keyValues(r.LocalFields, x.parent.ptr, args)
		}
		for _, x := range chunk {
			args = keyValues(t.PrimaryKey, x.child.ptr, args)
		}
		buf := appendRowIn(d, []byte(set), fkCols, len(chunk), len(lead)+1)
		buf = append(buf, " AND NOT "...)
		buf = appendRowIn(d, buf, pkCols, len(chunk), len(lead)+len(fkCols)*len(chunk)+1)
		if _, err := execStmt(u.ctx, u.ex, string(buf), args); err != nil {
			return &StatementError{Op: "update", Type: t.Name(), SQL: string(buf), Err: err}
		}
	}
	return u.nullDetachedInMemory(r, g)
}

// nullDetachedInMemory is nullChildrenInMemory for one-to-one detaches:
// the other children of g's parents, all but g's new children.
func (u *unitOfWork) nullDetachedInMemory(r *mapping.Relationship, g []o2oDetach) error {
	parents := make([]*state, len(g))
	keep := make(map[*state]bool, len(g))
	for i, x := range g {
		parents[i] = x.parent
		keep[x.child] = true
	}
	return u.nullChildrenInMemory(r, parents, keep)
}

// nullChildrenInMemory clears, in the session's objects, the foreign keys
// that the database just set to NULL: those of r's targets that pointed at
// one of parents, except the states in keep; and, for a versioned type,
// moves their versions as the statement did (versionBump).
func (u *unitOfWork) nullChildrenInMemory(r *mapping.Relationship, parents []*state, keep map[*state]bool) error {
	vf := r.Target.VersionField()
	keys := map[any]*state{}
	for _, p := range parents {
		if k, ok := mapping.FieldsKey(r.LocalFields, p.ptr); ok {
			keys[k] = p
		}
	}
	for _, st := range u.s.states {
		if st.m != r.Target || st.status == statusDeleted || keep[st] {
			continue
		}
		k, ok := mapping.FieldsKey(r.RemoteFields, st.ptr)
		if !ok {
			continue
		}
		parent := keys[k]
		if parent == nil {
			continue
		}
		for _, f := range r.RemoteFields {
			_ = u.s.setKey(st, f, nil)
		}
		if vf != nil && (st.status == statusPersistent || u.isInserted(st)) {
			if err := u.bumpVersion(st, vf); err != nil {
				return err
			}
		}
		u.markTouched(st)
		if rr := r.Reverse; rr != nil && rr.HasField && !rr.Uselist {
			u.scalarSets = append(u.scalarSets, scalarSet{st: st, r: rr, only: parent.ptr})
		}
		if r.HasField && !r.Uselist {
			u.scalarSets = append(u.scalarSets, scalarSet{st: parent, r: r, only: st.ptr})
		}
	}
	return nil
}
