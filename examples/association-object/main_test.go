package main

// Example runs the program; go test checks what it prints.
func Example() {
	main()
	// Output:
	// association primary key: left_id, right_id
	// a parent linked to two children, with extra data on each link:
	//   sql: INSERT INTO "left" ("name") VALUES (?)
	//   sql: INSERT INTO "right" ("name") VALUES ('c1'), ('c2')
	//   sql: INSERT INTO "association" ("left_id", "right_id", "extra_data") VALUES (1, 1, 'first'), (1, 2, 'second')
	//   c2's parents: 1, through a link whose key is (1, 2)
	// one link found by its key, changed, and another removed:
	//   sql: UPDATE "association" SET "extra_data" = ? WHERE "left_id" = ? AND "right_id" = ?
	//   sql: DELETE FROM "association" WHERE "left_id" = ? AND "right_id" = ?
	// loaded through the links in a new session, one SELECT per level:
	//   sql: SELECT t0."id", t0."name" FROM "left" t0
	//   sql: SELECT t0."left_id", t0."right_id", t0."extra_data" FROM "association" t0 WHERE t0."left_id" IN (SELECT value FROM json_each(?)) ORDER BY t0."right_id"
	//   sql: SELECT t0."id", t0."name" FROM "right" t0 WHERE t0."id" IN (SELECT value FROM json_each(?))
	//   p -> c1 (changed)
}
