package mapping

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/relmorm/relm/schema"
)

// TagKey is the struct tag key relm reads.
const TagKey = "relm"

// The keys a relm tag may hold. See the package documentation for each.
var columnKeys = map[string]bool{
	"column": true, "pk": true, "primary_key": true, "autoincrement": true,
	"type": true, "size": true, "notnull": true, "not null": true,
	"index": true, "unique": true, "default": true, "keepzero": true,
	"fk": true, "references": true, "ondelete": true, "onupdate": true,
	"embed":        true,
	"version":      true,
	"softdelete":   true,
	"renamed_from": true,
}

var relationshipKeys = map[string]bool{
	"back_populates": true, "backref": true, "backref_uselist": true,
	"secondary": true, "foreign_keys": true, "order_by": true, "cascade": true,
	"lazy": true, "rel": true,
	"secondary_local": true, "secondary_remote": true,
}

var tableKeys = map[string]bool{"table": true}

// TagError reports a struct tag relm cannot read.
type TagError struct {
	Struct, Field, Tag string
	Msg                string
}

// Error names the struct, field and tag at fault and what to write instead.
func (e *TagError) Error() string {
	return fmt.Sprintf("mapping: %s.%s: tag %q: %s", e.Struct, e.Field, e.Tag, e.Msg)
}

type tagEntry struct{ key, value string }

// parseTag splits `key;key:value;…` into entries. Keys are case-insensitive
// and may use spaces or dashes for underscores ("not null", "back-populates").
func parseTag(tag string) ([]tagEntry, error) {
	var out []tagEntry
	for _, part := range strings.Split(tag, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, ":")
		k = strings.ToLower(strings.TrimSpace(k))
		if k != "not null" {
			k = strings.NewReplacer("-", "_", " ", "_").Replace(k)
		}
		if k == "" {
			return nil, fmt.Errorf("empty key in %q", part)
		}
		out = append(out, tagEntry{key: k, value: strings.TrimSpace(v)})
	}
	return out, nil
}

func knownKeys() []string {
	var keys []string
	for _, m := range []map[string]bool{columnKeys, relationshipKeys, tableKeys} {
		for k := range m {
			keys = append(keys, k)
		}
	}
	return keys
}

func unknownKey(key string) string {
	msg := fmt.Sprintf("unknown key %q", key)
	if near := schema.Nearest(key, knownKeys()); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	}
	return msg + "; keys: column, pk, autoincrement, type, size, notnull, index, unique, default, keepzero, version, softdelete, fk, ondelete, onupdate, renamed_from, back_populates, backref, backref_uselist, secondary, secondary_local, secondary_remote, foreign_keys, order_by, cascade, lazy, embed, table"
}

// specFromTags reads the relm tags of struct type t into a ModelSpec.
func specFromTags(t reflect.Type) (ModelSpec, error) {
	spec := ModelSpec{Model: reflect.Zero(reflect.PointerTo(t)).Interface()}
	name, err := tableNameMethod(t)
	if err != nil {
		return spec, err
	}
	spec.Table = name
	err = walkFields(t, func(sf reflect.StructField, at embedAt) error {
		tag, hasTag := sf.Tag.Lookup(TagKey)
		if tag == "-" {
			return nil
		}
		entries, err := parseTag(tag)
		if err != nil {
			return &TagError{Struct: t.Name(), Field: at.path + sf.Name, Tag: tag, Msg: err.Error()}
		}
		if (at.path != "" || at.prefix != "") && sf.Name != "_" {
			return embeddedField(t, sf, at, tag, entries, &spec)
		}
		if sf.Name == "_" {
			for _, e := range entries {
				if e.key != "table" {
					return &TagError{Struct: t.Name(), Field: "_", Tag: tag, Msg: "a blank field only carries `table:NAME`"}
				}
				if e.value == "" {
					return &TagError{Struct: t.Name(), Field: "_", Tag: tag, Msg: "table needs a name, as in `relm:\"table:users\"`"}
				}
				spec.Table = e.value
			}
			return nil
		}
		if !sf.IsExported() {
			if hasTag {
				return &TagError{Struct: t.Name(), Field: sf.Name, Tag: tag, Msg: "the field is unexported, so relm cannot set it; export it or remove the tag"}
			}
			return nil
		}
		if (isRelationshipType(sf.Type) && !isJSONTag(entries)) || hasAnyKey(entries, relationshipKeys) {
			rs, err := relationshipFromTag(t, sf, tag, entries)
			if err != nil {
				return err
			}
			spec.Relationships = append(spec.Relationships, rs)
			return nil
		}
		cs, err := columnFromTag(t, sf, tag, entries)
		if err != nil {
			return err
		}
		spec.Columns = append(spec.Columns, cs)
		return nil
	})
	return spec, err
}

