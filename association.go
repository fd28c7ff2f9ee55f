package relm

import (
	"errors"
	"fmt"
	"strings"

	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// ErrLinkTableConflict is returned (wrapped) by a flush that would write one
// link table two ways: as the secondary table of a many-to-many
// relationship (Article.Tags appended to or removed from) and as the table
// of a mapped association object (ArticleTag objects added or deleted,
// through Article.TagLinks, say). The two would insert or delete the same
// rows without knowing of each other — the plain link row has none of the
// association object's other columns — so relm refuses the flush before any
// SQL, naming both. Change one of them per flush; SQLAlchemy's advice is
// the same (make the secondary relationship viewonly).
var ErrLinkTableConflict = errors.New("relm: a link table written both through a many-to-many and as an association object")

// checkLinkWriters refuses a flush whose link rows of a many-to-many go to
// the table of a mapper whose objects the same flush inserts or deletes
// (see ErrLinkTableConflict). Without link rows it costs nothing.
func (u *unitOfWork) checkLinkWriters(all, deleted []*state) error {
	if len(u.linkOrder) == 0 {
		return nil
	}
	var buf [4]*schema.Table
	checked := buf[:0]
	for _, op := range u.linkOrder {
		sec := op.sec()
		if containsTable(checked, sec) {
			continue
		}
		checked = append(checked, sec)
		am := u.s.reg.MapperOfTable(sec)
		if am == nil {
			continue
		}
		for _, st := range all {
			if st.m == am && st.status == statusPending {
				return linkConflict(op.r, am, "adds")
			}
		}
		for _, st := range deleted {
			if st.m == am {
				return linkConflict(op.r, am, "deletes")
			}
		}
	}
	return nil
}

func containsTable(ts []*schema.Table, t *schema.Table) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// linkConflict is the error of a flush that writes r's link table through
// r and as objects of am.
func linkConflict(r *mapping.Relationship, am *mapping.Mapper, what string) error {
	var through []string
	for _, m := range []*mapping.Mapper{r.Parent, r.Target} {
		for _, x := range m.Relationships {
			if x.Target == am && x.Direction == mapping.OneToMany {
				through = append(through, x.String())
			}
		}
	}
	via := ""
	if len(through) > 0 {
		via = " (" + strings.Join(through, ", ") + ")"
	}
	return fmt.Errorf("%w: %s changes the link rows of %q through its secondary table, and this flush also %s %s objects%s, mapped to the same table; change one of them per flush — the association object carries the link's other columns, so write through it and treat %s as read-only",
		ErrLinkTableConflict, r, r.Secondary.Name, what, am.Name(), via, r)
}
