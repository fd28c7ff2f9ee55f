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
// # Load related objects
//
// A relationship field is filled only when asked, in a number of
// statements fixed by the query, never one per row (no hidden N+1):
//
//	arts, err := relm.Select[Article](s).
//		Where(relm.Eq("Title", "Hello")).
//		SelectIn("Author", "Tags").  // one more SELECT … WHERE key IN (…) per path
//		Joined("Category").          // in the same statement, LEFT OUTER JOIN
//		All(ctx)
//	err = relm.Load(ctx, s, arts, "Author.UserInfo") // later, for objects already held
//
// [Session.IsLoaded] tells whether a relationship was loaded. [Related]
// returns one object's related objects, loading them with one SELECT when
// they were not (the lazy load, made explicit); in raise mode
// ([RaiseOnUnloaded], or lazy:raise on the relationship) it returns
// [ErrNotLoaded] instead, so that an N+1 shows as an error.
//
// # Query
//
// [Select] builds a typed query on field names (checked against the model
// when the query runs): [Eq], [Lt], [In], [IsNull], [Like], [And], [Or],
// [Not], and [Any] / [Has] for "some related row matches" (EXISTS). Joins
// follow relationship paths ([Query.Join]; [Query.LeftJoin] for a LEFT
// OUTER JOIN); [Query.OrderBy], [Query.Limit]
// and [Query.Offset] shape the result; [Query.All], [Query.First],
// [Query.One], [Query.Count], [Query.Exists] and [Query.Iter] run it. [Raw]
// maps the rows of the program's own SQL to objects of the session.
//
// [Query.ForUpdate] and [Query.ForShare] lock the rows read until the
// session's transaction ends (the query begins it). [Update] and [Delete]
// change or remove every matching row in one statement and keep the
// session's objects in step. [Query.Columns], [Query.GroupBy] and
// [Query.Having] make a projection of fields and aggregates ([Count],
// [Sum], [Avg], [Min], [Max]), which [Scan] runs into a struct of the
// program's.
//
// [Expr] writes a condition (or, with [Fragment.As], a projected column)
// the builder cannot spell, [F] naming a field and every other argument
// bound. [In] and [NotIn] take another query projecting one column, and
// [Exists] and [NotExists] test one, correlated by [Outer]. [Query.After]
// and [Query.Before] page by the values of the OrderBy fields (keyset
// pagination). [Insert] with [Upsert.OnConflict] inserts objects or
// resolves a conflict on a unique key (DO NOTHING, DO UPDATE), each object
// then persistent with its row.
//
// # What a flush does
//
// A flush (the first step of every Commit) is planned from the mapped
// dependencies, as SQLAlchemy's unit of work does: the objects reachable
// through save-update relationships join the session; each object is
// compared with the snapshot taken when it was loaded or last flushed; the
// changes become INSERTs of new rows (parents first, their generated keys
// filling their children's foreign keys), UPDATEs of the changed columns
// only, link rows inserted and deleted, and DELETEs (children first, with
// the delete and delete-orphan cascades). The rows of one table go in one
// statement while they fit the dialect's limits, so the tutorial's commit
// — users, categories, tags, articles and their link rows — is seven
// statements (BEGIN, five INSERTs, COMMIT) for 100 articles as for 10,000.
// Every statement can be logged ([WithLogger]); DESIGN.md at the
// repository's root describes the flush's phases and where each is decided.
//
// A change made in place is a change like an assignment: *a.Content = s
// through a pointer field, a []byte's bytes, a key set in a map or an
// element of a slice behind a column type with its own driver.Valuer (a
// JSON column) is saved. The snapshot keeps copies of what such fields
// hold, so that the diff compares contents, not addresses; they cost
// memory in proportion to those fields' values (a []byte column's bytes
// are held twice while the object is in the session), and a string field
// costs no copy.
//
// # Guarantees
//
//   - A commit is atomic: every statement of a flush runs in one
//     transaction, or, when the whole commit is one statement, without
//     one. A failed commit leaves no row behind and keeps the program's
//     changes, so it can be tried again.
//   - [Session.Rollback] discards every change not committed, as
//     SQLAlchemy's does: objects return to what the database holds.
//   - Within a session one row is one object (the identity map).
//   - A [Session] is used by one goroutine at a time: a second one gets
//     [ErrConcurrentUse] rather than a corrupted session. [DB] and the
//     registry are safe for concurrent use.
//   - An UPDATE or DELETE of a row that is gone is [ErrStaleObject],
//     naming the table and the key; with a version counter
//     (`relm:"version"`), so is one of a row another transaction changed
//     since the session read it ([StaleObjectError]): no lost update.
//
// # Object lifecycle
//
// A model may declare hooks, methods on its pointer type run by the
// flush and by loads: [BeforeInserter], [AfterInserter], [BeforeUpdater],
// [AfterUpdater], [BeforeDeleter], [AfterDeleter], [AfterLoader]; and a
// session may have listeners for every object ([OnFlush]). What a Before
// hook changes is written by the same flush; its error aborts the flush
// before any statement. [Session.Refresh] reads an object's row again,
// [Session.Expire] and [ExpireOnCommit] make the next read overwrite it,
// and [Merge] takes a detached object (decoded from a request) into the
// session.
//
// # Soft delete and tracing
//
// A nullable time tagged `relm:"softdelete"` makes [Session.Delete] an
// UPDATE of it, and every read relm builds leaves such rows out unless
// [Query.WithDeleted]; [Session.HardDelete] and [HardDelete] delete the
// rows. [WithTracer] reports every statement, flush and load to a
// [Tracer]; the module github.com/relmorm/relm/otel is one that makes
// OpenTelemetry spans.
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
//
// A backref binds to the target's field of its name whether the models
// are declared with tags or with mapping.ModelSpec. back_populates named on
// one side only is accepted, as in SQLAlchemy, with a warning naming both
// sides: a change to the declaring side is brought into step on the other,
// not the reverse — add back_populates to the other side for both.
//
// A relationship that holds one object (a many-to-one, or uselist=false)
// and matches several rows keeps the first and logs a warning through the
// DB's logger naming the relationship and the key, as SQLAlchemy warns.
//
// A collection without order_by loads in the same order on every
// database: a one-to-many by the child's primary key, a many-to-many by
// the link table's primary key where it has one, else by the target's.
// [Query.Joined] loads collections too, in one statement (see its
// documentation for Limit).
package relm
