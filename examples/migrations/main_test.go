package main

// Example runs the program; go test checks what it prints.
func Example() {
	main()
	// Output:
	// plan:
	// add column articles.views BIGINT NOT NULL (existing rows get 0)
	// wrote 0001_add_article_views.up.sql and 0001_add_article_views.down.sql:
	// -- relm migration 0001 add_article_views, for sqlite
	//
	// -- add column articles.views BIGINT NOT NULL (existing rows get 0)
	// CREATE TABLE "relm_new_articles" (
	// 	"id" INTEGER NOT NULL,
	// 	"title" VARCHAR(255) NOT NULL,
	// 	"views" BIGINT NOT NULL,
	// 	PRIMARY KEY ("id")
	// )
	// ;
	// INSERT INTO "relm_new_articles" ("id", "title", "views") SELECT "id", "title", 0 FROM "articles"
	// ;
	// DROP TABLE "articles"
	// ;
	// ALTER TABLE "relm_new_articles" RENAME TO "articles"
	// ;
	// CREATE INDEX "ix_articles_title" ON "articles" ("title")
	// ;
	// applied 0001_add_article_views.up.sql
	// diff after up is empty: true
	// articles: 3, with views 0: 3
	// status: 0001 add_article_views applied=true
}
