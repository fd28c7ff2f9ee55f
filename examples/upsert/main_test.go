package main

// Example runs the program; go test checks what it prints.
func Example() {
	main()
	// Output:
	// DO UPDATE of the name: ada's row renamed, bob's inserted
	//   held ada: Ada Lovelace, 5 visits (the update left visits)
	//   given object: key of ada's row: true; bob has a key: true
	// DO NOTHING: the conflicting object gets the row that was there
	//   Bob (bob's key: true), Cyd inserted
	// a conflict target without a unique constraint is refused before any SQL:
	//   relm: bad query: Insert[Subscriber].OnConflict("Name"): no primary key, UNIQUE column or unique index of subscribers is on exactly (name); declare one (`relm:"unique"`, `relm:"unique:name"`)
	// rows:
	//   ada@example.com Ada Lovelace 5
	//   bob@example.com Bob 1
	//   cyd@example.com Cyd 0
}
