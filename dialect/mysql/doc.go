// Package mysql is relm's dialect for MySQL and MariaDB, through
// github.com/go-sql-driver/mysql (driver name "mysql").
//
// # Opening a database
//
// relm.Open passes a mysql:// (or mariadb://) URL to [Dialect.DriverDSN],
// which builds the driver's DSN through mysql.Config:
//
//	mysql://user:pass@host:3306/db?interpolateParams=true&wsrep_sync_wait=1
//
// becomes a TCP connection to host:3306 (the port defaults to 3306) with
// parseTime=true and loc=UTC, which relm relies on, and the connection
// collation utf8mb4_unicode_ci unless the URL sets charset or collation.
// Other query parameters pass through: the driver's own (interpolateParams,
// timeout, tls, …) configure the driver, and any other name is set as a
// session system variable, as the driver does for wsrep_sync_wait.
//
// With interpolateParams=true the driver writes the arguments into the
// statement's text, so the server's limit of 65,535 placeholders does not
// apply: relm then writes large INSERTs as multi-row VALUES and select-in
// loading's IN lists as long as max_allowed_packet allows
// ([Dialect.Interpolates]). Without it, a table past the limit is inserted
// through JSON_TABLE in one statement, and IN lists split at 65,535 keys.
// With it, an INSERT of two rows or more has its values written into the
// text by relm rather than by the driver ([Dialect.AppendLiteral]), in a
// form that reads back the same under every sql_mode; what the driver must
// escape per connection (a string holding a backslash or NUL, a time) is
// still bound and interpolated by the driver.
//
// After connecting, relm.Open calls [Dialect.Detect], which reads
// SELECT VERSION() to tell MariaDB from MySQL: INSERT … RETURNING exists
// only on MariaDB 10.5 and later, and [Dialect.Returning] says so. relm
// reads a multi-row INSERT's keys with it there; a one-row INSERT's key it
// reads from the last-insert-id of the server's answer on both servers
// ([Dialect.OneRowKeyFromLastInsertID]), which costs the server and the
// driver less than a result set.
//
// # Types
//
// The kinds of [schema.Type] are spelled as SQLAlchemy spells them on
// MySQL/MariaDB: INTEGER, BIGINT, VARCHAR(n), TEXT, BOOL, DOUBLE,
// DATETIME(6) and LONGBLOB; an autoincrement key is "INTEGER NOT NULL
// AUTO_INCREMENT". Every table is created DEFAULT CHARSET=utf8mb4 with a
// utf8mb4 collation (utf8mb4_unicode_ci, or the DSN's utf8mb4 collation;
// see Dialect.TableOptions), and the connection is utf8mb4 too unless the
// URL chooses a charset, so that a server or database whose default is
// latin1 stores Chinese or emoji all the same; the engine (InnoDB) is the
// server's default. A foreign key's integer type must equal its key's
// (Dialect.StrictForeignKeyTypes). A
// CURRENT_TIMESTAMP default on a DATETIME(6) column is written
// CURRENT_TIMESTAMP(6), since the server requires the precisions to match.
//
// # Foreign keys and cycles
//
// Foreign keys are written inside CREATE TABLE, unnamed unless the schema
// names them. One that closes a cycle between tables is added afterwards by
// ALTER TABLE … ADD CONSTRAINT, named fk_<table>_<columns>_<reftable>, and
// dropped by that name before its tables are.
//
// # Inspection
//
// The Inspector methods read information_schema for DATABASE(). The
// server's column types are normalized to the spelling CREATE TABLE uses:
// MariaDB reports INTEGER as "int(11)" and BIGINT as "bigint(20)", which
// become "INTEGER" and "BIGINT"; BOOL is stored as "tinyint(1)" and reported
// "BOOL". Indexes leave out PRIMARY and the indexes InnoDB creates by itself
// to support a foreign key (named after the constraint, or after the column
// when the constraint has no name). A UNIQUE constraint is a unique index on
// MySQL and is listed as one. MariaDB reports RESTRICT for a foreign key
// declared without ON DELETE / ON UPDATE; as InnoDB treats RESTRICT and
// NO ACTION alike, both are reported "NO ACTION".
package mysql
