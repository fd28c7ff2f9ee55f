package main

import (
	"context"
	"io"
	"strings"

	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/migrate"
)

// migrateCmd evolves a blog database to the blog's models: the
// subcommands of migrate.Main (check, diff, new NAME, up, down [N],
// status), with --dsn defaulting to the blog's sqlite:blog.db.
func migrateCmd(ctx context.Context, args []string, stdout, _ io.Writer) error {
	reg, err := blog.NewRegistry()
	if err != nil {
		return err
	}
	err = migrate.MainWith(ctx, reg, args, migrate.Config{Program: "blog migrate", Stdout: stdout, DSN: defaultDSN})
	if err != nil {
		// run prefixes "blog migrate: " itself.
		if msg, ok := strings.CutPrefix(err.Error(), "blog migrate "); ok {
			return trimmed{msg, err}
		}
	}
	return err
}

// trimmed is an error with its message shortened, still wrapping it.
type trimmed struct {
	msg string
	err error
}

func (e trimmed) Error() string { return e.msg }
func (e trimmed) Unwrap() error { return e.err }
