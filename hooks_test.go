package relm_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// hookCalls records the hooks that ran, as "Hook Title".
var hookCalls []string

// failOn makes the hook of that name fail for the object of that title.
var failOn struct{ hook, title string }

var errHook = errors.New("hook says no")

// HookPost has every hook.
type HookPost struct {
	ID     int `relm:"pk"`
	Title  string
	Slug   string
	Edits  int
	Loaded bool        `relm:"-"`
	Notes  []*HookNote `relm:"back_populates:Post;cascade:all,delete-orphan"`
}

// HookNote belongs to a post; it has Before hooks only.
type HookNote struct {
	ID     int `relm:"pk"`
	Text   string
	PostID *int      `relm:"fk:hook_posts.id"`
	Post   *HookPost `relm:"back_populates:Notes"`
}

func (p *HookPost) TableName() string { return "hook_posts" }
func (n *HookNote) TableName() string { return "hook_notes" }

func (p *HookPost) record(hook string) error {
	hookCalls = append(hookCalls, hook+" "+p.Title)
	if failOn.hook == hook && failOn.title == p.Title {
		return errHook
	}
	return nil
}

func (p *HookPost) BeforeInsert(ctx context.Context, s *relm.Session) error {
	p.Slug = strings.ToLower(strings.ReplaceAll(p.Title, " ", "-"))
	if p.Title == "with note" {
		p.Notes = append(p.Notes, &HookNote{Text: "added by BeforeInsert"})
	}
	return p.record("BeforeInsert")
}

func (p *HookPost) AfterInsert(ctx context.Context, s *relm.Session) error {
	if p.ID == 0 {
		return fmt.Errorf("AfterInsert without a key")
	}
	return p.record("AfterInsert")
}

func (p *HookPost) BeforeUpdate(ctx context.Context, s *relm.Session) error {
	p.Edits++
	return p.record("BeforeUpdate")
}

func (p *HookPost) AfterUpdate(ctx context.Context, s *relm.Session) error {
	return p.record("AfterUpdate")
}

func (p *HookPost) BeforeDelete(ctx context.Context, s *relm.Session) error {
	return p.record("BeforeDelete")
}

func (p *HookPost) AfterDelete(ctx context.Context, s *relm.Session) error {
	return p.record("AfterDelete")
}

func (p *HookPost) AfterLoad(ctx context.Context, s *relm.Session) error {
	p.Loaded = true
	return p.record("AfterLoad")
}

func (n *HookNote) BeforeInsert(ctx context.Context, s *relm.Session) error {
	hookCalls = append(hookCalls, "BeforeInsert note "+n.Text)
	return nil
}

func (n *HookNote) BeforeDelete(ctx context.Context, s *relm.Session) error {
	hookCalls = append(hookCalls, "BeforeDelete note "+n.Text)
	return nil
}

func hookSession(t *testing.T, db *relm.DB, log *testdb.Log, opts ...relm.SessionOption) *relm.Session {
	t.Helper()
	reg := registry(t, &HookPost{}, &HookNote{})
	newSession(t, db, log, reg)
	s := relm.NewSession(db, reg, opts...)
	t.Cleanup(func() { s.Close() })
	hookCalls, failOn.hook, failOn.title = nil, "", ""
	return s
}

func wantCalls(t *testing.T, want ...string) {
	t.Helper()
	if !slices.Equal(hookCalls, want) {
		t.Fatalf("hooks ran:\n  %s\nwant:\n  %s", strings.Join(hookCalls, "\n  "), strings.Join(want, "\n  "))
	}
	hookCalls = nil
}

