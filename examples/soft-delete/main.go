// Soft delete: a forum whose deleted threads and posts stay in their
// tables, hidden from every query and relationship load, until a moderator
// looks at them with WithDeleted, restores one, or purges them for good.
//
// The SQLAlchemy it mirrors (the with_loader_criteria recipe of its
// documentation, "ORM Query Events"):
//
//	class SoftDeleteMixin:
//	    deleted_at = Column(DateTime, nullable=True)
//
//	class Thread(SoftDeleteMixin, Base): ...
//	    posts = relationship("Post", cascade="all, delete-orphan")
//	class Post(SoftDeleteMixin, Base): ...
//
//	@event.listens_for(Session, "do_orm_execute")
//	def _hide_deleted(state):
//	    if state.is_select and not state.execution_options.get("include_deleted"):
//	        state.statement = state.statement.options(with_loader_criteria(
//	            SoftDeleteMixin, lambda cls: cls.deleted_at.is_(None),
//	            include_aliases=True))
//
//	thread.deleted_at = now()       # "delete" is an UPDATE the program writes
//	select(Thread).execution_options(include_deleted=True)
//	session.delete(thread)          # the real DELETE
//
// relm's `relm:"softdelete"` tag is GORM's gorm.DeletedAt: Session.Delete
// writes the UPDATE itself, for the delete cascade too.
//
// Run it with: go run ./examples/soft-delete
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/mapping"
)

// Thread is soft-deleted: Delete sets DeletedAt.
type Thread struct {
	ID        int
	Title     string
	DeletedAt *time.Time `relm:"softdelete"`
	Posts     []*Post    `relm:"back_populates:Thread;cascade:all,delete-orphan;order_by:ID"`
}

// Post is soft-deleted too, with its thread or alone.
type Post struct {
	ID        int
	Body      string
	ThreadID  int        `relm:"fk:threads.id"`
	Thread    *Thread    `relm:"back_populates:Posts"`
	DeletedAt *time.Time `relm:"softdelete"`
}

func bodies(ps []*Post) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Body)
	}
	return strings.Join(out, ", ")
}

func run(ctx context.Context) error {
	db, err := relm.Open(ctx, "sqlite::memory:")
	if err != nil {
		return err
	}
	defer db.Close()
	reg := mapping.NewRegistry()
	if err := reg.Register(&Thread{}, &Post{}); err != nil {
		return err
	}
	if err := reg.CreateAll(ctx, db); err != nil {
		return err
	}
	offTopicID, err := seedAndDelete(ctx, db, reg)
	if err != nil {
		return err
	}
	if err := readerView(ctx, db, reg, offTopicID); err != nil {
		return err
	}
	return moderatorView(ctx, db, reg)
}

// seedAndDelete writes two threads with their posts, then deletes a post
// and a thread (its post by the cascade): the rows stay, stamped. It
// returns the deleted thread's key.
func seedAndDelete(ctx context.Context, db *relm.DB, reg *mapping.Registry) (int, error) {
	s := relm.NewSession(db, reg)
	defer s.Close()
	welcome := &Thread{Title: "Welcome", Posts: []*Post{{Body: "hello"}, {Body: "spam"}, {Body: "hi all"}}}
	offTopic := &Thread{Title: "Off topic", Posts: []*Post{{Body: "cats"}}}
	if err := s.AddAll(welcome, offTopic); err != nil {
		return 0, err
	}
	if err := s.Commit(ctx); err != nil {
		return 0, err
	}
	fmt.Println("a post and a thread deleted:")
	if err := s.Delete(welcome.Posts[1]); err != nil { // spam
		return 0, err
	}
	if err := s.Delete(offTopic); err != nil { // and its post, by the cascade
		return 0, err
	}
	if err := s.Commit(ctx); err != nil {
		return 0, err
	}
	return offTopic.ID, postRows(ctx, db, "  the post table still has %d rows, %d of them deleted\n")
}

// readerView shows what a session without WithDeleted sees.
func readerView(ctx context.Context, db *relm.DB, reg *mapping.Registry, offTopicID int) error {
	fmt.Println("what readers see:")
	r := relm.NewSession(db, reg)
	defer r.Close()
	threads, err := relm.Select[Thread](r).OrderBy("ID").SelectIn("Posts").All(ctx)
	if err != nil {
		return err
	}
	for _, t := range threads {
		fmt.Printf("  %s: %s\n", t.Title, bodies(t.Posts))
	}
	n, err := relm.Select[Post](r).Count(ctx)
	if err != nil {
		return err
	}
	fmt.Println("  posts:", n)
	if _, err := relm.Get[Thread](ctx, r, offTopicID); errors.Is(err, relm.ErrNotFound) {
		fmt.Println("  Get of the deleted thread:", err)
	}
	return nil
}

// moderatorView loads everything WithDeleted, restores the deleted thread
// and purges the spam with HardDelete.
func moderatorView(ctx context.Context, db *relm.DB, reg *mapping.Registry) error {
	fmt.Println("what a moderator sees (WithDeleted):")
	m := relm.NewSession(db, reg)
	defer m.Close()
	all, err := relm.Select[Thread](m).WithDeleted().OrderBy("ID").SelectIn("Posts").All(ctx)
	if err != nil {
		return err
	}
	for _, t := range all {
		fmt.Printf("  %s (deleted: %v): %s\n", t.Title, t.DeletedAt != nil, bodies(t.Posts))
	}
	fmt.Println("the thread restored, the spam purged:")
	restored := all[1]
	restored.DeletedAt = nil
	for _, p := range restored.Posts {
		p.DeletedAt = nil
	}
	if err := m.HardDelete(all[0].Posts[1]); err != nil { // spam, for good
		return err
	}
	if err := m.Commit(ctx); err != nil {
		return err
	}
	return postRows(ctx, db, "  the post table has %d rows, %d of them deleted\n")
}

// postRows prints the posts table's row count and how many are deleted.
func postRows(ctx context.Context, db *relm.DB, format string) error {
	var rows, hidden int
	if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*), COUNT(deleted_at) FROM posts").Scan(&rows, &hidden); err != nil {
		return err
	}
	fmt.Printf(format, rows, hidden)
	return nil
}

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
