package relm

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/dialect/mysql"
	"github.com/relmorm/relm/schema"
)

// A DB opened on a DSN with several hosts holds one connection pool per
// node and routes each statement by this rule (see also the documentation
// of [DB]):
//
//   - A transaction — BeginTx, and so every Session flush and commit and
//     everything a session reads once its transaction is open — runs on the
//     primary: the first node of the DSN that answers. When beginning a
//     transaction finds the primary unreachable (or a Galera node not ready
//     to serve), the next node of the DSN becomes the primary for this and
//     every later transaction; relm logs the switch as a warning.
//   - A statement outside a transaction that starts with SELECT is a read:
//     reads go round-robin to the nodes other than the primary, and to the
//     next one when a node does not answer or aborts the read (the primary
//     is the last resort).
//   - Every other statement outside a transaction (ExecContext, and
//     QueryContext of INSERT … RETURNING) runs on the primary.
//
// On MariaDB Galera (wsrep_on=ON) every connection sets wsrep_sync_wait=1
// unless the DSN sets wsrep_sync_wait itself: a read, and the snapshot of
// every transaction, on any node then waits until that node has applied
// every transaction the cluster committed before it began, so what a commit
// wrote is seen by the next read wherever it goes. wsrep_sync_wait=0 in the
// DSN trades that for speed.
//
// On a postgres:// DSN (a PostgreSQL primary and its hot standbys) the
// primary is the node not in recovery rather than the next one in DSN
// order, and reads wait for a standby to replay the DB's last commit: see
// replicas.go.
type cluster struct {
	nodes   []*node
	primary atomic.Int32  // index in nodes of the node transactions go to
	next    atomic.Uint32 // round-robin counter of reads
	galera  bool          // wsrep_on=ON on the primary when opened
	warned  sync.Map      // table name → true once VetSchema warned about it
	// pg is set on a PostgreSQL primary and its streaming standbys
	// (replicas.go): the primary is the node not in recovery, and reads
	// wait for a standby to replay the DB's last commit (rw).
	pg bool
	rw readYourWrites
}

// node is one host of a cluster.
type node struct {
	addr string // host:port, for messages
	sql  *sql.DB
	down atomic.Int64 // UnixNano until which reads skip the node
	// replayed is the highest WAL position a PostgreSQL standby was seen
	// to have replayed (replicas.go).
	replayed atomic.Uint64
}

// nodeRest is how long reads avoid a node that did not answer.
const nodeRest = time.Second

func (n *node) markDown() { n.down.Store(time.Now().Add(nodeRest).UnixNano()) }
func (n *node) isDown() bool {
	return n.down.Load() > time.Now().UnixNano()
}

// commitError says what a COMMIT that failed for want of the node means.
func (n *node) commitError(err error) error {
	switch {
	case errors.Is(err, driver.ErrBadConn):
		// database/sql's contract: the statement was not sent.
		return fmt.Errorf("node %s unreachable: COMMIT was not sent and nothing was committed: %w", n.addr, err)
	case nodeUnavailable(err):
		return fmt.Errorf("connection to node %s lost during COMMIT: COMMIT was sent, and the transaction may or may not have been committed: %w", n.addr, err)
	}
	return err
}

// ParseClusterDSN returns the dialect a relm DSN names and one driver DSN
// per host: a mysql:// or postgres:// DSN may list several hosts separated
// by commas,
//
//	mysql://root@10.0.0.1:3306,10.0.0.2:3306,10.0.0.3:3306/app?wsrep_sync_wait=1
//	postgres://app@10.0.0.1:5432,10.0.0.2:5432,10.0.0.3:5432/app?sslmode=disable
//
// which share the user, database and parameters (the primary first, as
// libpq's convention reads; relm finds the primary itself, so a
// target_session_attrs parameter is dropped from the hosts' DSNs). Any
// other DSN gives one driver DSN, as ParseDSN does. It does not connect.
func ParseClusterDSN(dsn string) (dialect.Dialect, []string, error) {
	d, first, err := ParseDSN(dsn)
	if err != nil {
		return nil, nil, err
	}
	hosts := clusterHosts(d, dsn)
	if len(hosts) == 1 {
		return d, []string{first}, nil
	}
	out := []string{first}
	seen := map[string]bool{hostOf(hosts[0]): true}
	for _, h := range hosts[1:] {
		_, drv, err := ParseDSN(h)
		if err != nil {
			return nil, nil, err // it names the host's DSN
		}
		if seen[hostOf(h)] {
			return nil, nil, fmt.Errorf("relm: DSN %q lists host %s twice", redact(dsn), hostOf(h))
		}
		seen[hostOf(h)] = true
		out = append(out, drv)
	}
	return d, out, nil
}