// Before hooks change columns and relationships, and the same flush writes
// them: the slug is in the INSERT, the note BeforeInsert added is inserted
// (its own hook runs, after its parent's), and BeforeUpdate's counter in
// the UPDATE. Each hook runs once per object per flush, in flush order.
func TestHooksChangesFlushed(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := hookSession(t, db, log)
		a, b := &HookPost{Title: "First Post"}, &HookPost{Title: "with note"}
		// The note arrives first, but its parent's hook runs first: flush
		// order, parents first.
		must(t, s.AddAll(&HookNote{Text: "early", Post: b}, a, b))
		log.Reset()
		must(t, s.Commit(ctx))
		wantCalls(t, "BeforeInsert First Post", "BeforeInsert with note",
			"BeforeInsert note early", "BeforeInsert note added by BeforeInsert",
			"AfterInsert First Post", "AfterInsert with note")
		if got := queryStrings(t, db, "SELECT slug FROM hook_posts ORDER BY id"); !slices.Equal(got, []string{"first-post", "with-note"}) {
			t.Fatalf("slugs %v", got)
		}
		if n := countRows(t, db, "hook_notes"); n != 2 {
			t.Fatalf("%d notes, want 2 (one added by BeforeInsert)", n)
		}
		if n := log.Count("UPDATE"); n != 0 {
			t.Fatalf("the hooks' changes took %d UPDATEs, want none:\n%s", n, log)
		}

		a.Title = "First Post, edited"
		log.Reset()
		must(t, s.Commit(ctx))
		wantCalls(t, "BeforeUpdate First Post, edited", "AfterUpdate First Post, edited")
		if n := queryInt(t, db, "SELECT edits FROM hook_posts WHERE id = ?", a.ID); n != 1 {
			t.Fatalf("edits = %d, want 1 (set by BeforeUpdate, written by the same UPDATE)", n)
		}
		if n := log.Count("UPDATE"); n != 1 {
			t.Fatalf("%d UPDATEs, want 1:\n%s", n, log)
		}
		// Nothing changed: no hook.
		must(t, s.Commit(ctx))
		wantCalls(t)

		// A collection change alone makes the parent dirty.
		if len(b.Notes) != 2 {
			t.Fatalf("b has %d notes, want 2", len(b.Notes))
		}
		kept, dropped := b.Notes[0].Text, b.Notes[1].Text
		b.Notes = b.Notes[:1]
		must(t, s.Commit(ctx))
		wantCalls(t, "BeforeUpdate with note", "BeforeDelete note "+dropped, "AfterUpdate with note")

		// Delete: BeforeDelete of the cascade's children first.
		must(t, s.Delete(b))
		must(t, s.Commit(ctx))
		wantCalls(t, "BeforeDelete note "+kept, "BeforeDelete with note", "AfterDelete with note")
		if n := countRows(t, db, "hook_notes"); n != 0 {
			t.Fatalf("%d notes left", n)
		}
	})
}

// A Before hook's error aborts the flush: nothing is written, the
// transaction rolls back, the objects are as before the commit (a new
// object's key cleared), and the error names the model and key and wraps
// the hook's.
func TestHooksBeforeErrorAborts(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := hookSession(t, db, log)
		a := &HookPost{Title: "a"}
		must(t, s.Add(a))
		must(t, s.Commit(ctx))
		hookCalls = nil

		a.Title = "bad"
		b := &HookPost{Title: "b"}
		must(t, s.Add(b))
		failOn.hook, failOn.title = "BeforeUpdate", "bad"
		log.Reset()
		err := s.Commit(ctx)
		if !errors.Is(err, errHook) {
			t.Fatalf("commit: %v, want the hook's error", err)
		}
		if want := fmt.Sprintf("BeforeUpdate of HookPost %d", a.ID); !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not name %q", err, want)
		}
		for _, st := range log.Statements() {
			if k := kind(st); k == "INSERT" || k == "UPDATE" || k == "DELETE" {
				t.Fatalf("a statement was sent after the hook failed: %s", st)
			}
		}
		if n := countRows(t, db, "hook_posts"); n != 1 {
			t.Fatalf("%d posts, want 1", n)
		}
		if b.ID != 0 {
			t.Fatalf("b has key %d after the failed commit", b.ID)
		}
		// The program's changes stay, so that it may commit again.
		failOn.hook = ""
		must(t, s.Commit(ctx))
		if got := queryStrings(t, db, "SELECT title FROM hook_posts ORDER BY id"); !slices.Equal(got, []string{"bad", "b"}) {
			t.Fatalf("titles %v", got)
		}

		// An After hook's error rolls the flush back too.
		c := &HookPost{Title: "c"}
		must(t, s.Add(c))
		failOn.hook, failOn.title = "AfterInsert", "c"
		if err := s.Commit(ctx); !errors.Is(err, errHook) || !strings.Contains(err.Error(), "AfterInsert of HookPost") {
			t.Fatalf("commit: %v, want AfterInsert's error", err)
		}
		if n := countRows(t, db, "hook_posts"); n != 2 {
			t.Fatalf("%d posts after AfterInsert failed, want 2", n)
		}
		if c.ID != 0 {
			t.Fatalf("c has key %d after the rolled-back commit", c.ID)
		}
	})
}

