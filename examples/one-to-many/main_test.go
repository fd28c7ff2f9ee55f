package main

// Example runs the program; go test checks what it prints.
func Example() {
	main()
	// Output:
	// children = relationship("Child")
	// relationships:
	//   Parent.Children: one-to-many on parent.id = child.parent_id, []*Child
	// tables:
	//   child
	//     id INTEGER NOT NULL PK
	//     parent_id BIGINT -> parent(id)
	//   parent
	//     id INTEGER NOT NULL PK
	//
	// children = relationship("Child", backref="parent")
	// relationships:
	//   BackrefParent.Children: one-to-many on parent.id = child.parent_id, []*BackrefChild, reverse BackrefChild.Parent
	//   BackrefChild.Parent: many-to-one on child.parent_id = parent.id, *BackrefParent, backref (no field), reverse BackrefParent.Children
	// tables:
	//   child
	//     id INTEGER NOT NULL PK
	//     parent_id BIGINT -> parent(id)
	//   parent
	//     id INTEGER NOT NULL PK
}
