// Package postgres is relm's dialect for PostgreSQL, through pgx v5's
// database/sql driver (driver name "pgx", registered by importing this
// package).
//
// # Opening a database
//
// relm.Open passes a postgres:// (or postgresql://) URL to
// [Dialect.DriverDSN], which checks that it parses and hands it to pgx
// unchanged, so every pgx and libpq parameter works:
//
//	postgres://postgres@127.0.0.1:5432/test?sslmode=disable
//
// # Types
//
// The kinds of [schema.Type] are spelled as SQLAlchemy spells them on
// PostgreSQL: INTEGER (SERIAL when autoincrement), BIGINT (BIGSERIAL),
// VARCHAR(n), TEXT, BOOLEAN, DOUBLE PRECISION, TIMESTAMP WITH TIME ZONE and
// BYTEA. Placeholders are $1, $2, …; INSERT … RETURNING is available.
//
// # Foreign keys and cycles
//
// Foreign keys are written inside CREATE TABLE, unnamed (PostgreSQL names
// them table_column_fkey) unless the schema names them. A foreign key that
// closes a cycle between tables is left out of CREATE TABLE and added
// afterwards by ALTER TABLE … ADD CONSTRAINT with a name of the form
// fk_<table>_<columns>_<reftable>, so that it can be dropped by name before
// its tables are.
//
// # Inspection
//
// The Inspector methods read pg_catalog, restricted to the connection's
// current schema (normally public). Types are reported from format_type in
// the spelling CREATE TABLE uses, upper case: "character varying(64)" is
// "VARCHAR(64)", and a SERIAL column is what it really is, "INTEGER" with a
// nextval default. Indexes that back PRIMARY KEY and UNIQUE constraints are
// left out, like SQLite's automatic indexes.
package postgres
