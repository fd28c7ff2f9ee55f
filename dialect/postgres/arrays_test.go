package postgres_test

import (
	"bytes"
	"context"
	"database/sql/driver"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/dialect/postgres"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/schema"
)

// TestBulkArrayEncodings: the arrays of a bulk INSERT reach PostgreSQL
// as the same array whichever way they travel — as pgx encodes them
// (the reference), in the binary form relm writes for its native path,
// and as the literal pgx's simple protocol and exec modes send (Value) —
// for the hard values of every element type, NULLs included.
func TestBulkArrayEncodings(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testdb.NewDatabase(t, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	bc := time.Date(0, 3, 1, 12, 0, 0, 0, time.UTC) // 1 BC
	cases := []struct {
		typ  schema.Type
		pg   string
		vals []any
	}{
		{schema.BigInt, "int8", []any{int64(0), int64(-1), nil, int64(math.MaxInt64), int64(math.MinInt64), int64(-300), int64(math.MaxInt32), int64(1 << 40)}},
		{schema.Text, "text", []any{"", " ", `"`, `\`, `\"`, "a,b", "{x}", "NULL", "null", "é 日本語 😀", "\t\n\r", "'", nil, "trailing  "}},
		{schema.Bool, "bool", []any{true, false, nil}},
		{schema.Float, "float8", []any{0.0, math.Copysign(0, -1), 0.1, 1.0 / 3, 1e308, 5e-324, -math.MaxFloat64, math.NaN(), math.Inf(1), math.Inf(-1), nil}},
		{schema.Time, "timestamptz", []any{
			time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC),
			time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC), // before the Unix epoch
			time.Date(1901, 12, 13, 20, 45, 51, 1000, time.FixedZone("", -8*3600)),
			time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), // timestamptz's epoch
			time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.FixedZone("", 5*3600+1800)),
			time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
			bc, nil,
			time.Date(0, 2, 29, 23, 0, 0, 0, time.UTC), // 1 BC was a leap year; 1 AD was not
			time.Date(-4, 2, 29, 0, 0, 0, 0, time.UTC), // 5 BC
		}},
		{schema.Bytes, "bytea", []any{[]byte{}, []byte(nil), []byte{0}, []byte{0xff, 0, '"', '\\', ','}, []byte("{text}")}},
	}
	d := postgres.New()
	for _, c := range cases {
		t.Run(c.pg, func(t *testing.T) {
			rows := d.BulkRows([]*schema.Column{{Name: "v", Type: c.typ}}, 0, len(c.vals))
			for _, v := range c.vals {
				if err := rows.Add([]any{v}); err != nil {
					t.Fatalf("add %v: %v", v, err)
				}
			}
			arg := rows.Args()[0]
			lit, err := arg.(driver.Valuer).Value()
			if err != nil {
				t.Fatal(err)
			}
			bin := postgres.AppendBinary(arg, nil)
			// The same rows given by pointer (AddPointers) make the same
			// array, byte for byte.
			byPtr := d.BulkRows([]*schema.Column{{Name: "v", Type: c.typ}}, 0, len(c.vals)).(dialect.BulkPointerRows)
			for i, v := range c.vals {
				if err := byPtr.AddPointers([]any{pointerTo(v, i)}); err != nil {
					t.Fatalf("add a pointer to %v: %v", v, err)
				}
			}
			if got := postgres.AppendBinary(byPtr.(dialect.BulkRows).Args()[0], nil); !bytes.Equal(got, bin) {
				t.Errorf("by pointer:\n%x\nby value:\n%x", got, bin)
			}
			// The reference: pgx's own encoding of the array; a literal of
			// it for the failure message.
			q := "SELECT $1::" + c.pg + "[] IS NOT DISTINCT FROM $2::text::" + c.pg + "[], $1::" + c.pg + "[]::text, $2::text::" + c.pg + "[]::text"
			var same bool
			var want, got string
			if err := conn.QueryRow(ctx, q, arg, lit).Scan(&same, &want, &got); err != nil {
				t.Fatalf("literal %v: %v", lit, err)
			}
			if !same {
				t.Errorf("the literal reads as %s, pgx's array as %s", got, want)
			}
			// The binary form, bound as relm's native path binds it.
			sd, err := conn.Prepare(ctx, "", "SELECT $1::"+c.pg+"[] IS NOT DISTINCT FROM $2::"+c.pg+"[], $2::"+c.pg+"[]::text")
			if err != nil {
				t.Fatal(err)
			}
			ref, err := conn.TypeMap().Encode(sd.ParamOIDs[0], 1, arg, nil)
			if err != nil {
				t.Fatal(err)
			}
			res := conn.PgConn().ExecPrepared(ctx, sd.Name, [][]byte{ref, bin}, []int16{1, 1}, []int16{0, 0}).Read()
			if res.Err != nil {
				t.Fatalf("binary: %v", res.Err)
			}
			if len(res.Rows) != 1 || string(res.Rows[0][0]) != "t" {
				t.Errorf("the binary form reads as %s, pgx's array as %s", res.Rows[0][1], want)
			}
		})
	}
}

// pointerTo returns a pointer to a copy of v, the way a bulk INSERT gives
// an object's field (nil stays nil); integers by turns as *int64, *int and
// *int32 where they fit.
func pointerTo(v any, i int) any {
	switch x := v.(type) {
	case int64:
		switch {
		case i%3 == 1:
			n := int(x)
			return &n
		case i%3 == 2 && x == int64(int32(x)):
			n := int32(x)
			return &n
		}
		return &x
	case string:
		return &x
	case bool:
		return &x
	case float64:
		return &x
	case time.Time:
		return &x
	case []byte:
		return &x
	}
	return v
}