// splitHosts splits scheme://userinfo@h1,h2,h3/path?query into one DSN per
// host. A DSN with one host (or no authority) is returned alone.
func splitHosts(dsn string) []string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return []string{dsn}
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	userinfo, hostlist := "", authority
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		userinfo, hostlist = authority[:at+1], authority[at+1:]
	}
	if !strings.Contains(hostlist, ",") {
		return []string{dsn}
	}
	var out []string
	for h := range strings.SplitSeq(hostlist, ",") {
		out = append(out, scheme+"://"+userinfo+h+tail)
	}
	return out
}

// multiHost reports whether relm routes a DSN of d with several hosts over
// one pool per host (cluster.go).
func multiHost(d dialect.Dialect) bool { return d.Name() == "mysql" || d.Name() == "postgres" }

// clusterHosts returns one relm DSN per host of dsn, whose dialect is d:
// several for a multi-host DSN of a dialect relm routes (without
// target_session_attrs on PostgreSQL: each pool connects to its own host,
// whatever its role), else dsn alone.
func clusterHosts(d dialect.Dialect, dsn string) []string {
	hosts := splitHosts(dsn)
	if len(hosts) == 1 || !multiHost(d) {
		return []string{dsn}
	}
	if d.Name() == "postgres" {
		for i, h := range hosts {
			hosts[i] = withoutParam(h, "target_session_attrs")
		}
	}
	return hosts
}

// withoutParam removes every k=… from a URL's query.
func withoutParam(dsn, k string) string {
	base, frag, hasFrag := strings.Cut(dsn, "#")
	head, query, ok := strings.Cut(base, "?")
	if !ok {
		return dsn
	}
	var kept []string
	for kv := range strings.SplitSeq(query, "&") {
		if name, _, _ := strings.Cut(kv, "="); name != k {
			kept = append(kept, kv)
		}
	}
	out := head
	if len(kept) > 0 {
		out += "?" + strings.Join(kept, "&")
	}
	if hasFrag {
		out += "#" + frag
	}
	return out
}

// hostOf returns the host:port of a one-host URL, for messages.
func hostOf(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Host != "" {
		return u.Host
	}
	return "?"
}

// openCluster opens one pool per host (hosts are one-host relm DSNs) and
// chooses the primary; at least one node must answer.
func openCluster(ctx context.Context, d dialect.Dialect, dsn string, hosts []string, opts []Option) (*DB, error) {
	if _, _, err := ParseClusterDSN(dsn); err != nil {
		return nil, err
	}
	c, err := dialCluster(ctx, d, dsn, hosts)
	if err != nil {
		return nil, err
	}
	if d.Name() == "postgres" {
		return openReplicas(ctx, c, d, dsn, opts)
	}
	c.galera = wsrepOn(ctx, c.primaryNode().sql)
	if q, _ := url.ParseQuery(rawQuery(dsn)); c.galera && !q.Has("wsrep_sync_wait") {
		// Causal reads on every node, unless the DSN chose otherwise.
		c.close(true)
		for i, h := range hosts {
			hosts[i] = withParam(h, "wsrep_sync_wait=1")
		}
		if c, err = dialCluster(ctx, d, dsn, hosts); err != nil {
			return nil, err
		}
		c.galera = true
	}
	if m, ok := d.(*mysql.Dialect); ok {
		if err := m.Detect(ctx, c.primaryNode().sql); err != nil {
			c.close(true)
			return nil, fmt.Errorf("relm: connect to %s: %w", redact(dsn), err)
		}
	}
	db := New(c.primaryNode().sql, d, opts...)
	db.owned = true
	db.cluster = c
	return db, nil
}