// isJSONTag reports whether the entries declare a JSON column (type:json),
// which makes a *T or []*T field a column rather than a relationship.
func isJSONTag(entries []tagEntry) bool {
	for _, e := range entries {
		if e.key == "type" {
			k, ok := schema.KindByName(strings.ToLower(e.value))
			return ok && k == schema.KindJSON
		}
	}
	return false
}

func hasAnyKey(entries []tagEntry, keys map[string]bool) bool {
	for _, e := range entries {
		if keys[e.key] {
			return true
		}
	}
	return false
}

// embedAt is where walkFields found a field: path is the Go path of the
// named embedded structs it is in ("Address." for Address.City, "" at the
// top level and in anonymous embeds), prefix what their embed:PREFIX tags
// put before its column name.
type embedAt struct {
	path, prefix string
}

// walkFields visits the fields of t in order, flattening embedded structs:
// anonymous ones (by value) that carry no tag of their own, and struct
// fields, anonymous or named, tagged `relm:"embed"` or `relm:"embed:PREFIX"`.
func walkFields(t reflect.Type, visit func(reflect.StructField, embedAt) error) error {
	return walkEmbedded(t, t, embedAt{}, visit)
}

func walkEmbedded(model, t reflect.Type, at embedAt, visit func(reflect.StructField, embedAt) error) error {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get(TagKey)
		if prefix, ok, msg := embedTag(sf, tag); msg != "" {
			return &TagError{Struct: model.Name(), Field: at.path + sf.Name, Tag: tag, Msg: msg}
		} else if ok {
			inner := embedAt{path: at.path, prefix: at.prefix + prefix}
			if !sf.Anonymous {
				inner.path += sf.Name + "."
			}
			if err := walkEmbedded(model, sf.Type, inner, visit); err != nil {
				return err
			}
			continue
		}
		if sf.Anonymous && tag != "-" {
			ft := sf.Type
			if ft.Kind() == reflect.Struct && ft != timeType && !isCustomColumn(ft) {
				if err := walkEmbedded(model, ft, at, visit); err != nil {
					return err
				}
				continue
			}
			if ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct {
				return &TagError{Struct: model.Name(), Field: at.path + sf.Name, Tag: string(sf.Tag),
					Msg: "an embedded struct pointer cannot be mapped; embed the struct by value"}
			}
		}
		if err := visit(sf, at); err != nil {
			return err
		}
	}
	return nil
}

// embedTag reads an `embed[:PREFIX]` tag: ok when sf is to be flattened,
// with the prefix of its columns, or what is wrong with it.
func embedTag(sf reflect.StructField, tag string) (prefix string, ok bool, msg string) {
	entries, err := parseTag(tag)
	if err != nil || !hasAnyKey(entries, map[string]bool{"embed": true}) {
		return "", false, ""
	}
	if len(entries) > 1 {
		return "", false, "embed takes no other key; tag the embedded struct's own fields"
	}
	ft := sf.Type
	switch {
	case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct:
		return "", false, fmt.Sprintf("an embedded struct pointer (%s) cannot be mapped: relm does not guess whether all-NULL columns mean nil; embed %s by value", ft, ft.Elem())
	case ft.Kind() != reflect.Struct || ft == timeType || isCustomColumn(ft):
		return "", false, fmt.Sprintf("embed applies to a struct field whose fields become columns, not to %s", ft)
	case !sf.IsExported() && !sf.Anonymous:
		return "", false, "the field is unexported, so relm cannot set it; export it"
	}
	if p := entries[0].value; p != "" {
		if err := schema.ValidateIdentifier(p); err != nil {
			return "", false, fmt.Sprintf("embed prefix %q: %v", p, err)
		}
		return p, true, ""
	}
	return "", true, ""
}

// embeddedField adds the column of sf, a field of a struct embedded by a
// named field (at.path is not empty): named by its Go path, its column name
// prefixed. Relationships are refused there.
func embeddedField(t reflect.Type, sf reflect.StructField, at embedAt, tag string, entries []tagEntry, spec *ModelSpec) error {
	name := at.path + sf.Name
	if !sf.IsExported() {
		if tag != "" {
			return &TagError{Struct: t.Name(), Field: name, Tag: tag, Msg: "the field is unexported, so relm cannot set it; export it or remove the tag"}
		}
		return nil
	}
	if (isRelationshipType(sf.Type) && !isJSONTag(entries)) || hasAnyKey(entries, relationshipKeys) {
		return &TagError{Struct: t.Name(), Field: name, Tag: tag, Msg: "a relationship cannot live in an embedded struct; declare it on " + t.Name() + " itself"}
	}
	cs, err := columnFromTag(t, sf, tag, entries)
	if err != nil {
		return err
	}
	cs.Field = name
	cs.Name = embeddedColumn(at, sf, cs.Name)
	spec.Columns = append(spec.Columns, cs)
	return nil
}

