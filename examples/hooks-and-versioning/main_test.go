package main

// Example runs the program; go test checks what it prints.
func Example() {
	main()
	// Output:
	// create:
	//   audit: AfterInsert page 1 "Home" v1 at 15:05
	// a Before hook refuses:
	//   relm: BeforeUpdate of Page 1: a page needs a title
	// two editors at once:
	//   audit: AfterUpdate page 1 "Home page" v2 at 15:06
	// bob: stale (Page 1 at version 1), refreshing
	//   audit: AfterUpdate page 1 "Home page" v3 at 15:08
	// finally: "Home page" "Welcome. Bob was here." v3 at 15:08
}
