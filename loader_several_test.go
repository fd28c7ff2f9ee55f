package relm_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// A one-object relationship (User.UserInfo, uselist=false) whose parent
// matches several rows keeps the first and logs a warning through the DB's
// logger naming the relationship and the key, whichever way it is loaded
// (issue 36, item 4; SQLAlchemy warns "Multiple rows returned with
// uselist=False").
func TestSeveralRowsForOneObjectWarn(t *testing.T) {
	for _, name := range testdb.Dialects {
		t.Run(name, func(t *testing.T) {
			log := &rtLog{}
			db := testdb.Open(t, name, relm.WithLogger(slog.New(log)))
			reg, err := blog.NewRegistry()
			must(t, err)
			s := newSession(t, db, nil, reg)
			u, v := &blog.User{Username: "ada"}, &blog.User{Username: "bob"}
			must(t, s.AddAll(u, v, &blog.UserInfo{User: v}))
			must(t, s.Commit(ctx))
			// Two rows for ada, outside the unit of work; through the DB, so
			// that on a primary with standbys the reads below wait for them.
			for range 2 {
				if _, err := db.ExecContext(ctx, rebind(db, "INSERT INTO userinfos (user_id) VALUES (?)"), u.ID); err != nil {
					t.Fatal(err)
				}
			}
			want := fmt.Sprintf("User.UserInfo holds one object, but 2 rows match userinfos.user_id = %d; kept the first", u.ID)
			loads := map[string]func(s *relm.Session) (*blog.User, error){
				"SelectIn": func(s *relm.Session) (*blog.User, error) {
					return relm.Select[blog.User](s).Where(relm.Eq("ID", u.ID)).SelectIn("UserInfo").One(ctx)
				},
				"Joined": func(s *relm.Session) (*blog.User, error) {
					return relm.Select[blog.User](s).Where(relm.Eq("ID", u.ID)).Joined("UserInfo").One(ctx)
				},
				"Load": func(s *relm.Session) (*blog.User, error) {
					got, err := relm.Get[blog.User](ctx, s, u.ID)
					if err != nil {
						return nil, err
					}
					return got, relm.Load(ctx, s, got, "UserInfo")
				},
			}
			for _, how := range []string{"SelectIn", "Joined", "Load"} {
				log.reset()
				s2 := relm.NewSession(db, reg)
				got, err := loads[how](s2)
				must(t, err)
				if got.UserInfo == nil || got.UserInfo.User != got {
					t.Errorf("%s: UserInfo = %v, want one of the two rows, pointing back", how, got.UserInfo)
				}
				var warned []string
				for _, m := range log.messages() {
					if strings.Contains(m, "holds one object") {
						warned = append(warned, m)
					}
				}
				if len(warned) != 1 || !strings.HasPrefix(warned[0], "WARN relm: "+want) {
					t.Errorf("%s logged %q, want one warning %q", how, warned, want)
				}
				// bob has one row: loading both users warns about ada only.
				log.reset()
				s3 := relm.NewSession(db, reg)
				_, err = relm.Select[blog.User](s3).SelectIn("UserInfo").All(ctx)
				must(t, err)
				if n := len(log.messages()); n != 1 {
					t.Errorf("loading both users logged %q, want the one warning about ada", log.messages())
				}
				s2.Close()
				s3.Close()
			}
		})
	}
}

func (l *rtLog) reset() {
	l.mu.Lock()
	l.records, l.stmts = nil, nil
	l.mu.Unlock()
}
