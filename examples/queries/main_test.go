package main

// Example runs the program; go test checks what it prints.
func Example() {
	main()
	// Output:
	// products and stock per category, with at least two products:
	//   tools: 3 products, 6 in stock
	// sell a hammer, its row locked until the commit:
	//   hammer: 3 left
	// bulk: mark what is sold out, drop what costs over 1000:
	//   2 repriced; the saw the session holds costs 0
	//   1 deleted; left: hammer (25) rake (0) saw (0)
	// a SQL fragment, subqueries and keyset pages:
	//   upper(name) = 'SAW': saw
	//   categories with a free product: garden tools
	//   categories with stock: 1 (tools)
	//   page 1: hammer rake
	//   page 2: saw
}
