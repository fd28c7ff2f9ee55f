package relm

import (
	"slices"

	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// linkOp is a link row to insert or delete: the many-to-many r that
// reported it, and its two ends in the order of the link table's columns.
// It is kept small (32 bytes): a seed makes one per link row.
type linkOp struct {
	r    *mapping.Relationship
	ends [2]*state
	add  bool
	flip bool // ends are r's remote end, then its local end
	dead bool // cancelled: added on one side, removed on the other
}

// sec returns the link table.
func (op *linkOp) sec() *schema.Table { return op.r.Secondary }

// cols returns the link table's columns of the two ends, in table order.
func (op *linkOp) cols() [2]*schema.Column {
	if op.flip {
		return [2]*schema.Column{op.r.SecondaryRemote[0], op.r.SecondaryLocal[0]}
	}
	return [2]*schema.Column{op.r.SecondaryLocal[0], op.r.SecondaryRemote[0]}
}

// fields returns the fields of the two ends that the columns take.
func (op *linkOp) fields() [2]*mapping.Field {
	if op.flip {
		return [2]*mapping.Field{op.r.RemoteFields[0], op.r.LocalFields[0]}
	}
	return [2]*mapping.Field{op.r.LocalFields[0], op.r.RemoteFields[0]}
}

// composite reports whether op's link table references a composite key
// on either side (see writeCompositeLinks).
func (op *linkOp) composite() bool {
	return len(op.r.SecondaryLocal) > 1 || len(op.r.SecondaryRemote) > 1
}

type linkKey struct {
	sec  *schema.Table
	a, b *state
}

func (u *unitOfWork) diffManyToMany(st *state, r *mapping.Relationship) error {
	added, removed := diffSlices(r.GetSlice(st.ptr), st.coll(r), st.isLoaded(r))
	if len(added) > 0 || len(removed) > 0 {
		u.markTouched(st)
	}
	rr := r.Reverse
	if rr != nil && !rr.HasField {
		rr = nil
	}
	for _, c := range added {
		cs, err := u.stateOf(r.Target, c)
		if err != nil {
			return err
		}
		u.link(r, st, cs, true)
		if rr != nil {
			u.memAdd(cs, rr, st.ptr)
		}
	}
	for _, c := range removed {
		cs := u.tracked(c)
		if cs == nil {
			continue
		}
		u.link(r, st, cs, false)
		if rr != nil {
			u.memRemove(cs, rr, st.ptr)
		}
	}
	return nil
}

// link records a link row to insert or delete. A pair that both sides
// report (each side's collection changed) is merged by dedupeLinks once
// the diff is done.
func (u *unitOfWork) link(r *mapping.Relationship, local, remote *state, add bool) {
	op := linkOp{r: r, add: add, ends: [2]*state{local, remote}}
	side := uint8(linkFromFirst)
	if columnIndex(r.Secondary, r.SecondaryLocal[0]) > columnIndex(r.Secondary, r.SecondaryRemote[0]) {
		op.flip = true
		op.ends[0], op.ends[1] = remote, local
		side = linkFromSecond
	}
	if !add {
		side |= linkRemoved
	}
	u.noteLinkSide(r.Secondary, side)
	u.linkOrder = append(u.linkOrder, op)
}

// What a flush's link rows of one link table came from (linkSide.mask).
const (
	linkFromFirst  = 1 << iota // the side whose column comes first
	linkFromSecond             // the other side
	linkRemoved                // a removal
)

// linkSide records, per link table, where its link rows came from: when
// only one side added rows, no pair can be reported twice, and the flush
// needs no set of pairs (350,000 link rows made it the largest map of a
// seed).
type linkSide struct {
	sec  *schema.Table
	mask uint8
}

func (u *unitOfWork) noteLinkSide(sec *schema.Table, side uint8) {
	for i := range u.linkSides {
		if u.linkSides[i].sec == sec {
			u.linkSides[i].mask |= side
			return
		}
	}
	u.linkSides = append(u.linkSides, linkSide{sec, side})
}

// dedupeLinks keeps one link row per pair of the link tables where two
// reports of a pair are possible (both sides changed, or rows were
// removed): a pair added on one side and removed on the other cancels out.
func (u *unitOfWork) dedupeLinks() {
	var check []*schema.Table
	for _, ls := range u.linkSides {
		if ls.mask&(linkFromFirst|linkFromSecond) == linkFromFirst|linkFromSecond || ls.mask&linkRemoved != 0 {
			check = append(check, ls.sec)
		}
	}
	if len(check) == 0 {
		return
	}
	seen := map[linkKey]int{} // index in out
	out := u.linkOrder[:0]
	for _, op := range u.linkOrder {
		if !slices.Contains(check, op.sec()) {
			out = append(out, op)
			continue
		}
		k := linkKey{op.sec(), op.ends[0], op.ends[1]}
		if i, ok := seen[k]; ok {
			if out[i].add != op.add {
				out[i].dead = true // added on one side, removed on the other
			}
			continue
		}
		seen[k] = len(out)
		out = append(out, op)
	}
	clear(u.linkOrder[len(out):])
	u.linkOrder = out
}

func columnIndex(t *schema.Table, c *schema.Column) int {
	for i, col := range t.Columns {
		if col == c {
			return i
		}
	}
	return -1
}
