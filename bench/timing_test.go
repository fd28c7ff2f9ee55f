package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"
)

// RELM_BENCH_LOG=1 makes relm's DB log every statement it sends, with its
// duration, to standard error (the first 90 characters of the SQL): where a
// relm benchmark's time goes between the database and relm itself.

// statementTimes returns the logger of the benchmark's relm DB: one of
// statement durations when RELM_BENCH_LOG is set, nil (no logging)
// otherwise.
func statementTimes() *slog.Logger {
	if os.Getenv("RELM_BENCH_LOG") == "" {
		return nil
	}
	return slog.New(&durationHandler{w: os.Stderr})
}

// durationHandler is a slog handler that prints relm's "sql" records as
// duration and statement, one line each.
type durationHandler struct{ w io.Writer }

func (h *durationHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *durationHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "sql" {
		return nil
	}
	var q string
	var d time.Duration
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "sql":
			q = a.Value.String()
		case "duration":
			d = a.Value.Duration()
		}
		return true
	})
	if len(q) > 90 {
		q = q[:90] + "…"
	}
	_, err := fmt.Fprintf(h.w, "%10.1f ms  %s\n", float64(d.Microseconds())/1000, q)
	return err
}

func (h *durationHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *durationHandler) WithGroup(string) slog.Handler      { return h }
