package mapping

import (
	"fmt"
	"strings"

	"github.com/relmorm/relm/schema"
)

// Diagram formats.
const (
	Mermaid = "mermaid"
	DOT     = "dot"
)

// Diagram renders the registry's entity-relationship diagram: every table
// with its columns and keys, and one edge per foreign key labelled with the
// relationships that use it. format is Mermaid (erDiagram text) or DOT
// (Graphviz).
func (reg *Registry) Diagram(format string) (string, error) {
	if err := reg.Configure(); err != nil {
		return "", err
	}
	tables, err := reg.md.Sorted()
	if err != nil {
		return "", err
	}
	edges := reg.edges()
	switch strings.ToLower(format) {
	case Mermaid, "":
		return mermaid(tables, edges), nil
	case DOT, "graphviz":
		return dot(tables, edges), nil
	}
	return "", fmt.Errorf("mapping: unknown diagram format %q; use %q or %q", format, Mermaid, DOT)
}

type edge struct {
	fk     *schema.ForeignKey
	labels []string
	oneOne bool // the referencing side holds at most one row per parent
}

// edges returns one edge per foreign key, labelled with the relationships
// that join through it.
func (reg *Registry) edges() []*edge {
	var out []*edge
	byFK := map[*schema.ForeignKey]*edge{}
	tables, _ := reg.md.Sorted()
	for _, t := range tables {
		for _, fk := range t.ForeignKeys() {
			e := &edge{fk: fk}
			byFK[fk] = e
			out = append(out, e)
		}
	}
	find := func(cols []*schema.Column) *edge {
		for fk, e := range byFK {
			if len(cols) == 1 && fk.Columns[0] == cols[0] {
				return e
			}
		}
		return nil
	}
	for _, m := range reg.sortedMappers() {
		for _, r := range m.Relationships {
			var e *edge
			switch r.Direction {
			case OneToMany:
				e = find(r.RemoteColumns)
				if e != nil && !r.Uselist {
					e.oneOne = true
				}
			case ManyToOne:
				e = find(r.LocalColumns)
			case ManyToMany:
				e = find(r.SecondaryLocal)
			}
			if e != nil {
				e.labels = append(e.labels, m.Name()+"."+r.Name)
			}
		}
	}
	return out
}

func isFK(c *schema.Column) bool { return c.References != "" }

func mermaid(tables []*schema.Table, edges []*edge) string {
	var b strings.Builder
	b.WriteString("erDiagram\n")
	for _, t := range tables {
		fmt.Fprintf(&b, "    %s {\n", t.Name)
		for _, c := range t.Columns {
			var keys []string
			if c.PrimaryKey {
				keys = append(keys, "PK")
			}
			if isFK(c) {
				keys = append(keys, "FK")
			}
			if c.Unique {
				keys = append(keys, "UK")
			}
			line := fmt.Sprintf("        %s %s", c.Type.Kind, c.Name)
			if len(keys) > 0 {
				line += " " + strings.Join(keys, ", ")
			}
			var notes []string
			if c.Type.Kind == schema.KindString {
				notes = append(notes, fmt.Sprintf("size %d", c.Type.Size))
			}
			if c.NotNull && !c.PrimaryKey {
				notes = append(notes, "not null")
			}
			if len(notes) > 0 {
				line += fmt.Sprintf(" %q", strings.Join(notes, ", "))
			}
			b.WriteString(line + "\n")
		}
		b.WriteString("    }\n")
	}
	for _, e := range edges {
		card := "}o"
		if e.oneOne {
			card = "|o"
		}
		left := "|o"
		if e.fk.Columns[0].NotNull {
			left = "||"
		}
		label := e.fk.Columns[0].Name
		if len(e.labels) > 0 {
			label = strings.Join(e.labels, " / ")
		}
		fmt.Fprintf(&b, "    %s %s--%s %s : %q\n", e.fk.RefTable.Name, left, card, e.fk.Columns[0].Table().Name, label)
	}
	return b.String()
}

func dot(tables []*schema.Table, edges []*edge) string {
	var b strings.Builder
	b.WriteString("digraph schema {\n    rankdir=LR;\n    node [shape=plaintext, fontname=\"Helvetica\"];\n")
	for _, t := range tables {
		fmt.Fprintf(&b, "    %q [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\">\n", t.Name)
		fmt.Fprintf(&b, "        <tr><td bgcolor=\"lightgrey\"><b>%s</b></td></tr>\n", htmlEscape(t.Name))
		for _, c := range t.Columns {
			mark := ""
			if c.PrimaryKey {
				mark = " PK"
			}
			if isFK(c) {
				mark += " FK"
			}
			fmt.Fprintf(&b, "        <tr><td port=%q align=\"left\">%s : %s%s</td></tr>\n", c.Name, htmlEscape(c.Name), htmlEscape(c.Type.String()), mark)
		}
		b.WriteString("    </table>>];\n")
	}
	for _, e := range edges {
		// A real newline: %q below writes it as \n, the DOT line break.
		label := strings.Join(e.labels, "\n")
		head := "crow"
		if e.oneOne {
			head = "tee"
		}
		fmt.Fprintf(&b, "    %q:%q -> %q:%q [label=%q, arrowhead=none, arrowtail=%s, dir=both];\n",
			e.fk.Columns[0].Table().Name, e.fk.Columns[0].Name, e.fk.RefTable.Name, e.fk.RefColumns[0].Name, label, head)
	}
	b.WriteString("}\n")
	return b.String()
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;").Replace(s)
}
