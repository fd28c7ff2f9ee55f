package relm_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/relmorm/relm"
)

// Sessions on the three nodes of a Galera cluster race to increment one
// versioned counter, each reading through its own node (wsrep_sync_wait=1)
// and retrying — without DB.Retry — on ErrStaleObject (the version moved on
// between its read and its UPDATE) and on a certification failure (two
// nodes' commits crossed): no increment is lost.
func TestGaleraVersionNoLostUpdate(t *testing.T) {
	g := galeraDatabase(t)
	ctx := context.Background()
	reg := registry(t, &VDoc{})
	galeraMust(t, reg.CreateAll(ctx, galeraOpen(t, g.cluster)))
	s := relm.NewSession(galeraOpen(t, g.nodes[0]), reg)
	d := &VDoc{Title: "counter"}
	galeraMust(t, s.Add(d))
	galeraMust(t, s.Commit(ctx))
	s.Close()

	const workers, each = 6, 8
	var wg sync.WaitGroup
	errs := make([]error, workers)
	var mu sync.Mutex
	stale, conflicts := 0, 0
	for w := range workers {
		db := galeraOpen(t, g.nodes[w%3])
		wg.Go(func() {
			for i, tries := 0, 0; i < each; tries++ {
				if tries > 200 {
					errs[w] = fmt.Errorf("worker %d: no progress after %d tries", w, tries)
					return
				}
				s := relm.NewSession(db, reg)
				x, err := relm.Get[VDoc](ctx, s, d.ID)
				if err == nil {
					x.Counter++
					err = s.Commit(ctx)
				}
				s.Close()
				switch {
				case err == nil:
					i++
				case errors.Is(err, relm.ErrStaleObject):
					mu.Lock()
					stale++
					mu.Unlock()
				case relm.IsConflict(err):
					mu.Lock()
					conflicts++
					mu.Unlock()
				default:
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	galeraMust(t, errors.Join(errs...))
	var counter, version int
	galeraMust(t, galeraOpen(t, g.nodes[2]).SQL().QueryRowContext(ctx, "SELECT counter, version FROM v_docs WHERE id = ?", d.ID).Scan(&counter, &version))
	if counter != workers*each || version != workers*each+1 {
		t.Fatalf("counter %d version %d, want %d and %d: an update was lost", counter, version, workers*each, workers*each+1)
	}
	t.Logf("%d increments; %d stale versions and %d certification conflicts retried", counter, stale, conflicts)
}