// embeddedColumn is the column name of a field in an embedded struct: its
// column: name or the snake_case of its Go name, after the prefixes.
func embeddedColumn(at embedAt, sf reflect.StructField, column string) string {
	if column == "" {
		column = SnakeCase(sf.Name)
	}
	return at.prefix + column
}

// isRelationshipType reports whether a field of type t holds related
// objects: *T or []*T for a struct T that is not a column type.
func isRelationshipType(t reflect.Type) bool {
	if t.Kind() == reflect.Slice && t != bytesType {
		t = t.Elem()
	}
	if t.Kind() != reflect.Pointer {
		return false
	}
	e := t.Elem()
	if e.Kind() != reflect.Struct || e == timeType || isCustomColumn(e) {
		return false
	}
	_, _, isCol := goColumnType(t)
	return !isCol
}

// columnFromTag turns the entries of a column field's tag into its
// ColumnSpec, or a TagError naming the entry that is wrong.
func columnFromTag(t reflect.Type, sf reflect.StructField, tag string, entries []tagEntry) (ColumnSpec, error) {
	cs := ColumnSpec{Field: sf.Name}
	for _, e := range entries {
		if msg := applyColumnTag(&cs, sf, e); msg != "" {
			return cs, &TagError{Struct: t.Name(), Field: sf.Name, Tag: tag, Msg: msg}
		}
	}
	return cs, nil
}

// applyColumnTag applies one entry of a column field's tag to cs, and
// returns what is wrong with it, "" when nothing is.
func applyColumnTag(cs *ColumnSpec, sf reflect.StructField, e tagEntry) string {
	switch e.key {
	case "column":
		if e.value == "" {
			return "column needs a name, as in `column:user_id`"
		}
		cs.Name = e.value
	case "pk", "primary_key":
		cs.PrimaryKey = true
	case "autoincrement":
		b, err := parseBool(e.value, true)
		if err != nil {
			return fmt.Sprintf("autoincrement: %v", err)
		}
		cs.AutoIncrement = &b
	case "type":
		typ, msg := parseColumnType(e.value)
		if msg != "" {
			return msg
		}
		cs.Type = typ
	case "size":
		n, err := parseSize(e.value)
		if err != nil {
			return fmt.Sprintf("malformed size %q: %v; write size:64", e.value, err)
		}
		cs.Size = n
	case "notnull", "not null":
		f := false
		cs.Nullable = &f
	case "index":
		if e.value == "" {
			cs.Index = true
		} else {
			cs.IndexName = e.value
		}
	case "unique":
		if e.value == "" {
			cs.Unique = true
		} else {
			cs.UniqueIndex = e.value
		}
	case "default":
		if e.value == "" {
			return "default needs a value, as in `default:0` or `default:'draft'`"
		}
		if _, isGen := generator(e.value); isGen && schema.ValidateDefault(e.value) != nil {
			cs.Generator = e.value
			return ""
		}
		cs.Default = e.value
	case "keepzero":
		cs.KeepZero = true
	case "version":
		cs.Version = true
	case "softdelete":
		cs.SoftDelete = true
	case "renamed_from":
		if e.value == "" {
			return "renamed_from needs the column's former name, as in `renamed_from:hits`"
		}
		cs.RenamedFrom = e.value
	case "fk", "references", "ondelete", "onupdate":
		return applyForeignKeyTag(cs, e)
	default:
		if relationshipKeys[e.key] {
			return fmt.Sprintf("%q is a relationship key, but %s is not a relationship field (*T or []*T of a mapped struct)", e.key, sf.Type)
		}
		return unknownKey(e.key)
	}
	return ""
}

// applyForeignKeyTag applies an fk (references), ondelete or onupdate entry
// to cs, and returns what is wrong with it, "" when nothing is.
func applyForeignKeyTag(cs *ColumnSpec, e tagEntry) string {
	switch e.key {
	case "fk", "references":
		if tbl, col, ok := strings.Cut(e.value, "."); !ok || tbl == "" || col == "" {
			return fmt.Sprintf("foreign key %q must be written table.column, as in `fk:users.id`", e.value)
		}
		cs.References = e.value
	default: // ondelete, onupdate
		a, err := schema.ParseAction(e.value)
		if err != nil {
			return err.Error()
		}
		if e.key == "ondelete" {
			cs.OnDelete = a
		} else {
			cs.OnUpdate = a
		}
	}
	return ""
}