// dialCluster opens and pings every node, in parallel; the first node in
// DSN order that answers is the primary. Nodes that cannot be reached, or
// do not have the database yet (a Galera node still applying the CREATE
// DATABASE), stay in the cluster but are skipped by reads for a while; a
// node that answers with another error fails the Open.
func dialCluster(ctx context.Context, d dialect.Dialect, dsn string, hosts []string) (*cluster, error) {
	c := &cluster{nodes: make([]*node, len(hosts))}
	errs := make([]error, len(hosts))
	for i, h := range hosts {
		_, drv, err := ParseDSN(h)
		if err != nil {
			return nil, err
		}
		db, err := sql.Open(d.DriverName(), drv)
		if err != nil {
			c.close(true)
			return nil, fmt.Errorf("relm: open %s: %w", redact(h), err)
		}
		c.nodes[i] = &node{addr: hostOf(h), sql: db}
	}
	var wg sync.WaitGroup
	for i, n := range c.nodes {
		wg.Go(func() { errs[i] = ping(ctx, n.sql) })
	}
	wg.Wait()
	primary := -1
	var msgs []string
	for i, err := range errs {
		if err != nil && !nodeUnavailable(err) && !lacksDatabase(err) {
			// A node that answers with an error (a wrong password, say)
			// is misconfigured, not down.
			c.close(true)
			return nil, fmt.Errorf("relm: connect to %s: node %s: %w", redact(dsn), c.nodes[i].addr, err)
		}
		if err != nil {
			c.nodes[i].markDown()
			msgs = append(msgs, c.nodes[i].addr+": "+err.Error())
		} else if primary < 0 {
			primary = i
		}
	}
	if primary < 0 {
		c.close(true)
		return nil, fmt.Errorf("relm: connect to %s: no node answers (%s): %w", redact(dsn), strings.Join(msgs, "; "), errors.Join(errs...))
	}
	c.primary.Store(int32(primary))
	return c, nil
}

