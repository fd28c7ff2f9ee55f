// Package bench compares relm with GORM, Bun and hand-written database/sql
// (and pgx's native interface on PostgreSQL) on SQLite, PostgreSQL and
// MariaDB. It is a Go module of its own so that the library's go.mod never
// depends on its peers. The benchmarks are in the _test.go files; see
// BENCHMARKS.md at the repository root for how to run them and the results.
//
// Every sub-benchmark is named orm=CONTENDER/db=DATABASE, so that benchstat
// can put the contenders side by side (benchstat -col /orm).
package bench
