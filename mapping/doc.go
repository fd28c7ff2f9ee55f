// Package mapping maps Go structs to tables and configures the
// relationships between them, as SQLAlchemy's declarative mapping and
// relationship() do. It performs no I/O of its own (CreateAll and DropAll
// hand the registry's metadata to package ddl).
//
// # Declaring models
//
// Every exported field of a registered struct is a column, unless it holds
// related objects (*T or []*T of another mapped struct: a relationship) or
// is tagged `relm:"-"`. The column name is the snake_case of the field name;
// the table name is the TableName method's result, or a `relm:"table:NAME"`
// tag on a blank field, or the snake_case plural of the type name.
//
//	type User struct {
//		ID       int        `relm:"pk"`
//		Username string     `relm:"size:64;index"`
//		Articles []*Article `relm:"backref:Author"`
//	}
//
//	func (User) TableName() string { return "users" }
//
// # The relm tag
//
// A tag is a list of keys separated by semicolons; some keys take a value
// after a colon. Keys are case-insensitive.
//
//	Username string `relm:"column:user_name;size:64;index;notnull"`
//
// Column keys:
//
//   - "-" (the whole tag): leave the field unmapped.
//   - column:NAME: the column name (default: the snake_case of the field).
//   - pk (or primary_key): part of the primary key; a field named ID is the
//     key by default. A single integer key autoincrements.
//   - autoincrement[:BOOL]: force autoincrement on or off.
//   - type:T: the column type, one of integer, bigint, varchar(N), text,
//     bool, float, timestamp, blob, longtext for text beyond 64 KiB on
//     MySQL (LONGTEXT there, TEXT elsewhere), json (see JSON columns),
//     uuid, or decimal(P,S) (decimal alone is decimal(18,2)).
//   - size:N: VARCHAR(N) for a string (default 255).
//   - notnull (or "not null"): NOT NULL, the default for types other than
//     pointers, sql.Null types and []byte.
//   - index[:NAME]: an index ix_<table>_<column>, or a named index shared by
//     the fields that name it.
//   - unique[:NAME]: a UNIQUE constraint, or a named unique index shared by
//     the fields that name it.
//   - default:LITERAL: the column's DEFAULT: a number, a 'string', true,
//     false, null or current_timestamp. A field whose value is zero (nil
//     for a pointer) is left out of its INSERT, so that the default applies,
//     and the value the database stored is read back into the object — as
//     SQLAlchemy's server_default.
//   - default:GENERATOR: a client-side default — uuid, uuid7 or a name
//     given to RegisterGenerator: relm fills a zero field from it just
//     before its row's INSERT (see Client-generated keys).
//   - version: the field (an int, int32 or int64) is the row's version
//     counter, SQLAlchemy's version_id_col: relm writes 1 at INSERT, and
//     every UPDATE and DELETE matches the version read (AND version = ?)
//     and increments it; a row changed meanwhile is relm.ErrStaleObject.
//     On a time.Time the version is a timestamp: the time of the flush that
//     wrote the row (UTC, to the microsecond), matched exactly as written.
//   - softdelete: the field (a *time.Time or sql.NullTime, nullable) is the
//     row's deletion time, GORM's DeletedAt: Session.Delete sets it (the
//     flush's time, UTC) in an UPDATE instead of a DELETE, and queries,
//     Get and relationship loads leave out rows where it is set unless
//     WithDeleted; Session.HardDelete and relm.HardDelete delete the row.
//   - keepzero: with default, write the field's zero value as it is rather
//     than leave the column to its default.
//   - fk:TABLE.COLUMN (or references:TABLE.COLUMN): a foreign key. Fields
//     naming every column of a composite key make one composite foreign
//     key (see Composite keys and composite foreign keys).
//   - ondelete:ACTION, onupdate:ACTION: the foreign key's referential
//     action, one of cascade, set null, set default, restrict, no action.
//   - embed[:PREFIX] (on a struct field): its fields are columns of this
//     table, their names after PREFIX (see Embedded structs).
//   - renamed_from:OLD: the column's former name, so that package migrate
//     renames the column OLD rather than dropping it and adding this one.
//
// On a blank field (_ struct{}), table:NAME names the table.
//
// Nullability follows the Go type: a pointer, a sql.Null* type or []byte
// (nil is NULL) is a nullable column, anything else NOT NULL. Go types map
// to column types as follows:
//
//   - int8, int16, int32, uint8, uint16: INTEGER.
//   - int, int64, uint, uint32, uint64: BIGINT. Go's int is 64 bits, and so
//     is its column (an autoincrement key is BIGSERIAL on PostgreSQL, BIGINT
//     AUTO_INCREMENT on MySQL, INTEGER, the rowid, on SQLite); a uint beyond
//     int64 is refused. A foreign key takes the type of the key it refers to.
//   - string: VARCHAR(255), or TEXT with type:text.
//   - bool: BOOLEAN.
//   - float32, float64: FLOAT.
//   - time.Time: TIMESTAMP.
//   - []byte: BLOB.
//   - a pointer to one of those, or sql.Null[T] and the sql.Null* types: the
//     same type, nullable.
//
// A type defined on one of those kinds (type Status int) maps as its kind,
// unless it has its own sql.Scanner or driver.Valuer: its values then go
// through them, as database/sql would send and scan them, and with both it
// may hold any column type its type: tag names (a Status stored by name in
// a varchar). Any other type with both methods needs a type: tag.
//
// # Embedded structs
//
// A struct's fields can be columns of the outer table, as GORM's embedded
// and embeddedPrefix and SQLAlchemy's composite columns give: an anonymous
// struct embedded by value (Go's embedding; its fields are promoted, and
// named by their own names), or a struct field tagged embed, whose fields
// are named by their Go path, with an optional prefix on their columns:
//
//	type Address struct {
//		Street string
//		City   string `relm:"index"`
//	}
//	type Customer struct {
//		ID int
//		Timestamps                             // created_at, updated_at
//		Home    Address `relm:"embed:home_"` // home_street, home_city
//		Billing Address `relm:"embed"`       // street, city
//	}
//
// Embeds nest, prefixes adding up (Home.Geo.Lat: home_geo_lat), and the
// prefix also goes before a column: name. The fields are loaded, saved and
// diffed one column at a time like any other (changing Home.City updates
// home_city alone), and a query names them by Go path or by column name:
// Eq("Home.City", "Oslo"), Eq("home_city", "Oslo"), OrderBy("Home.City").
// In the programmatic form a ColumnSpec's Field is that path
// ("Home.City"); its Name defaults to the snake_case of the last segment.
// An embedded struct pointer (Home *Address) is refused: relm does not
// guess whether all-NULL columns mean nil; embed by value, or use a JSON
// column (type:json) for a value that may be absent. A relationship
// cannot live in a struct embedded by a named field; declare it on the
// model. A struct field with neither embed nor type:json is refused, with
// both named in the error.
//
// # Client-generated keys
//
// A key the client chooses — a UUID, a string — is a primary key with a
// generator, as SQLAlchemy's Column(default=uuid.uuid4) and GORM's
// BeforeCreate hook give:
//
//	type Account struct {
//		ID    uuid.UUID `relm:"pk;default:uuid"`  // random, version 4
//		Posts []*Post                             // integer keys from the database
//	}
//	type Remark struct {
//		ID string `relm:"pk;default:uuid7;size:36"` // time-ordered, version 7
//	}
//
// Just before the INSERT, relm fills each zero field that has a generator
// (a key set by the program is kept), so the row's key is known before it
// is written: no RETURNING or last-insert-id is needed for it, and the
// foreign keys of its children are set from it as from any key. Such keys
// mix freely with autoincrement keys in one graph, in either direction. A
// generated key never autoincrements, whatever its type. uuid and uuid7
// fill a string, a [16]byte type such as github.com/google/uuid's UUID, or
// a type with an sql.Scanner; other fields are refused at mapping, as is an
// unknown generator name. RegisterGenerator adds generators (a snowflake
// integer, a prefixed string); a generator's error fails the flush, naming
// the model and the field, and nothing is written. The programmatic form
// is ColumnSpec.Generator (a name) or ColumnSpec.Generate (a function).
// A zero value of a key type with its own Valuer (uuid.Nil) counts as not
// set, like 0 and "".
//
// # JSON, UUID and decimal columns
//
// type:json stores any Go value encoding/json encodes — a struct, a map, a
// slice, or a pointer to one — as one JSON document, as SQLAlchemy's JSON
// type and GORM's serializer:json do:
//
//	Settings map[string]any `relm:"type:json"`
//	Tags     []string       `relm:"type:json"`
//	Home     Address        `relm:"type:json"`
//
// The column is JSONB on PostgreSQL, JSON on MySQL and MariaDB (on MariaDB
// a LONGTEXT with a JSON_VALID check) and TEXT on SQLite. Values are
// encoded with json.Marshal on the way in and decoded with json.Unmarshal
// on the way out (a nil pointer, map or slice is NULL; the column is
// nullable exactly when the Go type can be nil). Change tracking compares
// the encodings, and the snapshot holds a decoded copy of its own, so a
// map or slice changed in place (m["k"] = v, s[0] = x) is written at the
// next flush. A type that encoding/json cannot encode (a channel, a func,
// a complex number, a map keyed by a struct) is refused when the model is
// mapped; a value that does not encode (a NaN or infinity, a channel in a
// map[string]any) fails the flush with a [JSONError] naming the model, the
// field and the value, and the transaction writes nothing. A type with its
// own sql.Scanner and driver.Valuer converts itself: type:json then only
// chooses its column type.
//
// type:uuid is UUID on PostgreSQL and on MariaDB 10.7 and later, CHAR(36)
// on MySQL and older MariaDB, and TEXT on SQLite; it holds a string or a
// 16-byte array type with its own Scanner and Valuer, such as
// github.com/google/uuid's UUID (whose column is a uuid without a tag).
// type:decimal(P,S) is NUMERIC(P,S) on PostgreSQL, DECIMAL(P,S) on MySQL
// and MariaDB and TEXT on SQLite (which keeps "12.30" exact, where its
// NUMERIC affinity would make it a REAL); it holds a string (exact), a
// float64, or a decimal type with its own Scanner and Valuer.
//
// Relationship keys (on a *T or []*T field):
//
//   - back_populates:FIELD: the other side's field; both sides must name
//     each other.
//   - backref:NAME: create the other side as NAME on the target.
//   - backref_uselist:BOOL: uselist of the backref (false: one object, not
//     a collection).
//   - secondary:TABLE: the link table of a many-to-many, by name.
//   - secondary_local:COLS, secondary_remote:COLS: the link table's
//     column(s) that reference this side and the target, when it has more
//     than one foreign key to a side's table — SQLAlchemy's primaryjoin and
//     secondaryjoin. A self-referential many-to-many needs one of them (see
//     "Self-referential many-to-many" below).
//   - foreign_keys:COLS: the column(s) that join, when several foreign keys
//     could.
//   - order_by:FIELDS: the order of a collection, as in "Title desc, ID".
//   - cascade:LIST: save-update and merge (the default), delete,
//     delete-orphan, all (save-update, merge, delete), none.
//   - lazy:MODE: select (the default) or raise.
//   - rel: a relationship with every option at its default. (An untagged
//     field that a backref of the other side names is that backref's
//     binding instead.)
//
// A pointer field is SQLAlchemy's uselist=False: on the one-to-many side it
// makes a one-to-one. A backref binds to the target's field of that name when
// there is one (an untagged *T or []*T field) and otherwise exists in the
// mapper alone, still usable for loading and queries.
//
// # Composite keys and composite foreign keys
//
// pk on several fields makes a composite primary key (SQLAlchemy's
// primary_key=True on several columns); the identity of such a row is a
// [KeyTuple] of its key's values, and [Mapper.KeyOf] checks a key the
// program gives (relm.Get with relm.Key{…}) against the key fields' count
// and types ([ErrKeyArgs]). A composite foreign key is declared column by
// column, each with its fk: naming one column of the other table's
// composite key — SQLAlchemy's ForeignKeyConstraint([a, b], [t.a, t.b]):
//
//	type Shipment struct {
//		Region string `relm:"pk;size:8"`
//		Number int    `relm:"pk"`
//	}
//	type Parcel struct {
//		ID             int
//		ShipmentRegion string    `relm:"size:8;fk:shipments.region"`
//		ShipmentNumber int       `relm:"fk:shipments.number"`
//		Shipment       *Shipment // joins on both columns
//	}
//
// The columns of one table that together name every column of another's
// composite key become one schema.ForeignKey of several columns (one
// FOREIGN KEY constraint), paired in the key's order whatever the fields'
// order; in declaration order, a column naming a key column the group
// already has starts a second group (two references to one table). The
// first ondelete/onupdate of the group's columns applies. A relationship
// on columns that name only part of a composite key is refused at
// Configure, listing the fk: to add; a column whose type differs from the
// key column it names is refused naming the field. The ModelSpec form is
// the same: ColumnSpec.References per column. A many-to-many's secondary
// table may reference a composite key the same way: its link rows then
// hold every key column of that side.
//
// # Association objects
//
// A link table with columns of its own is mapped as a struct whose primary
// key is its two foreign keys, with a many-to-one to each end and a
// one-to-many from each end to it — SQLAlchemy's association object:
//
//	type ArticleTag struct {
//		ArticleID int       `relm:"pk;fk:articles.id"`
//		TagID     int       `relm:"pk;fk:tags.id"`
//		Position  int
//		Article   *Article  `relm:"back_populates:TagLinks"`
//		Tag       *Tag      `relm:"back_populates:ArticleLinks"`
//	}
//	// Article: TagLinks []*ArticleTag `relm:"back_populates:Article;cascade:all,delete-orphan"`
//	// Tag:     ArticleLinks []*ArticleTag `relm:"back_populates:Tag"`
//
// Its key fields are filled from its ends when it is saved. The same table
// may also be the secondary of a plain many-to-many (Tags []*Tag
// `relm:"secondary:article_tags"`), read as any; a flush that writes the
// table both through that many-to-many and as association objects is
// refused by relm (relm.ErrLinkTableConflict), naming both.
//
// # The programmatic form
//
// Tags compile to a [ModelSpec], which [Registry.Map] also accepts directly;
// a table with no struct, such as a link table, is a [schema.Table] added
// with [Registry.AddTable]. The secondary table of a many-to-many may be
// given as a value ([SecondaryTable]), a function called at configuration
// ([SecondaryFunc]) or a name ([SecondaryName]), as in SQLAlchemy.
//
// # Self-referential many-to-many
//
// Users following users through follows(follower_id, followed_id): both
// foreign keys of the link table reference users, so relm cannot tell
// which one points at the user who holds the collection. SQLAlchemy is
// told with primaryjoin and secondaryjoin:
//
//	following = relationship("User", secondary=follows,
//	    primaryjoin=id == follows.c.follower_id,
//	    secondaryjoin=id == follows.c.followed_id,
//	    backref="followers")
//
// relm with the link columns, secondary_local for this side and
// secondary_remote for the target ([RelationshipSpec.SecondaryLocal] and
// SecondaryRemote in the programmatic form):
//
//	type User struct {
//		ID        int
//		Following []*User `relm:"secondary:follows;secondary_local:follower_id;secondary_remote:followed_id;backref:Followers"`
//		Followers []*User
//	}
//
// Naming one of the two is enough: the other side takes the remaining
// foreign key. With back_populates, each side names its own column
// (Followers: secondary_local:followed_id). Naming neither is a
// [*ConfigError] of kind [ErrAmbiguousForeignKeys] listing the columns to
// choose from; a named column the link table lacks, or one that does not
// reference the side's table, is one of kind [ErrNoForeignKeys]. The
// relationship's SecondaryLocal and SecondaryRemote columns say what was
// chosen. A link table with columns of its own is mapped to a struct
// instead (an association object): two one-to-many relationships from
// users to it, told apart by foreign_keys.
//
// # Configuration
//
// [Registry.Configure] resolves foreign keys, infers each relationship's
// direction and join columns from them (through the secondary table for
// many-to-many), pairs back_populates sides, creates backrefs and checks it
// all. Errors are [*ConfigError] values naming the relationship (and the
// other side), testable with errors.Is against [ErrNoForeignKeys],
// [ErrAmbiguousForeignKeys], [ErrBackPopulates] and [ErrBackrefConflict].
// The configured [Relationship] values are the introspection API: direction,
// local and remote columns, secondary table and reverse side.
package mapping