// ping pings a node. A node without the database is asked again for a
// little while: on Galera a database just created on one node reaches the
// others a moment later, and a connection names its database before
// wsrep_sync_wait can make it wait.
func ping(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(time.Second)
	for {
		err := db.PingContext(ctx)
		if err == nil || !lacksDatabase(err) || ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// wsrepOn reports whether the server is a Galera node with replication on.
// A server without the variable (MySQL) is not.
func wsrepOn(ctx context.Context, q mysql.Queryer) bool {
	var on sql.NullString
	if err := q.QueryRowContext(ctx, "SELECT @@wsrep_on").Scan(&on); err != nil {
		return false
	}
	return on.String == "1" || strings.EqualFold(on.String, "ON")
}

func rawQuery(dsn string) string {
	_, q, _ := strings.Cut(dsn, "?")
	q, _, _ = strings.Cut(q, "#")
	return q
}

// withParam appends k=v to a URL's query.
func withParam(dsn, kv string) string {
	base, frag, _ := strings.Cut(dsn, "#")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	if frag != "" {
		frag = "#" + frag
	}
	return base + sep + kv + frag
}

func (c *cluster) primaryNode() *node { return c.nodes[c.primary.Load()] }

// failover makes the node after from the primary, if from still is; it
// returns the primary.
func (c *cluster) failover(from int32) int32 {
	to := (from + 1) % int32(len(c.nodes))
	if c.primary.CompareAndSwap(from, to) {
		return to
	}
	return c.primary.Load()
}

// demote moves transactions off n when it is the primary, after a
// transaction on it lost its connection or found it not ready.
func (c *cluster) demote(db *DB, n *node) {
	n.markDown()
	if c.pg {
		return // the next BeginTx looks for the node not in recovery
	}
	p := c.primary.Load()
	if c.nodes[p] != n {
		return
	}
	to := c.failover(p)
	db.warn("relm: cluster node unavailable; transactions now go to the next node",
		slog.String("from", n.addr), slog.String("to", c.nodes[to].addr))
}

// begin starts a transaction on the primary, failing over to the next
// nodes in DSN order when it cannot.
func (c *cluster) begin(ctx context.Context, db *DB, opts *sql.TxOptions) (*Tx, error) {
	if c.pg {
		return c.beginPG(ctx, db, opts)
	}
	p := c.primary.Load()
	var errs []error
	for k := range int32(len(c.nodes)) {
		i := (p + k) % int32(len(c.nodes))
		n := c.nodes[i]
		start := time.Now()
		tx, err := n.sql.BeginTx(ctx, opts)
		logStmt(ctx, db.logger, db.slow, "BEGIN", nil, start, err)
		if err == nil {
			if k > 0 && c.primary.CompareAndSwap(p, i) {
				db.warn("relm: cluster node unavailable; transactions now go to the next node",
					slog.String("from", c.nodes[p].addr), slog.String("to", n.addr), slog.String("error", errs[len(errs)-1].Error()))
			}
			return &Tx{tx: tx, logger: db.logger, slow: db.slow, dialect: db.dialect, node: n, tracer: db.tracer}, nil
		}
		if ctx.Err() != nil || !nodeUnavailable(err) {
			return nil, fmt.Errorf("relm: begin on %s: %w", n.addr, err)
		}
		n.markDown()
		errs = append(errs, fmt.Errorf("%s: %w", n.addr, err))
	}
	return nil, fmt.Errorf("relm: begin: no node of the cluster answers: %w", errors.Join(errs...))
}

// query runs a read on the next reader, or any other statement on the
// primary. A read that finds its node unreachable, not ready, or without
// the database (created on another node a moment ago: a connection names
// its database before wsrep_sync_wait can make it wait), or that the node
// aborted for a conflict with what it was applying, goes to the next.
func (c *cluster) query(ctx context.Context, db *DB, query string, args []any) (*sql.Rows, error) {
	if c.pg && isRead(query) {
		return c.readPG(ctx, db, query, args)
	}
	if !isRead(query) {
		var rows *sql.Rows
		err := c.onPrimary(ctx, db, func(n *node) (err error) {
			rows, err = logQuery(ctx, db.logger, db.slow, n.sql, query, args)
			return err
		})
		return rows, err
	}
	var errs []error
	for _, n := range c.readOrder() {
		rows, err := logQuery(ctx, db.logger, db.slow, n.sql, query, args)
		if err == nil || ctx.Err() != nil {
			return rows, err
		}
		if IsConflict(err) {
			// Galera aborted the read for a replicated write or DDL it
			// was applying (1213): reading again is safe.
			errs = append(errs, fmt.Errorf("%s: %w", n.addr, err))
			continue
		}
		if !nodeUnavailable(err) && !lacksDatabase(err) {
			return rows, err
		}
		n.markDown()
		errs = append(errs, fmt.Errorf("%s: %w", n.addr, err))
	}
	return nil, fmt.Errorf("relm: no node of the cluster could run the read: %w", errors.Join(errs...))
}

// exec runs a statement outside a transaction on the primary.
func (c *cluster) exec(ctx context.Context, db *DB, query string, args []any) (sql.Result, error) {
	var res sql.Result
	err := c.onPrimary(ctx, db, func(n *node) (err error) {
		res, err = logExec(ctx, db.logger, db.slow, n.sql, query, args)
		if err == nil && c.pg {
			c.rw.noteCommit(n) // the statement committed on its own
		}
		return err
	})
	return res, err
}

// onPrimary runs f on the primary, and on the next nodes only when the
// statement surely was not sent (the connection could not be made): a
// statement outside a transaction that was sent may have taken effect.
func (c *cluster) onPrimary(ctx context.Context, db *DB, f func(*node) error) error {
	p := c.primary.Load()
	if c.pg {
		err := f(c.nodes[p])
		if err == nil || ctx.Err() != nil || !notConnected(err) {
			return err
		}
		c.nodes[p].markDown()
		i, ferr := c.switchPrimary(ctx, db, p, err)
		if ferr != nil {
			return ferr
		}
		return f(c.nodes[i])
	}
	var err error
	for k := range int32(len(c.nodes)) {
		i := (p + k) % int32(len(c.nodes))
		n := c.nodes[i]
		if err = f(n); err == nil {
			if k > 0 && c.primary.CompareAndSwap(p, i) {
				db.warn("relm: cluster node unavailable; transactions now go to the next node",
					slog.String("from", c.nodes[p].addr), slog.String("to", n.addr))
			}
			return nil
		}
		if ctx.Err() != nil || !notConnected(err) {
			return err
		}
		n.markDown()
	}
	return err
}

// readOrder returns the nodes a read tries, in order: the readers (every
// node but the primary) from the next in turn, those that recently failed
// last, and the primary at the end.
func (c *cluster) readOrder() []*node {
	p := c.primary.Load()
	n := len(c.nodes)
	order := make([]*node, 0, n)
	var resting []*node
	if n > 1 {
		start := int(c.next.Add(1)-1) % (n - 1)
		for k := range n - 1 {
			i := (int(p) + 1 + (start+k)%(n-1)) % n
			if c.nodes[i].isDown() {
				resting = append(resting, c.nodes[i])
			} else {
				order = append(order, c.nodes[i])
			}
		}
	}
	order = append(order, c.nodes[p])
	return append(order, resting...)
}

func (c *cluster) close(owned bool) error {
	if !owned {
		return nil
	}
	var errs []error
	for _, n := range c.nodes {
		if n != nil {
			errs = append(errs, n.sql.Close())
		}
	}
	return errors.Join(errs...)
}

// isRead reports whether a statement starts with SELECT.
func isRead(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	return len(q) > 6 && strings.EqualFold(q[:6], "SELECT") && !isIdentByte(q[6])
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// warn logs a warning through the DB's logger, or slog's default logger
// when the DB has none: unlike statements, warnings are not opt-in.
func (db *DB) warn(msg string, attrs ...slog.Attr) {
	l := db.logger
	if l == nil {
		l = slog.Default()
	}
	l.LogAttrs(context.Background(), slog.LevelWarn, msg, attrs...)
}

// VetSchema checks md, before CreateAll creates its tables, for what this
// database needs beyond SQL. mapping.Registry.CreateAll calls it.
//
// On MariaDB Galera (a node with wsrep_on=ON, opened with one host or
// several) every table should have a primary key: Galera replicates a
// table without one, but applies each UPDATE and DELETE of its rows on the
// other nodes by scanning the table, and cannot tell apart rows that are
// exact duplicates. relm still works on such a table — the tutorial's
// article_tag link table has none, and its link rows are inserted and
// deleted on a cluster like any other — but VetSchema logs a warning for
// each (once per table on a DB opened with several hosts), through the
// DB's logger (or slog's default logger), naming what to add: for a link table, a composite primary key of its two foreign-key
// columns. When the cluster refuses such tables
// (wsrep_mode=REQUIRED_PRIMARY_KEY) VetSchema returns an error naming them
// before any table is created. Elsewhere it does nothing.
func (db *DB) VetSchema(ctx context.Context, md *schema.MetaData) error {
	if db.dialect.Name() != "mysql" {
		return nil
	}
	var noPK []*schema.Table
	for _, t := range md.Tables() {
		if len(t.PrimaryKey()) == 0 {
			noPK = append(noPK, t)
		}
	}
	if len(noPK) == 0 {
		return nil
	}
	pool := db.SQL()
	if db.cluster != nil {
		if !db.cluster.galera {
			return nil
		}
	} else if !wsrepOn(ctx, pool) {
		return nil
	}
	var mode sql.NullString
	_ = pool.QueryRowContext(ctx, "SELECT @@wsrep_mode").Scan(&mode)
	required := strings.Contains(strings.ToUpper(mode.String), "REQUIRED_PRIMARY_KEY")
	var names []string
	for _, t := range noPK {
		names = append(names, t.Name)
		if db.cluster != nil {
			if _, done := db.cluster.warned.LoadOrStore(t.Name, true); done && !required {
				continue // once per DB and table
			}
		}
		if !required {
			db.warn("relm: table "+t.Name+" has no primary key; on a Galera cluster "+addPKAdvice(t),
				slog.String("table", t.Name))
		}
	}
	if required {
		return fmt.Errorf("relm: the cluster requires a primary key on every table (wsrep_mode=%s), and %s %s none: %s",
			mode.String, strings.Join(names, ", "), plural(len(names), "has", "have"), addPKAdvice(noPK[0]))
	}
	return nil
}

// addPKAdvice says why a table needs a primary key on Galera and what to
// declare.
func addPKAdvice(t *schema.Table) string {
	why := "every UPDATE or DELETE of its rows is applied on the other nodes by a full scan, and identical rows cannot be told apart; "
	var fks []string
	for _, c := range t.Columns {
		if c.References != "" {
			fks = append(fks, c.Name)
		}
	}
	if len(fks) == 2 && len(t.Columns) == 2 {
		return why + fmt.Sprintf("declare (%s, %s) its primary key: PrimaryKey: true on both schema.Columns", fks[0], fks[1])
	}
	return why + "declare a primary key (PrimaryKey: true on its schema.Column, or a pk tag)"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
