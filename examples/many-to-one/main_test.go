package main

// Example runs the program; go test checks what it prints.
func Example() {
	main()
	// Output:
	// parent = relationship("Parent", back_populates="children")
	// relationships:
	//   Parent.Children: one-to-many on parent.id = child.parent_id, []*Child, reverse Child.Parent
	//   Child.Parent: many-to-one on child.parent_id = parent.id, *Parent, reverse Parent.Children
	// tables:
	//   child
	//     id INTEGER NOT NULL PK
	//     parent_id BIGINT -> parent(id)
	//   parent
	//     id INTEGER NOT NULL PK
}
