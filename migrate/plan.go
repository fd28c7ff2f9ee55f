package migrate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Kind is the kind of change a Step makes.
type Kind int

// The kinds of Step, in the order a Plan runs them.
const (
	DropForeignKey Kind = iota + 1 // drop a foreign key the models no longer declare
	DropIndex                      // drop an index the models no longer declare (or declare otherwise)
	DropUnique                     // drop a UNIQUE constraint the models no longer declare
	RenameColumn                   // rename a column, as a renamed_from tag declares
	AddColumn                      // add a column
	AlterType                      // change a column's type
	AlterNull                      // make a column NULL or NOT NULL
	AlterDefault                   // set, change or drop a column's DEFAULT
	DropColumn                     // drop a column the models no longer declare
	CreateTable                    // create a table, with its indexes (after the keys it references took their types)
	CreateIndex                    // create an index
	AddUnique                      // add a UNIQUE constraint
	AddForeignKey                  // add a foreign key
	DropTable                      // drop a table no model maps
)

var kindNames = map[Kind]string{
	DropForeignKey: "drop foreign key", DropIndex: "drop index", DropUnique: "drop unique",
	CreateTable: "create table", RenameColumn: "rename column", AddColumn: "add column",
	AlterType: "alter type", AlterNull: "alter null", AlterDefault: "alter default",
	DropColumn: "drop column", CreateIndex: "create index", AddUnique: "add unique",
	AddForeignKey: "add foreign key", DropTable: "drop table",
}

// String names the kind: "add column".
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Step is one change of a Plan, with the SQL that makes it and the SQL
// that undoes it.
type Step struct {
	Kind  Kind
	Table string
	// Name is the column, index, constraint or table the step changes.
	Name string
	// Description says what the step does, in a line: "add column
	// articles.views INTEGER NOT NULL (existing rows get 0)".
	Description string
	// Destructive marks a step that destroys data or may: dropping a
	// column or a table, narrowing a type or changing its family. Apply
	// and Up run such a step only with Options.AllowDestructive.
	Destructive bool
	// Irreversible marks a step whose Down cannot bring back what Up
	// removed (the values of a dropped column, the rows of a dropped
	// table): Down refuses it without Options.AllowDestructive.
	Irreversible bool
	// DownDestructive marks a step whose Down destroys data (dropping a
	// column that Up added, narrowing a type that Up widened).
	DownDestructive bool
	// Up holds the statements that make the change. On SQLite the steps
	// of a table that must be rebuilt share one rebuild, held by the
	// first of them; the others have no statements and Rebuilt set.
	Up []string
	// Down holds the statements that undo it, to run in order after the
	// Down of every later step.
	Down []string
	// Rebuilt reports that the step is made by rebuilding its table
	// (SQLite, whose ALTER TABLE cannot make it in place).
	Rebuilt bool
}

// String is the step's description, with [destructive] when it is.
func (s Step) String() string {
	if s.Destructive {
		return s.Description + " [destructive]"
	}
	return s.Description
}

// Plan is an ordered list of the changes that bring a live database to the
// schema of the models: foreign keys, indexes and constraints that go are
// dropped first, then columns are renamed, added, altered and dropped,
// tables created (their foreign keys to existing tables then find the
// keys' final types), indexes and constraints created, foreign keys added,
// and tables dropped last.
type Plan struct {
	// Dialect is the name of the dialect the SQL is written for.
	Dialect string
	Steps   []Step
	// Notes lists the differences the plan leaves alone because the
	// models can live with them: a column narrower than declared (the
	// INTEGER keys SQLAlchemy's create_all makes where relm declares
	// BIGINT) without Options.Widen, a primary key that differs.
	Notes []string
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Steps) == 0 }

// Destructive returns the steps that are Destructive.
func (p *Plan) Destructive() []Step {
	var out []Step
	for _, s := range p.Steps {
		if s.Destructive {
			out = append(out, s)
		}
	}
	return out
}

// Statements returns the statements of the plan's Up, in order.
func (p *Plan) Statements() []string {
	var out []string
	for _, s := range p.Steps {
		out = append(out, s.Up...)
	}
	return out
}

// DownStatements returns the statements that undo the plan: each step's
// Down, last step first.
func (p *Plan) DownStatements() []string {
	var out []string
	for i := len(p.Steps) - 1; i >= 0; i-- {
		out = append(out, p.Steps[i].Down...)
	}
	return out
}

// String lists the steps, one a line, then the notes.
func (p *Plan) String() string {
	var b strings.Builder
	for _, s := range p.Steps {
		b.WriteString(s.String())
		b.WriteByte('\n')
	}
	for _, n := range p.Notes {
		b.WriteString("note: " + n + "\n")
	}
	return b.String()
}

// SQL renders the plan's Up as an SQL script for its dialect: each step
// as a comment (marked DESTRUCTIVE where it is) followed by its
// statements, each ending with a semicolon on a line of its own.
func (p *Plan) SQL() string { return p.script(false) }

// DownSQL renders the statements that undo the plan, as SQL does.
func (p *Plan) DownSQL() string { return p.script(true) }

func (p *Plan) script(down bool) string {
	var b strings.Builder
	emit := func(s Step, stmts []string, destructive bool) {
		b.WriteString("-- ")
		if down {
			b.WriteString("undo: ")
		}
		b.WriteString(s.Description)
		if destructive {
			b.WriteString(" [DESTRUCTIVE]")
		}
		if s.Rebuilt && len(stmts) == 0 {
			b.WriteString(" (in the table's rebuild)")
		}
		b.WriteByte('\n')
		for _, st := range stmts {
			b.WriteString(st)
			b.WriteString("\n;\n")
		}
	}
	if !down {
		for _, s := range p.Steps {
			emit(s, s.Up, s.Destructive)
		}
		return b.String()
	}
	for i := len(p.Steps) - 1; i >= 0; i-- {
		s := p.Steps[i]
		if s.Irreversible {
			b.WriteString("-- IRREVERSIBLE: undoing this cannot restore the data it removed\n")
		}
		emit(s, s.Down, s.DownDestructive)
	}
	return b.String()
}

// Checksum is the SHA-256 of the plan's Up statements, in hex.
func (p *Plan) Checksum() string { return checksum(strings.Join(p.Statements(), "\n;\n")) }

func checksum(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
