package relm_test

import (
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
)

// With interpolateParams=true the MySQL driver escapes arguments into the
// statement text, which can take up to twice their bytes; the bulk path's
// batches must still fit max_allowed_packet (this failed with "Got a packet
// bigger than 'max_allowed_packet'" before the bound allowed for it).
func TestUOWPacketBoundInterpolated(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 18 MB")
	}
	db, err := relm.Open(ctx, testdb.NewDatabase(t, "mysql")+"?interpolateParams=true")
	must(t, err)
	t.Cleanup(func() { db.Close() })
	s := blogSession(t, db, nil)
	g := tutorialGraph(3, 2, 1, 2, 300)
	// Quotes and backslashes are what escaping doubles.
	big := strings.Repeat(`"\`, 30000)
	for _, a := range g.Articles {
		a.Content = ptr(big)
	}
	must(t, s.AddAll(g.Articles))
	must(t, s.Commit(ctx))
	if got := queryInt(t, db, "SELECT COUNT(*) FROM articles WHERE content = ?", big); got != 300 {
		t.Fatalf("%d articles hold their content, want 300", got)
	}
}
