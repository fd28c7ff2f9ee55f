package relm_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
)

// TestParseClusterDSN: a mysql:// or postgres:// DSN may list several
// hosts, which share the user, database and parameters; other DSNs are one
// host.
func TestParseClusterDSN(t *testing.T) {
	d, drivers, err := relm.ParseClusterDSN("mysql://app:s3cr,t@10.0.0.1:3306,10.0.0.2,[::1]:3307/blog?wsrep_sync_wait=1&timeout=2s")
	if err != nil {
		t.Fatal(err)
	}
	if d.Name() != "mysql" || len(drivers) != 3 {
		t.Fatalf("%s, %d driver DSNs", d.Name(), len(drivers))
	}
	for i, addr := range []string{"tcp(10.0.0.1:3306)", "tcp(10.0.0.2:3306)", "tcp([::1]:3307)"} {
		if !strings.HasPrefix(drivers[i], "app:s3cr,t@"+addr+"/blog?") || !strings.Contains(drivers[i], "wsrep_sync_wait=1") || !strings.Contains(drivers[i], "timeout=2s") {
			t.Errorf("host %d: %s", i+1, drivers[i])
		}
	}
	// ParseDSN takes the first host of several.
	if _, one, err := relm.ParseDSN("mysql://root@h1:3317,h2:3327/test"); err != nil || !strings.Contains(one, "tcp(h1:3317)") {
		t.Errorf("ParseDSN of two hosts = %q, %v", one, err)
	}
	// A postgres:// DSN with several hosts (a primary and its standbys) is
	// one driver DSN per host, without target_session_attrs: relm finds the
	// primary itself.
	_, drivers, err = relm.ParseClusterDSN("postgres://app:pw@h1:5441,h2:5442,h3/blog?target_session_attrs=read-write&sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"postgres://app:pw@h1:5441/blog?sslmode=disable", "postgres://app:pw@h2:5442/blog?sslmode=disable", "postgres://app:pw@h3/blog?sslmode=disable"}
	if strings.Join(drivers, " ") != strings.Join(want, " ") {
		t.Errorf("postgres hosts = %q, want %q", drivers, want)
	}
	if _, one, err := relm.ParseDSN("postgres://postgres@h1:5432,h2:5432/test?sslmode=disable"); err != nil || one != "postgres://postgres@h1:5432/test?sslmode=disable" {
		t.Errorf("ParseDSN of two postgres hosts = %q, %v", one, err)
	}
	if _, _, err := relm.ParseClusterDSN("postgres://u@h1:5432,h1:5432/test"); err == nil || !strings.Contains(err.Error(), "lists host h1:5432 twice") {
		t.Errorf("a postgres host twice: %v", err)
	}
	// One host, and other dialects, are unchanged.
	for _, dsn := range []string{"mysql://root@127.0.0.1:3306/test", "sqlite::memory:", "postgres://postgres@h1:5432/test?sslmode=disable"} {
		_, drivers, err := relm.ParseClusterDSN(dsn)
		_, one, err2 := relm.ParseDSN(dsn)
		if err != nil || err2 != nil || len(drivers) != 1 || drivers[0] != one {
			t.Errorf("%s: %q, %v; ParseDSN %q, %v", dsn, drivers, err, one, err2)
		}
	}
	for dsn, want := range map[string]string{
		"mysql://root@h1,,h2/test":          "names no host",
		"mysql://root@h1:3306,h1:3306/test": "lists host h1:3306 twice",
		"mysql://root@h1,h2:99999/test":     `"mysql://root@h2:99999/test": mysql URL port "99999" is not a port number`,
		"mysql://u:pw@h1,h2:x/test":         `"mysql://u:xxxxx@h2:x/test"`,
	} {
		_, _, err := relm.ParseClusterDSN(dsn)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %q", dsn, err, want)
		}
		if err != nil && strings.Contains(err.Error(), ":pw@") {
			t.Errorf("%s: the error repeats the password: %v", dsn, err)
		}
	}
}

// clProxy forwards TCP connections to a server until it is closed, which
// cuts every connection through it: a node going down.
type clProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	ports  map[string]bool // local addresses of the connections to the server
}

func newCLProxy(t *testing.T, target string) *clProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &clProxy{ln: ln, target: target, ports: map[string]bool{}}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.ports[s.LocalAddr().String()] = true
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	t.Cleanup(p.close)
	return p
}

func (p *clProxy) addr() string { return p.ln.Addr().String() }

