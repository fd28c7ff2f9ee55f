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
//
// # Statements through pgx itself
//
// When the *sql.DB's driver is pgx's stdlib driver (relm.Open's, or a
// program's own stdlib.OpenDB), the dialect is a [dialect.NativeRunner]:
// outside a transaction, relm sends the statements whose results it reads
// itself — loads, counts, a one-statement commit's INSERT … RETURNING or
// UPDATE — through pgx's own interface, on a connection of the same pool
// (sql.Conn.Raw), with the same arguments. The rows it scans are the values
// database/sql would give, without database/sql converting each argument
// and each column to a driver value and back (on the benchmarks' one-table
// micro operations: 40–55 % fewer allocations per read, 25 % fewer per
// insert). Transactions, Query.Iter, relm.Raw and the DB's own
// ExecContext and QueryContext for the program's SQL stay on database/sql;
// so does everything when the driver is another, or pgx's wrapped by
// another.
package postgres
