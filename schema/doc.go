// Package schema describes tables, columns, keys and indexes as plain Go values.
//
// It is relm's lowest layer: it performs no I/O and knows nothing about
// sessions, mapping or any particular database. The mapping layer compiles
// struct tags into these values, and a program can build them by hand — the
// usual way to declare a link table such as the blog's article_tag:
//
//	articleTag := &schema.Table{
//		Name: "article_tag",
//		Columns: []*schema.Column{
//			{Name: "article_id", Type: schema.BigInt, References: "articles.id"},
//			{Name: "tag_id", Type: schema.BigInt, References: "tags.id"},
//		},
//	}
//	md := schema.NewMetaData()
//	err := md.Add(articleTag)
//
// A [MetaData] holds tables by name, resolves foreign keys between them and
// sorts them in dependency order (see [MetaData.Sorted]) so that a dialect can
// create them parents first and drop them children first.
//
// An integer foreign-key column takes the integer type of the column it
// references when MetaData resolves it: a link table declared with
// [Integer] that refers to a [BigInt] key (the column of a Go int) gets
// BIGINT, since MySQL and MariaDB refuse a foreign key whose integer
// width differs from its key's.
package schema
