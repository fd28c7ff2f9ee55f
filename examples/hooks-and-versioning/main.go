// Hooks and versioning: a wiki page that stamps itself before each write,
// an audit log of every write, and two editors saving the same page at once
// without losing either edit.
//
// The SQLAlchemy it mirrors:
//
//	class Page(Base):
//	    __tablename__ = "page"
//	    id = Column(Integer, primary_key=True)
//	    title = Column(String(255))
//	    body = Column(Text)
//	    updated_at = Column(DateTime)
//	    version = Column(Integer, nullable=False)
//	    __mapper_args__ = {"version_id_col": version}
//
//	@event.listens_for(Page, "before_insert")
//	@event.listens_for(Page, "before_update")
//	def stamp(mapper, connection, page):
//	    page.updated_at = now()
//
//	@event.listens_for(Session, "after_flush")   # the audit log
//	...
//	try:
//	    session.commit()
//	except StaleDataError:
//	    session.rollback(); session.refresh(page); ...  # apply again
//
// Run it with: go run ./examples/hooks-and-versioning
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/mapping"
)

// Page is a wiki page: BeforeInsert and BeforeUpdate stamp UpdatedAt, and
// Version guards against lost updates.
type Page struct {
	ID        int
	Title     string
	Body      string `relm:"type:text"`
	UpdatedAt time.Time
	Version   int `relm:"version"`
}

func (Page) TableName() string { return "page" }

// clock is the time the hooks stamp; fixed, so that the output is stable.
var clock = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

func now() time.Time {
	clock = clock.Add(time.Minute)
	return clock
}

// BeforeInsert stamps a new page; the INSERT carries the stamp.
func (p *Page) BeforeInsert(ctx context.Context, s *relm.Session) error {
	p.UpdatedAt = now()
	return nil
}

// BeforeUpdate refuses an empty title and stamps the page; the UPDATE
// carries the stamp.
func (p *Page) BeforeUpdate(ctx context.Context, s *relm.Session) error {
	if p.Title == "" {
		return errors.New("a page needs a title")
	}
	p.UpdatedAt = now()
	return nil
}

// audit is a flush listener: it hears of every object written.
func audit(ctx context.Context, s *relm.Session, ev relm.Event, obj any) error {
	if p, ok := obj.(*Page); ok && (ev == relm.EventAfterInsert || ev == relm.EventAfterUpdate) {
		fmt.Printf("  audit: %s page %d %q v%d at %s\n", ev, p.ID, p.Title, p.Version, p.UpdatedAt.Format("15:04"))
	}
	return nil
}

// edit loads the page in a new session, applies change and commits; on a
// stale version it refreshes the page and applies the change again.
func edit(ctx context.Context, db *relm.DB, reg *mapping.Registry, who string, id int, change func(*Page), before func()) error {
	s := relm.NewSession(db, reg, relm.OnFlush(audit))
	defer s.Close()
	p, err := relm.Get[Page](ctx, s, id)
	if err != nil {
		return err
	}
	if before != nil {
		before() // the other editor saves meanwhile
	}
	for attempt := 1; ; attempt++ {
		change(p)
		err := s.Commit(ctx)
		var stale *relm.StaleObjectError
		if !errors.As(err, &stale) || attempt == 3 {
			return err
		}
		fmt.Printf("%s: stale (%s %v at version %d), refreshing\n", who, stale.Type, stale.Key, stale.Version)
		if err := s.Refresh(ctx, p); err != nil {
			return err
		}
	}
}

func run(ctx context.Context) error {
	db, err := relm.Open(ctx, "sqlite::memory:")
	if err != nil {
		return err
	}
	defer db.Close()
	reg := mapping.NewRegistry()
	if err := reg.Register(&Page{}); err != nil {
		return err
	}
	if err := reg.CreateAll(ctx, db); err != nil {
		return err
	}

	fmt.Println("create:")
	s := relm.NewSession(db, reg, relm.OnFlush(audit))
	defer s.Close()
	page := &Page{Title: "Home", Body: "Welcome."}
	if err := s.Add(page); err != nil {
		return err
	}
	if err := s.Commit(ctx); err != nil {
		return err
	}

	fmt.Println("a Before hook refuses:")
	page.Title = ""
	fmt.Println(" ", s.Commit(ctx))
	if err := s.Rollback(ctx); err != nil {
		return err
	}

	fmt.Println("two editors at once:")
	err = edit(ctx, db, reg, "bob", page.ID, func(p *Page) { p.Body += " Bob was here." }, func() {
		if err := edit(ctx, db, reg, "alice", page.ID, func(p *Page) { p.Title = "Home page" }, nil); err != nil {
			fmt.Println("alice:", err)
		}
	})
	if err != nil {
		return err
	}

	if err := s.Refresh(ctx, page); err != nil {
		return err
	}
	fmt.Printf("finally: %q %q v%d at %s\n", page.Title, page.Body, page.Version, page.UpdatedAt.Format("15:04"))
	return nil
}

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
