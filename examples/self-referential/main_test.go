package main

// Example runs the program; go test checks what it prints.
func Example() {
	main()
	// Output:
	// after the commit, in memory: bob's followers [ada]
	// loaded with select-in:
	//   ada follows [bob cyd], followed by [bob]
	//   bob follows [ada], followed by [ada]
	//   cyd follows [cyd], followed by [ada cyd]
	// who follows cyd: [ada cyd]
	// association object:
	//   ada follows bob since 2024-01
	//   bob follows ada since 2025-06
	// without secondary_local: mapping: Ambiguous.Following: a self-referential many-to-many: the secondary table "follows" has 2 foreign keys to "users" (follower_id, followed_id), and either could point at this side; say which link column references the parent with secondary_local and which the target with secondary_remote, as in `secondary:follows;secondary_local:follower_id;secondary_remote:followed_id` (RelationshipSpec.SecondaryLocal, SecondaryRemote)
}
