package relmotel_test

import (
	"context"
	"fmt"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/mapping"
	relmotel "github.com/relmorm/relm/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Tracing a commit and a query: in a program the provider exports to a
// collector (otel.SetTracerProvider, or WithTracerProvider); here a
// recorder holds the spans, printed in the order they ended.
func ExampleNewTracer() {
	ctx := context.Background()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	db, err := relm.Open(ctx, "sqlite::memory:", relm.WithTracer(relmotel.NewTracer(relmotel.WithTracerProvider(tp))))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	reg := mapping.NewRegistry()
	if err := reg.Register(&TrParent{}, &TrChild{}); err != nil {
		panic(err)
	}
	if err := reg.Configure(); err != nil {
		panic(err)
	}
	if err := reg.CreateAll(ctx, db); err != nil {
		panic(err)
	}
	rec.Reset() // CreateAll's statements

	s := relm.NewSession(db, reg)
	defer s.Close()
	if err := s.Add(&TrParent{Name: "p", Children: []*TrChild{{Name: "a"}, {Name: "b"}}}); err != nil {
		panic(err)
	}
	if err := s.Commit(ctx); err != nil {
		panic(err)
	}
	s2 := relm.NewSession(db, reg)
	defer s2.Close()
	if _, err := relm.Select[TrParent](s2).SelectIn("Children").All(ctx); err != nil {
		panic(err)
	}
	for _, sp := range rec.Ended() {
		fmt.Print(sp.Name())
		for _, kv := range sp.Attributes() {
			switch kv.Key {
			case relmotel.AttrOperation, relmotel.AttrRowsAffected, relmotel.AttrReturnedRows, relmotel.AttrPath,
				relmotel.AttrFlushInserted, relmotel.AttrFlushUpdated, relmotel.AttrFlushDeleted:
				fmt.Printf(" %s=%s", kv.Key, kv.Value.Emit())
			}
		}
		fmt.Println()
	}
	// Output:
	// relm.begin db.operation.name=BEGIN
	// relm.insert db.operation.name=INSERT db.rows_affected=1
	// relm.insert db.operation.name=INSERT db.rows_affected=2
	// relm.flush relm.flush.inserted=3 relm.flush.updated=0 relm.flush.deleted=0
	// relm.select db.operation.name=SELECT db.response.returned_rows=1
	// relm.select db.operation.name=SELECT db.response.returned_rows=2
	// relm.load relm.path=TrParent.Children db.response.returned_rows=2
	// relm.query db.response.returned_rows=1
}
