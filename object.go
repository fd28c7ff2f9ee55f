package relm

import (
	"unsafe"

	"github.com/relmorm/relm/mapping"
)

// This file is where the root package's unsafe lives, outside the loaders
// (load.go, loader_joined.go, relations.go).
// The session, the diff, the flush's planning and persistence speak in
// *state and in objPtr, and reach fields only through mapping.Field and
// mapping.Relationship, which know each field's type and offset.

// objPtr is the address of a mapped object: the key of Session.states
// (the object's identity in the session), the base the mapping's field and
// relationship accessors read and write, and the element of a collection's
// snapshot. It is an unsafe.Pointer so that the garbage collector keeps
// every object a snapshot or a journal entry refers to alive, and so that
// comparing two is comparing identities; the code outside this file never
// converts it to a Go type nor does arithmetic on it. It is an alias, not a
// type of its own, because the mapping package's accessors take
// unsafe.Pointer (and the package's internal tests pass them).
type objPtr = unsafe.Pointer

// typedObj returns the object at p as a *T. It is safe because p was
// made by the mapper of T (Mapper.New, or an arena sized by that mapper),
// which the caller looked up from T: the memory at p is a T.
func typedObj[T any](p objPtr) *T { return (*T)(p) }

// typedObjs returns ptrs as a []*T, the same backing array. It is safe
// because every element is an object of T's mapper (see typedObj) and
// *T has the size and pointer shape of unsafe.Pointer; the caller hands
// ptrs over and does not use it again.
func typedObjs[T any](ptrs []objPtr) []*T {
	return unsafe.Slice((**T)(unsafe.Pointer(unsafe.SliceData(ptrs))), len(ptrs))
}

// bytesText returns buf's bytes as a string without copying. It is safe
// only while buf is not written again: insertValues passes the statement
// to the driver, which copies it (SQLite's parser reads its own copy), no
// logger keeps it, and errors show the statement's head only, before the
// unit of work reuses buf for the next statement of literals.
func bytesText(buf []byte) string { return unsafe.String(unsafe.SliceData(buf), len(buf)) }

// plainIntAt returns the int field f of the object at p. It is safe
// because f.PlainInt() holds (the scan destinations are made only for such
// fields): the field at f.Offset of p's struct is an int.
func plainIntAt(p objPtr, f *mapping.Field) *int { return (*int)(unsafe.Add(p, f.Offset)) }
