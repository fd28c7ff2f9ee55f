package relm_test

import (
	"context"
	"strings"
	"testing"

	"github.com/relmorm/relm"
)

// A HardDelete whose COMMIT fails (the connection cut after the DELETE)
// is still a HardDelete when the same session commits again: the row is
// deleted, not soft-deleted.
func TestSoftDeleteHardDeleteCommitRetried(t *testing.T) {
	eachServer(t, func(t *testing.T, name string) {
		ctx := context.Background()
		hook := &hookHandler{}
		direct, db, p := proxied(t, name, hook)
		reg := sdRegistry(t)
		relMust(t, reg.CreateAll(ctx, direct))
		s := relm.NewSession(db, reg)
		defer s.Close()
		tag := &SDTag{Name: "gone"}
		relMust(t, s.Add(tag))
		relMust(t, s.Commit(ctx))

		relMust(t, s.HardDelete(tag))
		relMust(t, s.Add(&SDTag{Name: "new"})) // two statements: BEGIN, INSERT, DELETE, COMMIT
		hook.set(func(stmt string) {
			if strings.HasPrefix(stmt, "DELETE FROM "+q(db, "sd_tags")) { // its last statement
				p.CutAll()
				p.Refuse(true)
			}
		})
		err := s.Commit(ctx)
		hook.set(nil)
		if err == nil {
			t.Fatal("the commit succeeded through a cut connection")
		}
		p.Heal()
		count := func(where string) int {
			var n int
			relMust(t, direct.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM sd_tags WHERE "+where).Scan(&n))
			return n
		}
		if n := count("1 = 1"); n != 1 {
			t.Fatalf("after the failed commit: %d rows, want 1", n)
		}
		relMust(t, s.Commit(ctx))
		if n, soft := count("name = 'gone'"), count("deleted_at IS NOT NULL"); n != 0 {
			t.Errorf("the retried HardDelete left %d rows (%d soft-deleted), want none", n, soft)
		}
	})
}
