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
//			{Name: "article_id", Type: schema.Integer, References: "articles.id"},
//			{Name: "tag_id", Type: schema.Integer, References: "tags.id"},
//		},
//	}
//	md := schema.NewMetaData()
//	err := md.Add(articleTag)
//
// A [MetaData] holds tables by name, resolves foreign keys between them and
// sorts them in dependency order (see [MetaData.Sorted]) so that a dialect can
// create them parents first and drop them children first.
package schema
