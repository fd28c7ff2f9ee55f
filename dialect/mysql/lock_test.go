package mysql

import (
	"strings"
	"testing"

	"github.com/relmorm/relm/dialect"
)

// The locking clause follows the server Detect read: MariaDB spells a
// shared lock LOCK IN SHARE MODE and gained NOWAIT in 10.3, SKIP LOCKED in
// 10.6; MySQL 8.0 has FOR SHARE and both.
func TestAppendLockByVersion(t *testing.T) {
	share := dialect.Lock{Share: true}
	upd := dialect.Lock{}
	skip := dialect.Lock{Wait: dialect.LockWaitSkipLocked}
	nowait := dialect.Lock{Share: true, Wait: dialect.LockWaitNoWait}
	for _, tc := range []struct {
		version string
		l       dialect.Lock
		want    string // "" with err
		err     string
	}{
		{"10.11.19-MariaDB-0+deb12u1", upd, " FOR UPDATE", ""},
		{"10.11.19-MariaDB-0+deb12u1", share, " LOCK IN SHARE MODE", ""},
		{"10.11.19-MariaDB-0+deb12u1", skip, " FOR UPDATE SKIP LOCKED", ""},
		{"10.11.19-MariaDB-0+deb12u1", nowait, " LOCK IN SHARE MODE NOWAIT", ""},
		{"10.6.12-MariaDB", skip, " FOR UPDATE SKIP LOCKED", ""},
		{"10.5.9-MariaDB", skip, "", "SKIP LOCKED needs MariaDB 10.6 or MySQL 8.0; the server is MariaDB 10.5.9-MariaDB"},
		{"10.5.9-MariaDB", nowait, " LOCK IN SHARE MODE NOWAIT", ""},
		{"10.2.44-MariaDB", nowait, "", "NOWAIT needs MariaDB 10.3"},
		{"8.0.36", share, " FOR SHARE", ""},
		{"8.0.36", skip, " FOR UPDATE SKIP LOCKED", ""},
		{"5.7.44", share, " LOCK IN SHARE MODE", ""},
		{"5.7.44", skip, "", "the server is MySQL 5.7.44"},
		{"", skip, "", "not detected"},
		{"", upd, " FOR UPDATE", ""},
		{"8.0.36", dialect.Lock{Of: "t0"}, " FOR UPDATE", ""}, // no OF on MySQL
	} {
		d := New()
		if tc.version != "" {
			d.server.Store(parseVersion(tc.version))
		}
		got, err := d.AppendLock(nil, tc.l)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s %+v: err %v, want one mentioning %q", tc.version, tc.l, err, tc.err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%s %+v: %q, %v; want %q", tc.version, tc.l, got, err, tc.want)
		}
	}
}
