// Package sqlite is relm's dialect for SQLite, through the pure-Go driver
// modernc.org/sqlite (driver name "sqlite"; no cgo needed).
//
// # Opening a database
//
// relm.Open accepts these DSNs and hands them to [Dialect.DriverDSN], which
// turns them into modernc's own form:
//
//	sqlite:blog.db            a file relative to the working directory
//	sqlite:/abs/path/blog.db  an absolute path
//	sqlite::memory:           an in-memory database
//	sqlite:///blog.db         SQLAlchemy's spelling (sqlite:////abs for an absolute path)
//	file:blog.db?mode=ro      an SQLite URI, passed through
//
// Every connection gets foreign keys enabled (SQLite leaves them off by
// default), a busy timeout of five seconds, the "sqlite" time format and
// the UTC time zone (_time_format=sqlite&_timezone=UTC), so that DATETIME
// columns hold text such as "2024-05-01 12:00:00.5+00:00" that other tools
// read too. Parameters the DSN already sets are kept.
//
// # Times
//
// SQLite has no time type: a DATETIME column holds text, and =, <, > and
// ORDER BY compare that text. The driver converts every time.Time to UTC
// before it writes it (_timezone=UTC), and relm writes the times it puts
// in a statement's text or a JSON document itself the same way, so a column
// holds one text per instant and text order is the instants' order: a
// condition on a time means what it means on PostgreSQL, whatever zone the
// program's times are in. Times read back are in UTC.
//
// Files written by a relm before _timezone=UTC hold times in the zone the
// program held them in ("2024-05-01 14:00:00.5+02:00"). They read back as
// the right instant, but compare as text; [Dialect.RewriteTimesUTC] returns
// the UPDATE that rewrites a column in UTC.
//
// # Types
//
// The kinds of [schema.Type] are spelled as SQLAlchemy spells them on
// SQLite: INTEGER, BIGINT, VARCHAR(n), TEXT, BOOLEAN, FLOAT, DATETIME and
// BLOB. An autoincrement primary key is declared "INTEGER NOT NULL" with a
// table-level PRIMARY KEY, which makes it an alias of the rowid, so SQLite
// assigns it; an autoincrement BIGINT is spelled INTEGER for the same reason
// (SQLite integers are 64-bit anyway).
//
// # Foreign keys and cycles
//
// SQLite cannot add a constraint to an existing table, but it accepts
// foreign keys that name tables not yet created. CreateTable therefore emits
// every foreign key inline, those that close a cycle included, and
// AddForeignKey and DropForeignKey return "".
//
// # Inspection
//
// The Inspector methods read sqlite_master and the pragma table-valued
// functions (pragma_table_info, pragma_index_list, pragma_foreign_key_list).
// Types are reported as declared, in upper case. Indexes that SQLite creates
// itself for PRIMARY KEY and UNIQUE constraints (sqlite_autoindex_*) are left
// out.
package sqlite
