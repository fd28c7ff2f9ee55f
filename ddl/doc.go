// Package ddl creates, drops and inspects the tables of a [schema.MetaData]
// on a live database — relm's counterpart of SQLAlchemy's
// metadata.create_all, metadata.drop_all and inspect(engine).
//
// It works on any [dialect.Executor] with any [dialect.Dialect]: a relm.DB
// (which logs every statement), a *sql.DB, a *sql.Tx or a *sql.Conn.
//
//	md := schema.NewMetaData()
//	// md.Add(users), md.Add(articles), …
//	if err := ddl.CreateAll(ctx, db, db.Dialect(), md); err != nil {
//		return err
//	}
//
// # CreateAll
//
// [CreateAll] behaves like SQLAlchemy's create_all with checkfirst: it reads
// the names of the existing tables once, then, in dependency order
// ([schema.MetaData.Sorted], parents first), creates each missing table
// followed by its indexes. Foreign keys that close a cycle between tables
// cannot be written inside CREATE TABLE on PostgreSQL and MySQL, since one
// of the tables does not exist yet; they are added last, with ALTER TABLE,
// for the tables this call created. Tables that already exist are left
// alone, so a second call issues no CREATE at all.
//
// # DropAll
//
// [DropAll] drops the metadata's tables that exist, children first: it
// removes the cycle-closing foreign keys, then drops the tables in reverse
// dependency order.
//
// # Inspect
//
// [Inspect] and [InspectTable] read the live catalog through the dialect's
// [dialect.Inspector] and return [TableInfo] values: columns in ordinal order
// with the database's type names normalized to the spelling CREATE TABLE
// uses, indexes (without the ones databases create for primary keys and,
// on MySQL, for foreign keys) and foreign keys.
//
// # Errors
//
// A failing statement is reported with the table it concerns and the
// statement itself, and wraps the driver's error, so errors.As finds e.g. a
// *pgconn.PgError or a *mysql.MySQLError.
package ddl
