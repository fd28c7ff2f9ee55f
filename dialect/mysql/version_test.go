package mysql

import "testing"

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		v            string
		mariaDB      bool
		major, minor int
		returning    bool
	}{
		{"10.11.19-MariaDB-0+deb12u1", true, 10, 11, true},
		{"5.5.5-10.6.12-MariaDB", true, 10, 6, true},
		{"10.4.32-MariaDB", true, 10, 4, false},
		{"10.5.0-MariaDB", true, 10, 5, true},
		{"11.4.2-MariaDB-ubu2404", true, 11, 4, true},
		{"8.0.36", false, 8, 0, false},
		{"8.4.0-commercial", false, 8, 4, false},
		{"garbage", false, 0, 0, false},
	} {
		s := parseVersion(tc.v)
		if s.mariaDB != tc.mariaDB || s.major != tc.major || s.minor != tc.minor {
			t.Errorf("parseVersion(%q) = %+v", tc.v, *s)
		}
		d := New()
		d.server.Store(s)
		if d.Returning() != tc.returning {
			t.Errorf("%s: Returning() = %v, want %v", tc.v, d.Returning(), tc.returning)
		}
	}
}
