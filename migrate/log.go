package migrate

import (
	"context"
	"log/slog"
	"time"

	"github.com/relmorm/relm/dialect"
)

type loggerKey struct{}

// withLogger carries db's logger (a *relm.DB's, given with
// relm.WithLogger), if it has one, to the statements a migration runs on
// a connection of its own, which relm's logging does not see.
func withLogger(ctx context.Context, db any) context.Context {
	if l, ok := db.(interface{ Logger() *slog.Logger }); ok && l.Logger() != nil {
		return context.WithValue(ctx, loggerKey{}, l.Logger())
	}
	return ctx
}

// execStmt runs one statement of a migration, logging it at Info (Error
// when it fails) with its duration, as the migration's progress.
func execStmt(ctx context.Context, ex dialect.Executor, stmt string) error {
	start := time.Now()
	_, err := ex.ExecContext(ctx, stmt)
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		level := slog.LevelInfo
		attrs := []slog.Attr{slog.String("sql", stmt), slog.Duration("duration", time.Since(start))}
		if err != nil {
			level = slog.LevelError
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		l.LogAttrs(ctx, level, "relm migrate", attrs...)
	}
	return err
}
