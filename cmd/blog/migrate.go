package main

import (
	"context"
	"io"

	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/migrate"
)

// migrateCmd evolves a blog database to the blog's models: the
// subcommands of migrate.Main (diff, new NAME, up, down [N], status),
// with --dsn defaulting to the blog's sqlite:blog.db.
func migrateCmd(ctx context.Context, args []string, stdout, _ io.Writer) error {
	reg, err := blog.NewRegistry()
	if err != nil {
		return err
	}
	return migrate.MainWith(ctx, reg, args, migrate.Config{Program: "blog migrate", Stdout: stdout, DSN: defaultDSN})
}
