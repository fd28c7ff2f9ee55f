package main

// Example runs the program; go test checks what it prints.
func Example() {
	main()
	// Output:
	// secondary=association_table, back_populates
	// relationships:
	//   Parent.Children: many-to-many on left.id = association.left_id, association.right_id = right.id, []*Child, reverse Child.Parents
	//   Child.Parents: many-to-many on right.id = association.right_id, association.left_id = left.id, []*Parent, reverse Parent.Children
	// tables:
	//   association
	//     left_id BIGINT -> left(id)
	//     right_id BIGINT -> right(id)
	//   left
	//     id INTEGER NOT NULL PK
	//   right
	//     id INTEGER NOT NULL PK
	//
	// secondary=lambda: association_table, backref
	// relationships:
	//   Parent.Children: many-to-many on left.id = association.left_id, association.right_id = right.id, []*Child, reverse Child.Parents
	//   Child.Parents: many-to-many on right.id = association.right_id, association.left_id = left.id, []*Parent, backref, reverse Parent.Children
	// tables:
	//   association
	//     left_id BIGINT -> left(id)
	//     right_id BIGINT -> right(id)
	//   left
	//     id INTEGER NOT NULL PK
	//   right
	//     id INTEGER NOT NULL PK
	//
	// secondary="association", backref="parents"
	// relationships:
	//   NamedParent.Children: many-to-many on left.id = association.left_id, association.right_id = right.id, []*NamedChild, reverse NamedChild.Parents
	//   NamedChild.Parents: many-to-many on right.id = association.right_id, association.left_id = left.id, []*NamedParent, backref, reverse NamedParent.Children
	// tables:
	//   association
	//     left_id BIGINT -> left(id)
	//     right_id BIGINT -> right(id)
	//   left
	//     id INTEGER NOT NULL PK
	//   right
	//     id INTEGER NOT NULL PK
}
