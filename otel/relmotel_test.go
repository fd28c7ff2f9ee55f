package relmotel_test

import (
	"context"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
	relmotel "github.com/relmorm/relm/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

var ctx = context.Background()

type TrParent struct {
	ID       int `relm:"pk"`
	Name     string
	Children []*TrChild `relm:"back_populates:Parent;cascade:all,delete-orphan"`
}

func (TrParent) TableName() string { return "tr_parents" }

type TrChild struct {
	ID       int `relm:"pk"`
	Name     string
	ParentID *int      `relm:"fk:tr_parents.id"`
	Parent   *TrParent `relm:"back_populates:Children"`
}

func (TrChild) TableName() string { return "tr_children" }

// traced opens each dialect's database with a relmotel tracer recording
// into a span recorder, and a statement log.
func traced(t *testing.T, f func(t *testing.T, db *relm.DB, sr *tracetest.SpanRecorder, tp trace.TracerProvider, log *testdb.Log, reg *mapping.Registry)) {
	for _, name := range testdb.Dialects {
		t.Run(name, func(t *testing.T) {
			sr := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
			log := &testdb.Log{}
			db := testdb.Open(t, name, relm.WithTracer(relmotel.NewTracer(relmotel.WithTracerProvider(tp))), log.Option())
			reg := mapping.NewRegistry()
			if err := reg.Register(&TrParent{}, &TrChild{}); err != nil {
				t.Fatal(err)
			}
			if err := reg.Configure(); err != nil {
				t.Fatal(err)
			}
			if err := reg.CreateAll(ctx, db); err != nil {
				t.Fatal(err)
			}
			sr.Reset()
			log.Reset()
			f(t, db, sr, tp, log, reg)
		})
	}
}

func attr(s sdktrace.ReadOnlySpan, k attribute.Key) (attribute.Value, bool) {
	for _, kv := range s.Attributes() {
		if kv.Key == k {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

func intAttr(t *testing.T, s sdktrace.ReadOnlySpan, k attribute.Key) int64 {
	t.Helper()
	v, ok := attr(s, k)
	if !ok {
		t.Fatalf("span %s has no %s: %v", s.Name(), k, s.Attributes())
	}
	return v.AsInt64()
}

// byName returns the ended spans named name.
func byName(sr *tracetest.SpanRecorder, name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range sr.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// childrenOf returns the ended spans whose parent is p.
func childrenOf(sr *tracetest.SpanRecorder, p sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range sr.Ended() {
		if s.Parent().SpanID() == p.SpanContext().SpanID() {
			out = append(out, s)
		}
	}
	return out
}

// A commit is a relm.flush span, child of the caller's, counting what it
// wrote; each of its statements is a span under it whose db.query.text is
// the statement logged, with the rows it affected.
func TestFlushAndStatementSpans(t *testing.T) {
	traced(t, func(t *testing.T, db *relm.DB, sr *tracetest.SpanRecorder, tp trace.TracerProvider, log *testdb.Log, reg *mapping.Registry) {
		rctx, root := tp.Tracer("test").Start(ctx, "request")
		s := relm.NewSession(db, reg)
		defer s.Close()
		p := &TrParent{Name: "p", Children: []*TrChild{{Name: "a"}, {Name: "b"}}}
		if err := s.Add(p); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(rctx); err != nil {
			t.Fatal(err)
		}
		root.End()
		flushes := byName(sr, "relm.flush")
		if len(flushes) != 1 {
			t.Fatalf("%d relm.flush spans, want 1", len(flushes))
		}
		fl := flushes[0]
		if fl.Parent().SpanID() != root.SpanContext().SpanID() {
			t.Error("relm.flush is not a child of the caller's span")
		}
		if intAttr(t, fl, relmotel.AttrFlushInserted) != 3 || intAttr(t, fl, relmotel.AttrFlushUpdated) != 0 || intAttr(t, fl, relmotel.AttrFlushDeleted) != 0 {
			t.Errorf("flush attributes %v, want 3 inserted", fl.Attributes())
		}
		kids := childrenOf(sr, fl)
		logged := log.Statements()
		var texts []string
		var inserted int64
		for _, k := range kids {
			if k.SpanKind() != trace.SpanKindClient {
				t.Errorf("%s: kind %v, want client", k.Name(), k.SpanKind())
			}
			v, _ := attr(k, relmotel.AttrQueryText)
			texts = append(texts, v.AsString())
			sys, _ := attr(k, relmotel.AttrSystem)
			if want := map[string]string{"sqlite": "sqlite", "postgres": "postgresql", "mysql": "mysql"}[db.Dialect().Name()]; sys.AsString() != want {
				t.Errorf("%s: db.system.name %q, want %q", k.Name(), sys.AsString(), want)
			}
			if k.Name() == "relm.insert" {
				inserted += intAttr(t, k, relmotel.AttrRowsAffected)
				if op, _ := attr(k, relmotel.AttrOperation); op.AsString() != "INSERT" {
					t.Errorf("relm.insert: db.operation.name %q", op.AsString())
				}
			}
		}
		// The log holds BEGIN and COMMIT too; COMMIT has no context, so no span.
		var want []string
		for _, st := range logged {
			if st != "COMMIT" {
				want = append(want, st)
			}
		}
		if strings.Join(texts, "\n") != strings.Join(want, "\n") {
			t.Errorf("statement spans under the flush:\n%s\nlogged:\n%s", strings.Join(texts, "\n"), strings.Join(want, "\n"))
		}
		if inserted != 3 {
			t.Errorf("rows affected of the INSERT spans: %d, want 3", inserted)
		}

		// An update and a delete.
		sr.Reset()
		p.Name = "q"
		if err := s.Delete(p.Children[0]); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		fl = byName(sr, "relm.flush")[0]
		if intAttr(t, fl, relmotel.AttrFlushInserted) != 0 || intAttr(t, fl, relmotel.AttrFlushUpdated) != 1 || intAttr(t, fl, relmotel.AttrFlushDeleted) != 1 {
			t.Errorf("flush attributes %v, want 1 updated, 1 deleted", fl.Attributes())
		}
		for _, name := range []string{"relm.update", "relm.delete"} {
			sp := byName(sr, name)
			if len(sp) != 1 || sp[0].Parent().SpanID() != fl.SpanContext().SpanID() || intAttr(t, sp[0], relmotel.AttrRowsAffected) != 1 {
				t.Errorf("%s spans %d: want one under the flush, 1 row affected", name, len(sp))
			}
		}
	})
}

// A query is a relm.query span with the objects returned; a select-in
// load is a relm.load span with its path and the related objects; their
// SELECTs are children with the rows read.
func TestQueryAndLoadSpans(t *testing.T) {
	traced(t, func(t *testing.T, db *relm.DB, sr *tracetest.SpanRecorder, tp trace.TracerProvider, log *testdb.Log, reg *mapping.Registry) {
		s := relm.NewSession(db, reg)
		defer s.Close()
		if err := s.AddAll(&TrParent{Name: "p", Children: []*TrChild{{Name: "a"}, {Name: "b"}}}, &TrParent{Name: "r"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		sr.Reset()
		ps, err := relm.Select[TrParent](s2).OrderBy("Name").SelectIn("Children").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 2 || len(ps[0].Children) != 2 {
			t.Fatalf("loaded %d parents", len(ps))
		}
		qs := byName(sr, "relm.query")
		if len(qs) != 1 || intAttr(t, qs[0], relmotel.AttrReturnedRows) != 2 {
			t.Fatalf("relm.query spans %d, want one with 2 rows", len(qs))
		}
		if m, _ := attr(qs[0], relmotel.AttrModel); m.AsString() != "TrParent" {
			t.Errorf("relm.query model %q", m.AsString())
		}
		loads := byName(sr, "relm.load")
		if len(loads) != 1 || loads[0].Parent().SpanID() != qs[0].SpanContext().SpanID() {
			t.Fatalf("relm.load spans %d: want one under the query", len(loads))
		}
		ld := loads[0]
		if p, _ := attr(ld, relmotel.AttrPath); p.AsString() != "TrParent.Children" || intAttr(t, ld, relmotel.AttrReturnedRows) != 2 {
			t.Errorf("relm.load attributes %v", ld.Attributes())
		}
		var rowsRead []int64
		for _, parent := range []sdktrace.ReadOnlySpan{qs[0], ld} {
			for _, k := range childrenOf(sr, parent) {
				if k.Name() == "relm.select" {
					rowsRead = append(rowsRead, intAttr(t, k, relmotel.AttrReturnedRows))
				}
			}
		}
		if len(rowsRead) != 2 || rowsRead[0] != 2 || rowsRead[1] != 2 {
			t.Errorf("SELECT spans' rows %v, want [2 2] (parents, then children)", rowsRead)
		}
	})
}

// A failed statement's span records the error.
func TestErrorSpan(t *testing.T) {
	traced(t, func(t *testing.T, db *relm.DB, sr *tracetest.SpanRecorder, tp trace.TracerProvider, log *testdb.Log, reg *mapping.Registry) {
		_, err := db.ExecContext(ctx, "UPDATE no_such_table SET x = 1")
		if err == nil {
			t.Fatal("no error")
		}
		sp := byName(sr, "relm.update")
		if len(sp) != 1 || sp[0].Status().Code != codes.Error || len(sp[0].Events()) == 0 {
			t.Fatalf("relm.update spans %d: want one with status Error and the error event", len(sp))
		}
		s := relm.NewSession(db, reg)
		defer s.Close()
		sr.Reset()
		if err := s.Add(&TrChild{ID: 1, Name: "x", ParentID: new(int(999))}); err != nil {
			t.Fatal(err)
		}
		err = s.Commit(ctx)
		if err == nil {
			t.Fatal("a child of a missing parent was committed")
		}
		fl := byName(sr, "relm.flush")
		if len(fl) != 1 || fl[0].Status().Code != codes.Error {
			t.Fatalf("failed commit (%v): flush spans %d, want one with status Error", err, len(fl))
		}
		var failed int
		for _, k := range childrenOf(sr, fl[0]) {
			if k.Status().Code == codes.Error {
				failed++
			}
		}
		if failed != 1 {
			t.Errorf("%d failed statement spans under the flush, want 1", failed)
		}
	})
}
