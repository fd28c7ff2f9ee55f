// Package migrate evolves a live database to the schema of relm's models:
// what SQLAlchemy users get from Alembic's autogenerate, on SQLite,
// PostgreSQL and MySQL/MariaDB.
//
// # Diff
//
// Diff compares a registry's tables with the database's catalog (read
// through package ddl's inspection) and returns a Plan: an ordered list
// of typed Steps, each with the SQL that makes it and the SQL that undoes
// it. Foreign keys, indexes and UNIQUE constraints that go are dropped
// first; then columns are renamed, added, altered (type, NULL, DEFAULT)
// and dropped; tables created; indexes, UNIQUE constraints and foreign
// keys created; tables no model maps dropped last.
//
// Types are compared as each dialect reports them, by ddl.CompareType,
// the rules ddl.Check applies: PostgreSQL's character varying(64) is
// VARCHAR(64), MariaDB's int(11) is INTEGER, SQLite's affinity makes every
// integer 64 bits and ignores VARCHAR lengths. A database made by
// CreateAll diffs as an empty plan, and so does one made by SQLAlchemy's
// create_all of the tutorial: its INTEGER keys, where relm's Go int is
// BIGINT, are listed in Plan.Notes, being compatible (see ddl.Check);
// Options.Widen makes them non-destructive widening steps instead.
//
// A column is renamed only when its field says so, with the tag
// renamed_from:OLD (schema.Column.RenamedFrom); otherwise a column that
// changed its name is dropped and another added. Primary keys are not
// migrated (a difference is a note).
//
// # Destructive steps
//
// Dropping a column or a table, narrowing a type and changing a type's
// family are Destructive; Apply and Up refuse them, with a
// *DestructiveError naming each, unless Options.AllowDestructive. A step
// whose undoing destroys data (dropping a column the step added) is
// DownDestructive, and one whose undoing cannot bring back what it
// removed is Irreversible; Revert and Down refuse those alike. A NOT NULL
// column added, or a column made NOT NULL, gets the Go zero value in the
// existing rows, as a relm model would read them.
//
// # Applying
//
// Apply runs a plan: on PostgreSQL in one transaction; on SQLite in one
// transaction too, where what its ALTER TABLE cannot do (change a column,
// add or drop a constraint or a foreign key) is the table rebuild SQLite
// documents — create the new table, copy the rows, drop the old one,
// rename the new one, create its indexes — with foreign-key enforcement
// off, the table's triggers created again, and PRAGMA foreign_key_check
// before the commit; on MySQL and
// MariaDB, whose DDL commits, statement by statement, each recorded in
// relm_migrate_progress so that running it again after a failure resumes
// at the statement that failed.
//
// # Versioned migrations
//
// WritePlan writes a plan as the next numbered pair of files,
// 0003_add_article_views.up.sql and 0003_add_article_views.down.sql, with
// markers in their headers for destructive and irreversible changes. Up
// applies the files not applied yet and records each in relm_migrations
// with the checksums of both files; Down undoes the newest; Status lists
// them. Two processes starting at once do not both apply a file: Up and
// Down hold pg_advisory_lock on PostgreSQL, GET_LOCK on MariaDB, and run
// in one BEGIN EXCLUSIVE transaction on SQLite. A file edited after it
// ran is refused with a *ChecksumError before anything runs.
//
// # The command
//
// Go programs compile their models in, so the command line is one a
// program embeds: Main(ctx, reg, os.Args[1:]) gives check, diff, new
// NAME, up, down [N] and status. cmd/blog's migrate subcommand is that
// for the tutorial's blog.
package migrate
