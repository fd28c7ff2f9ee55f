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
//
// # Rows in arrays
//
// A table's rows from 128 values on are written by one INSERT … SELECT
// unnest($1::text[], …) with one array per column (see
// [Dialect.BulkInsert]); relm hands the arrays each field by address,
// boxing nothing (dialect.BulkPointerRows). Outside a transaction, on a
// connection in pgx's default query mode (cached prepared statements),
// relm prepares that statement once per connection itself and binds
// arrays it writes in PostgreSQL's binary format into one buffer, rather
// than have pgx encode them element by element (the benchmarks' 100 rows
// of seven columns: 104 KB allocated per commit against 149 KB, and about
// a quarter less client CPU). A statement the server dropped, or whose
// table changed the type of its RETURNING column, is prepared again and
// sent once more; it had not run. The connection's pgx QueryTracer sees
// the statement as it sees pgx's Query. Under pgx's other query modes
// (the simple protocol, exec, describe_exec, cache_describe — those used
// behind PgBouncer) relm prepares nothing of its own and pgx sends the
// arrays, as their text literals where the mode does not learn their
// types from the server.
package postgres
