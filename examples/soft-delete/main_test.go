package main

// Example runs the program; go test checks what it prints.
func Example() {
	main()
	// Output:
	// a post and a thread deleted:
	//   the post table still has 4 rows, 2 of them deleted
	// what readers see:
	//   Welcome: hello, hi all
	//   posts: 2
	//   Get of the deleted thread: relm: Thread with key 2: relm: not found
	// what a moderator sees (WithDeleted):
	//   Welcome (deleted: false): hello, spam, hi all
	//   Off topic (deleted: true): cats
	// the thread restored, the spam purged:
	//   the post table has 3 rows, 0 of them deleted
}