// parseColumnType parses the value of a type entry, such as varchar(64),
// and returns what is wrong with it, "" when nothing is.
func parseColumnType(v string) (schema.Type, string) {
	name, size, hasSize := strings.Cut(v, "(")
	kind, ok := schema.KindByName(strings.ToLower(strings.TrimSpace(name)))
	if !ok {
		return schema.Type{}, fmt.Sprintf("unknown type %q; use integer, bigint, varchar(N), text, longtext, bool, float, timestamp, blob, json, uuid or decimal(P,S)", v)
	}
	typ := schema.Type{Kind: kind}
	if strings.EqualFold(strings.TrimSpace(name), "longtext") && !hasSize {
		typ = schema.LongText
	}
	if kind == schema.KindDecimal && hasSize {
		return parseDecimal(v, strings.TrimSuffix(size, ")"), strings.HasSuffix(size, ")"))
	}
	if hasSize {
		n, err := parseSize(strings.TrimSuffix(size, ")"))
		if err != nil || !strings.HasSuffix(size, ")") {
			return schema.Type{}, fmt.Sprintf("malformed size in %q; write varchar(64)", v)
		}
		if kind != schema.KindString {
			return schema.Type{}, fmt.Sprintf("only varchar takes a size, not %s", kind)
		}
		typ.Size = n
	}
	return typ, ""
}

// parseDecimal parses the "P,S" of decimal(P,S) (or "P", scale 0).
func parseDecimal(v, args string, closed bool) (schema.Type, string) {
	ps, ss, hasScale := strings.Cut(args, ",")
	p, err := strconv.Atoi(strings.TrimSpace(ps))
	s := 0
	if err == nil && hasScale {
		s, err = strconv.Atoi(strings.TrimSpace(ss))
	}
	if err != nil || !closed || p < 1 || p > 65 || s < 0 || s > p {
		return schema.Type{}, fmt.Sprintf("malformed decimal %q; write decimal(10,2): a precision of 1 to 65 digits and a scale of 0 to the precision", v)
	}
	return schema.Decimal(p, s), ""
}

func relationshipFromTag(t reflect.Type, sf reflect.StructField, tag string, entries []tagEntry) (RelationshipSpec, error) {
	rs := RelationshipSpec{Field: sf.Name}
	bad := func(msg string, args ...any) error {
		return &TagError{Struct: t.Name(), Field: sf.Name, Tag: tag, Msg: fmt.Sprintf(msg, args...)}
	}
	for _, e := range entries {
		switch e.key {
		case "rel":
		case "back_populates":
			rs.BackPopulates = e.value
		case "backref":
			rs.Backref = e.value
		case "backref_uselist":
			b, err := parseBool(e.value, true)
			if err != nil {
				return rs, bad("backref_uselist: %v", err)
			}
			rs.BackrefUselist = &b
		case "secondary":
			if e.value == "" {
				return rs, bad("secondary needs the link table's name, as in `secondary:article_tag`")
			}
			rs.Secondary = SecondaryName(e.value)
		case "secondary_local", "secondary_remote":
			cols := splitList(e.value)
			if len(cols) == 0 {
				return rs, bad("%s needs the link table's column, as in `%s:follower_id`", e.key, e.key)
			}
			if e.key == "secondary_local" {
				rs.SecondaryLocal = cols
			} else {
				rs.SecondaryRemote = cols
			}
		case "foreign_keys":
			for _, c := range strings.Split(e.value, ",") {
				if c = strings.TrimSpace(c); c != "" {
					rs.ForeignKeys = append(rs.ForeignKeys, c)
				}
			}
		case "order_by":
			rs.OrderBy = e.value
		case "cascade":
			rs.Cascade = e.value
		case "lazy":
			rs.Lazy = e.value
		default:
			if columnKeys[e.key] {
				return rs, bad("%q is a column key, but %s holds related objects; put the column on its own field", e.key, sf.Type)
			}
			return rs, bad("%s", unknownKey(e.key))
		}
	}
	for _, e := range entries {
		if e.key == "back_populates" && e.value == "" || e.key == "backref" && e.value == "" {
			return rs, bad("%s needs the name of the other side's field", e.key)
		}
	}
	return rs, nil
}

// splitList splits a comma-separated list of names, dropping empty ones.
func splitList(v string) []string {
	var out []string
	for _, c := range strings.Split(v, ",") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

func parseBool(s string, empty bool) (bool, error) {
	if s == "" {
		return empty, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("%q is not true or false", s)
	}
	return b, nil
}

func parseSize(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("not a whole number")
	}
	if n <= 0 || n > 65535 {
		return 0, fmt.Errorf("size must be between 1 and 65535")
	}
	return n, nil
}

// tableNameMethod calls the TableName method of a zero T (or *T), if the
// type has one, turning a panic in it into an error.
func tableNameMethod(t reflect.Type) (name string, err error) {
	tn, ok := reflect.New(t).Interface().(interface{ TableName() string })
	if !ok {
		return "", nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("mapping: %s.TableName panicked on a zero value: %v; it must return a constant name", t.Name(), r)
		}
	}()
	return tn.TableName(), nil
}
