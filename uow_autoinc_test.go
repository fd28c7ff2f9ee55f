package relm_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/dialect/mysql"
	"github.com/relmorm/relm/internal/testdb"
)

// Without RETURNING (MySQL proper, MariaDB before 10.5), generated keys come
// from the last insert id; with auto_increment_increment = 3, as on a
// three-node Galera cluster, the keys of one multi-row INSERT step by 3 and
// each object must get its own row's key.
func TestUOWLastInsertIDStep(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.NewDatabase(t, "mysql") + "?auto_increment_increment=3"
	_, driverDSN, err := relm.ParseDSN(dsn)
	must(t, err)
	sqldb, err := sql.Open("mysql", driverDSN)
	must(t, err)
	t.Cleanup(func() { sqldb.Close() })
	d := mysql.New() // not detected: no RETURNING, the last-insert-id path
	if d.Returning() {
		t.Fatal("an undetected mysql dialect should not use RETURNING")
	}
	db := relm.New(sqldb, d)
	s := blogSession(t, db, nil)
	var users []*blog.User
	for i := range 5 {
		users = append(users, &blog.User{Username: fmt.Sprint("u", i), Password: "p", Email: "e"})
	}
	must(t, s.AddAll(users))
	must(t, s.Commit(ctx))
	for _, u := range users {
		var name string
		if err := sqldb.QueryRowContext(ctx, "SELECT username FROM users WHERE id = ?", u.ID).Scan(&name); err != nil || name != u.Username {
			t.Fatalf("object %s got key %d, whose row is %q (%v)", u.Username, u.ID, name, err)
		}
	}
	if users[1].ID-users[0].ID != 3 {
		t.Fatalf("keys %d, %d: want a step of 3", users[0].ID, users[1].ID)
	}
}
