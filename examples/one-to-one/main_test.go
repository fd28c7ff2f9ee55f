package main

// Example runs the program; go test checks what it prints.
func Example() {
	main()
	// Output:
	// child = relationship("Child", uselist=False, back_populates="parent")
	// relationships:
	//   Parent.Child: one-to-many on parent.id = child.parent_id, *Child, reverse Child.Parent
	//   Child.Parent: many-to-one on child.parent_id = parent.id, *Parent, reverse Parent.Child
	// tables:
	//   child
	//     id INTEGER NOT NULL PK
	//     parent_id BIGINT -> parent(id)
	//   parent
	//     id INTEGER NOT NULL PK
	//
	// child = relationship("Child", backref=backref("parent", uselist=False))
	// relationships:
	//   BackrefParent.Child: many-to-one on parent.child_id = child.id, *BackrefChild, reverse BackrefChild.Parent
	//   BackrefChild.Parent: one-to-many on child.id = parent.child_id, *BackrefParent, backref (no field), reverse BackrefParent.Child
	// tables:
	//   child
	//     id INTEGER NOT NULL PK
	//     parent_id BIGINT -> parent(id)
	//   parent
	//     id INTEGER NOT NULL PK
	//     child_id BIGINT -> child(id)
}
