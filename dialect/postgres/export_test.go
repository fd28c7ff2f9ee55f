package postgres

// AppendBinary appends a bulk argument (an element of BulkRows' Args) in
// the binary format relm's native path sends.
func AppendBinary(arg any, buf []byte) []byte { return arg.(binaryArg).appendBinary(buf) }