func (p *clProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

// through reports whether the server session with client address host
// came through the proxy.
func (p *clProxy) through(host string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ports[host]
}

// clientHost is the server's view of the connection that runs the query:
// the client's host:port.
const clientHost = "SELECT host FROM information_schema.processlist WHERE id = CONNECTION_ID()"

// TestClusterFailover runs the routing rule on the single MariaDB server,
// reached as two "nodes": one through a proxy (the primary), one directly.
// Reads go to the direct node; transactions to the proxy until it goes
// down; then BeginTx moves them to the other node, with a warning, and a
// unit of work whose connection broke is retried there.
func TestClusterFailover(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.NewDatabase(t, "mysql")
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(u.Host, ",") {
		t.Skipf("RELM_TEST_MYSQL names several hosts (%s); this test makes a cluster of one server", u.Host)
	}
	proxy := newCLProxy(t, u.Host)
	clusterDSN := strings.Replace(dsn, "@"+u.Host, "@"+proxy.addr()+","+u.Host, 1)
	log := &rtLog{}
	db, err := relm.Open(ctx, clusterDSN, relm.WithLogger(slog.New(log)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reg := rtRegistry(t)
	if err := reg.CreateAll(ctx, db); err != nil {
		t.Fatal(err)
	}

	for range 3 {
		var host string
		if err := queryRow(db.QueryContext(ctx, clientHost))(&host); err != nil {
			t.Fatal(err)
		}
		if proxy.through(host) {
			t.Fatal("a read outside a transaction went to the primary")
		}
	}
	inTx := func() (string, error) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return "", err
		}
		defer tx.Rollback()
		var host string
		err = queryRow(tx.QueryContext(ctx, clientHost))(&host)
		return host, err
	}
	host, err := inTx()
	if err != nil || !proxy.through(host) {
		t.Fatalf("transaction from %s (%v), want through the primary", host, err)
	}

	// The primary goes down in the middle of a unit of work: Retry runs it
	// again, on the other node.
	ids := rtAddCounters(t, db, reg, "a")
	calls := 0
	err = db.Retry(ctx, reg, 3, func(ctx context.Context, s *relm.Session) error {
		calls++
		if calls == 1 {
			proxy.close()
		}
		c, err := relm.Get[rtCounter](ctx, s, ids[0])
		if err != nil {
			return err
		}
		c.N++
		return nil
	})
	if err != nil || calls != 2 {
		t.Fatalf("Retry across the failover: %v after %d calls", err, calls)
	}
	if n := rtCount(t, db, reg, ids[0]); n != 1 {
		t.Errorf("counter = %d, want 1", n)
	}
	host, err = inTx()
	if err != nil || proxy.through(host) {
		t.Fatalf("after failover, transaction from %s (%v), want the other node", host, err)
	}
	var warned bool
	for _, m := range log.messages() {
		warned = warned || strings.HasPrefix(m, "WARN relm: cluster node unavailable") && strings.Contains(m, "from="+proxy.addr())
	}
	if !warned {
		t.Errorf("no failover warning: %q", log.messages())
	}
	// Reads go on, on the remaining node.
	var one int
	if err := queryRow(db.QueryContext(ctx, "SELECT 1"))(&one); err != nil {
		t.Fatal(err)
	}

	// Open chooses the first node that answers; none answering is an error
	// naming each.
	dead := "127.0.0.1:1"
	db2, err := relm.Open(ctx, strings.Replace(dsn, "@"+u.Host, "@"+dead+","+u.Host, 1))
	if err != nil {
		t.Fatalf("Open with the first node down: %v", err)
	}
	if _, err := db2.ExecContext(ctx, "UPDATE rt_counters SET n = n + 1"); err != nil {
		t.Errorf("write with the first node down: %v", err)
	}
	db2.Close()
	_, err = relm.Open(ctx, strings.Replace(dsn, "@"+u.Host, "@"+dead+",127.0.0.1:2", 1))
	if err == nil || !strings.Contains(err.Error(), "no node answers") || !strings.Contains(err.Error(), "127.0.0.1:2") {
		t.Errorf("Open with every node down: %v", err)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("the error does not wrap the dial error: %v", err)
	}
	// A node that answers with an error is misconfigured, not down.
	bad := strings.Replace(dsn, "@"+u.Host, "@"+dead+","+u.Host, 1)
	bad = strings.Replace(bad, "://"+u.User.String()+"@", "://relm_no_such_user:pw@", 1)
	_, err = relm.Open(ctx, bad)
	if err == nil || !strings.Contains(err.Error(), "node "+u.Host) || !strings.Contains(err.Error(), "1045") || strings.Contains(err.Error(), ":pw@") {
		t.Errorf("Open with a wrong user: %v", err)
	}
}
