package main

import (
	"context"
	"fmt"
	"io"

	"github.com/relmorm/relm/blog"
)

// diagramCmd prints the blog's ER diagram.
func diagramCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("diagram", stdout)
	format := fs.String("format", "mermaid", "mermaid (erDiagram) or dot (Graphviz)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *format != "mermaid" && *format != "dot" {
		return fmt.Errorf("--format %q: want mermaid or dot", *format)
	}
	reg, err := blog.NewRegistry()
	if err != nil {
		return err
	}
	d, err := reg.Diagram(*format)
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, d)
	return err
}
