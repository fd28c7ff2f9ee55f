package main

// Example runs the program; go test checks what it prints.
func Example() {
	main()
	// Output:
	// customers columns: id name settings home_street home_city
	// a customer and two orders, keys made by relm:
	//   sql: INSERT INTO "customers" ("id", "name", "settings", "home_street", "home_city") VALUES (?, ?, ?, ?, ?)
	//   sql: INSERT INTO "orders" ("number", "customer_id") VALUES (?, ?), (?, ?)
	//   customer key is a version 4 UUID; orders A-0001, A-0002, each with the customer's key: true
	// a JSON map changed in place, and one embedded field:
	//   sql: UPDATE "customers" SET "settings" = ?, "home_city" = ? WHERE "id" = ?
	// read back in a new session, by the embedded field's path:
	//   Ada of 1 Main St, Bergen: theme dark, 2 orders
}
