// Package relm is an ORM that gives Go what SQLAlchemy's Session and
// relationship() give Python: structs declared once with their
// relationships, and a session that saves a whole object graph in one
// commit, in a number of statements that does not grow with the graph, on
// SQLite, PostgreSQL and MySQL/MariaDB.
//
// # Open a database
//
// [Open] takes a URL-style DSN and returns a [DB], a *sql.DB with the
// dialect that speaks to it. Every statement relm issues goes through it and
// can be logged with [WithLogger] (the equivalent of echo=True):
//
//	db, err := relm.Open(ctx, "sqlite:blog.db") // or postgres://…, mysql://…
//
// A program that opens its own *sql.DB wraps it with [New].
//
// # Declare the models
//
// Models are structs registered in a [github.com/relmorm/relm/mapping.Registry]; struct tags (or
// their programmatic form) declare columns, keys and relationships, and
// Configure infers each relationship's direction and join from the foreign
// keys. CreateAll creates the tables, parents first, in one transaction on
// PostgreSQL and SQLite (all of them or none; MySQL and MariaDB commit each
// CREATE); a table that already exists is checked against its model
// first, and one that lacks a column or disagrees on a type or on NULL
// stops CreateAll before it creates anything. Package mapping documents
// the tags.
//
//	reg := mapping.NewRegistry()
//	err = reg.Register(&User{}, &Article{}, &Tag{})
//	err = reg.CreateAll(ctx, db)
//
// # Work in a session
//
// A [Session] is a unit of work over a DB, one per request, job or
// goroutine. [Session.Add] and [Session.AddAll] put new objects in it (and,
// by the save-update cascade, every object they reach through their
// relationships); objects loaded through it — [Get], [Select], [Raw] — are
// tracked too. Within a session one row is one object: [Get] answers from
// the identity map without SQL when it holds the row. [Session.Delete]
// marks an object for deletion. [Session.Commit] flushes every change and
// commits; [Session.Flush] writes without committing; [Session.Rollback]
// undoes the transaction and returns the objects to the state they had when
// it began (rows inserted in it lose their generated keys and are pending
// again). A failed statement is a [*StatementError] naming the object, the
// table and the SQL, wrapping the driver's error; the whole transaction is
// rolled back and the session stays usable.
//
//	s := relm.NewSession(db, reg)
//	defer s.Close()
//	s.Add(&Article{Title: "Hello", Author: ada, Tags: []*Tag{golang}})
//	err = s.Commit(ctx)
//
// # What happens at flush
//
// A flush (the first step of every Commit) is planned from the mapped
// dependencies, as SQLAlchemy's unit of work does:
//
//  1. Cascade: objects reachable through relationships with the
//     save-update cascade (the default) join the session, each once.
//  2. Diff: every object is compared with the snapshot the session took
//     when it loaded or last flushed it. A changed column becomes an UPDATE
//     of the changed columns only; a changed reference or collection
//     becomes a foreign-key change, a link row to insert or delete, or an
//     orphan to delete (cascade delete-orphan).
//  3. Deletes follow the delete cascade (loading the children the session
//     does not hold); without it, children of a deleted row get their
//     foreign key set to NULL, and its link rows are deleted.
//  4. Statements, parents first: the rows of each table in one INSERT
//     (self-referential rows in waves, parents first; rows of a cycle
//     between tables inserted with NULL and given their key by a following
//     UPDATE, the post-update), foreign keys filled from the parents'
//     generated keys, which are read back with RETURNING (on SQLite from
//     the statement's last-insert-id: its rows get consecutive rowids
//     ending there, and an Exec costs less than a query; on MariaDB, for a
//     one-row INSERT, likewise); then UPDATEs;
//     then link rows; then DELETEs, children first.
//  5. In memory: the other side of every bidirectional relationship is
//     brought into step (below), and snapshots are taken.
//
// The rows of one table go in one statement: a multi-row INSERT … VALUES
// when they fit under the dialect's parameter limit, otherwise one
// INSERT … SELECT that binds them all at once (arrays on PostgreSQL, a JSON
// document on SQLite and MariaDB) — or, on SQLite, for two rows or more
// unless a column holds floats, one VALUES list of literals (strings
// quoted, blobs as X'…'; a string holding a NUL byte, a string or blob
// longer than 256 bytes, and a time unless the rows are more than bound
// statements carry, is bound — a literal time is the driver's text under
// relm's DSN setting _time_format=sqlite, so over a *sql.DB relm did not
// open (relm.New) times are always bound, and a JSON document carries
// none), which SQLite parses faster
// than it binds short values or reads JSON (the generated keys of every
// SQLite INSERT … VALUES, bound or literal, come from the last-insert-id
// rather than RETURNING: SQLite gives a multi-row INSERT's rows
// consecutive rowids; a trigger inserting into the same table while the
// INSERT runs would break that), and on MySQL/MariaDB
// with interpolateParams=true (no placeholder reaches the server, so its
// limit does not apply), VALUES bounded by the packet alone, two rows or
// more written as literals by relm rather than by the driver (a string
// holding a backslash or NUL, and a time, left to the driver, which
// escapes them for the connection's sql_mode and time zone). Only a statement
// that reads generated keys back orders its rows; link rows are not
// sorted. The tutorial's commit — users, categories, tags, articles and
// their link rows — is seven statements (BEGIN, five INSERTs, COMMIT) for
// 100 articles as for 10,000. A table's rows are also bounded in bytes —
// on MySQL/MariaDB by max_allowed_packet (16 MB by default), on PostgreSQL
// by 8 MB of arrays per bulk statement (postgres.Dialect.BulkBytes: one
// statement of 60 MB took half as long again as the same rows in 8 MB
// statements), on SQLite by 8 MB of literal text and 131,072 values (a
// larger statement compiles to a program SQLite grows in fresh memory:
// the 700,000 values of 350,000 link rows took a sixth longer as one
// statement) — so the count stays constant while each table's rows fit in
// one such statement, and grows by one statement per bound beyond: it
// follows the size of what is written, never the number of objects.
//
// A change made in place is a change like an assignment: *a.Content = s
// through a pointer field, a []byte's bytes, a key set in a map or an
// element of a slice behind a column type with its own driver.Valuer (a
// JSON column). The snapshot keeps copies of what such fields hold — the
// value a pointer points to (a string's bytes are shared, since Go never
// changes them), a []byte's bytes, and for a Valuer type built on a map,
// a slice or a pointer the value its Value and Scan methods round-trip —
// so that the diff compares contents, not addresses. The copies cost
// memory in proportion to those fields' values (a []byte column's bytes
// are held twice while the object is in the session); a string field costs
// no copy.
//
// # How relm keeps both sides in step
//
// In SQLAlchemy, setting article.author = user appends the article to
// user.articles at once: relationship attributes are instrumented, and an
// attribute event on one side updates the other side in memory as the
// assignment happens (the backref events), before any flush.
//
// Go has no attribute instrumentation: a struct field is plain memory, and
// an assignment runs no code. relm does not ask models to use setters or
// generated accessors to get it. Instead it brings both sides into step at
// flush, from the same diff that decides the SQL:
//
//   - article.Author = u (many-to-one) puts the article in u.Articles and
//     takes it out of the previous author's Articles — for each side whose
//     collection the session knows (a new object, or one whose collection
//     was loaded or flushed), since relm never loads a collection just to
//     add to it;
//   - appending an article to u.Articles sets article.Author = u, and takes
//     it out of the previous author's Articles; removing it sets
//     article.Author to nil;
//   - a tag appended to article.Tags puts the article in tag.Articles, and
//     a removal removes it;
//   - a one-to-one (User.UserInfo) replaced on either side detaches the old
//     object: its reference is cleared and its foreign key set to NULL,
//     in the database and in memory.
//
// When the two sides disagree within one flush — article.Author = u while
// the article was appended to v.Articles — the object that holds the
// foreign key wins (the article's own Author), in the database and in
// memory. Between flushes, therefore, the two sides may differ: code that
// reads the other side before flushing sees what it assigned, not its
// consequence. [Session.Flush] brings them into step without committing.
// A rollback undoes these in-memory changes with the rest.
//
// A new object is saved when the session reaches it: it was added, or an
// object of the session refers to it through a relationship with the
// save-update cascade. Setting article.Author = u on a loaded u, for a new
// article given to no Add, does not reach the article — nothing in the
// session refers to it — and it is not saved; SQLAlchemy 2.0 does not
// cascade it through the backref either. Add it, or append it to
// u.Articles. A new object along a relationship without the save-update
// cascade is an error at flush rather than dropped (SQLAlchemy warns and
// drops it).
//
// The same object appended twice to a many-to-many collection is one link
// row: relm writes a pair once (SQLAlchemy writes two rows, which fail on
// a link table with a primary key); the collection keeps what the program
// put in it until the next load.
package relm
