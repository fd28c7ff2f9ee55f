// Package relmotel traces relm with OpenTelemetry: one span per statement,
// per flush and per load, as GORM's tracing plugin (gorm.io/plugin/opentelemetry)
// and Bun's bunotel do. It is a module of its own, so that relm itself does
// not depend on OpenTelemetry:
//
//	db, err := relm.Open(ctx, dsn, relm.WithTracer(relmotel.NewTracer()))
//
// The spans, from the tracer provider of WithTracerProvider (else the
// global one, otel.GetTracerProvider):
//
//   - relm.flush — a Session's Flush or Commit, with relm.flush.inserted,
//     relm.flush.updated and relm.flush.deleted, the objects it wrote;
//   - relm.query — a query of objects (Select's All, First, One), with
//     relm.model and db.response.returned_rows, the objects returned;
//   - relm.load — a relationship's select-in load, with relm.model (the
//     target), relm.path (Parent.Field) and db.response.returned_rows, the
//     related objects the parents hold after it;
//   - relm.select, relm.insert, relm.update, relm.delete, relm.begin, … —
//     one per statement (span kind client), named by its first keyword,
//     with db.system.name, db.query.text, db.operation.name, relm.args
//     (the number of arguments; never their values), and
//     db.response.returned_rows (a SELECT relm reads) or db.rows_affected
//     (an INSERT, UPDATE or DELETE) where known.
//
// A flush's and a load's statements are children of its span, and all
// are children of the span in the context given to relm. A failed one
// records the error and has status Error.
package relmotel

import (
	"context"
	"strings"

	"github.com/relmorm/relm"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of relmotel's tracer.
const ScopeName = "github.com/relmorm/relm/otel"

// Attribute keys relmotel sets besides OpenTelemetry's database semantic
// conventions (db.system.name, db.query.text, db.operation.name,
// db.response.returned_rows).
const (
	AttrFlushInserted = attribute.Key("relm.flush.inserted")
	AttrFlushUpdated  = attribute.Key("relm.flush.updated")
	AttrFlushDeleted  = attribute.Key("relm.flush.deleted")
	AttrModel         = attribute.Key("relm.model")
	AttrPath          = attribute.Key("relm.path")
	AttrArgs          = attribute.Key("relm.args")
	AttrRowsAffected  = attribute.Key("db.rows_affected")
	AttrReturnedRows  = attribute.Key("db.response.returned_rows")
	AttrSystem        = attribute.Key("db.system.name")
	AttrQueryText     = attribute.Key("db.query.text")
	AttrOperation     = attribute.Key("db.operation.name")
)

// Option configures NewTracer.
type Option func(*config)

type config struct {
	tp     trace.TracerProvider
	attrs  []attribute.KeyValue
	noText bool
}

// WithTracerProvider makes the spans from tp rather than from the global
// provider.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// WithAttributes adds attrs to every span (db.namespace, server.address, …).
func WithAttributes(attrs ...attribute.KeyValue) Option {
	return func(c *config) { c.attrs = append(c.attrs, attrs...) }
}

// WithoutQueryText leaves db.query.text out of the statement spans (for
// statements whose text should not leave the process).
func WithoutQueryText() Option {
	return func(c *config) { c.noText = true }
}

// NewTracer returns a relm.Tracer that makes OpenTelemetry spans; give it
// to relm.Open or relm.New with relm.WithTracer.
func NewTracer(opts ...Option) relm.Tracer {
	c := config{}
	for _, o := range opts {
		o(&c)
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	return &tracer{t: c.tp.Tracer(ScopeName), cfg: c}
}

type tracer struct {
	t   trace.Tracer
	cfg config
}

// system is the semantic conventions' db.system.name of a relm dialect.
func system(dialect string) string {
	switch dialect {
	case "postgres":
		return "postgresql"
	case "mysql":
		return "mysql"
	}
	return dialect
}

func (t *tracer) StartStatement(ctx context.Context, st relm.TracedStatement) context.Context {
	attrs := make([]attribute.KeyValue, 0, 4+len(t.cfg.attrs))
	attrs = append(attrs,
		AttrSystem.String(system(st.Dialect)),
		AttrOperation.String(st.Operation),
		AttrArgs.Int(st.Args))
	if !t.cfg.noText {
		attrs = append(attrs, AttrQueryText.String(st.SQL))
	}
	attrs = append(attrs, t.cfg.attrs...)
	ctx, _ = t.t.Start(ctx, "relm."+strings.ToLower(st.Operation),
		trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx
}

func (t *tracer) EndStatement(ctx context.Context, st relm.TracedStatement, rows int64, err error) {
	span := trace.SpanFromContext(ctx)
	if rows >= 0 {
		if st.Operation == "SELECT" {
			span.SetAttributes(AttrReturnedRows.Int64(rows))
		} else {
			span.SetAttributes(AttrRowsAffected.Int64(rows))
		}
	}
	end(span, err)
}

func (t *tracer) StartFlush(ctx context.Context) context.Context {
	ctx, _ = t.t.Start(ctx, "relm.flush", trace.WithAttributes(t.cfg.attrs...))
	return ctx
}

func (t *tracer) EndFlush(ctx context.Context, st relm.FlushStats, err error) {
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(AttrFlushInserted.Int(st.Inserted), AttrFlushUpdated.Int(st.Updated), AttrFlushDeleted.Int(st.Deleted))
	end(span, err)
}

func (t *tracer) StartLoad(ctx context.Context, ld relm.TracedLoad) context.Context {
	name := "relm.query"
	attrs := append([]attribute.KeyValue{AttrModel.String(ld.Model)}, t.cfg.attrs...)
	if ld.Path != "" {
		name = "relm.load"
		attrs = append(attrs, AttrPath.String(ld.Path))
	}
	ctx, _ = t.t.Start(ctx, name, trace.WithAttributes(attrs...))
	return ctx
}

func (t *tracer) EndLoad(ctx context.Context, rows int, err error) {
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(AttrReturnedRows.Int(rows))
	end(span, err)
}

// end records err, if any, and ends span.
func end(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}