// AfterLoad runs for objects a query or Get makes, once; not for a row
// whose object the session holds. A hook may query through its session.
func TestHooksAfterLoad(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := hookSession(t, db, log)
		must(t, s.AddAll(&HookPost{Title: "x"}, &HookPost{Title: "y"}))
		must(t, s.Commit(ctx))
		s2 := relm.NewSession(db, s.Registry())
		defer s2.Close()
		hookCalls = nil
		posts, err := relm.Select[HookPost](s2).OrderBy("id").All(ctx)
		must(t, err)
		wantCalls(t, "AfterLoad x", "AfterLoad y")
		if !posts[0].Loaded {
			t.Fatal("AfterLoad did not change the object")
		}
		if _, err := relm.Get[HookPost](ctx, s2, posts[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := relm.Select[HookPost](s2).All(ctx); err != nil {
			t.Fatal(err)
		}
		wantCalls(t) // in the session already

		failOn.hook, failOn.title = "AfterLoad", "x"
		s3 := relm.NewSession(db, s.Registry())
		defer s3.Close()
		if _, err := relm.Get[HookPost](ctx, s3, posts[0].ID); !errors.Is(err, errHook) {
			t.Fatalf("Get: %v, want AfterLoad's error", err)
		}
	})
}

// A flush listener hears every object's events, after its own hook; a
// hook or listener may query through the session but not commit.
func TestHooksListener(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		var heard []string
		var inner error
		s := hookSession(t, db, log, relm.OnFlush(func(ctx context.Context, s *relm.Session, ev relm.Event, obj any) error {
			switch o := obj.(type) {
			case *HookPost:
				heard = append(heard, ev.String()+" "+o.Title)
				if ev == relm.EventBeforeInsert {
					_, err := relm.Select[HookPost](s).Count(ctx)
					if err == nil {
						err = s.Commit(ctx)
					}
					inner = err
				}
			case *HookNote:
				heard = append(heard, ev.String()+" note")
			}
			return nil
		}))
		p := &HookPost{Title: "p", Notes: []*HookNote{{Text: "n"}}}
		must(t, s.Add(p))
		must(t, s.Commit(ctx))
		want := []string{"BeforeInsert p", "BeforeInsert note", "AfterInsert p", "AfterInsert note"}
		if !slices.Equal(heard, want) {
			t.Fatalf("heard %v, want %v", heard, want)
		}
		if !errors.Is(inner, relm.ErrInHook) {
			t.Fatalf("Commit from a listener: %v, want ErrInHook", inner)
		}
		wantCalls(t, "BeforeInsert p", "BeforeInsert note n", "AfterInsert p")
		heard = nil
		// Nothing changed (the note's Post is its snapshot's): nothing heard.
		must(t, s.Commit(ctx))
		if len(heard) != 0 {
			t.Fatalf("a commit with no change: heard %v", heard)
		}
		// In a new session, loaded objects with their references.
		s2 := relm.NewSession(db, s.Registry(), relm.OnFlush(func(ctx context.Context, s *relm.Session, ev relm.Event, obj any) error {
			heard = append(heard, ev.String())
			return nil
		}))
		defer s2.Close()
		notes, err := relm.Select[HookNote](s2).Joined("Post").All(ctx)
		must(t, err)
		must(t, relm.Load(ctx, s2, notes[0].Post, "Notes"))
		must(t, s2.Commit(ctx))
		if len(heard) != 0 {
			t.Fatalf("a commit of loaded objects with no change: heard %v", heard)
		}
		notes[0].Text = "m"
		must(t, s2.Commit(ctx))
		if !slices.Equal(heard, []string{"BeforeUpdate", "AfterUpdate"}) {
			t.Fatalf("heard %v, want BeforeUpdate, AfterUpdate", heard)
		}
		heard = nil
		must(t, s.Delete(p))
		must(t, s.Commit(ctx))
		want = []string{"BeforeDelete note", "BeforeDelete p", "AfterDelete note", "AfterDelete p"}
		if !slices.Equal(heard, want) {
			t.Fatalf("heard %v, want %v", heard, want)
		}
	})
}

type valueHook struct {
	ID int `relm:"pk"`
}

func (v valueHook) BeforeUpdate(ctx context.Context, s *relm.Session) error { return nil }

type oddHook struct {
	ID int `relm:"pk"`
}

func (v *oddHook) AfterLoad() {}

// A hook on a value receiver, or a method with a hook's name and another
// signature, is refused when the model is mapped, naming it.
func TestHooksMappingErrors(t *testing.T) {
	err := mapping.NewRegistry().Register(&valueHook{})
	if err == nil || !strings.Contains(err.Error(), "valueHook.BeforeUpdate has a value receiver") {
		t.Fatalf("value receiver: %v", err)
	}
	err = mapping.NewRegistry().Register(&oddHook{})
	if err == nil || !strings.Contains(err.Error(), "oddHook.AfterLoad is func(*relm_test.oddHook), not a hook") {
		t.Fatalf("odd signature: %v", err)
	}
}
