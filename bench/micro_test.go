package bench

import (
	"fmt"
	"strings"
	"testing"

	"github.com/relmorm/relm"
)

// Workload (d): the micro operations of go-orm-benchmarks on its one-table
// model (id + 7 columns): insert one, insert 100 in one statement, update
// one by key, read one by key, read 100. relm opens a session per
// operation, as a request handler does; GORM runs without its implicit
// transaction (SkipDefaultTransaction, as go-orm-benchmarks configures it).

var micro = []string{"raw", "relm", "gorm", "bun", "pgx"}

// truncModels empties the table (outside the timer).
func (e *env) truncModels(b *testing.B) {
	stmt := "DELETE FROM models"
	if e.name != "sqlite" {
		stmt = "TRUNCATE TABLE models"
	}
	if _, err := e.db.ExecContext(ctx, stmt); err != nil {
		b.Fatal(err)
	}
}

func (e *env) modelCols() string {
	return "name, title, fax, web, age, " + e.q("right") + ", counter"
}

func (e *env) modelPlaceholders(start int) string {
	var sb strings.Builder
	sb.WriteByte('(')
	for i := range 7 {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(e.ph(start + i))
	}
	sb.WriteByte(')')
	return sb.String()
}

func BenchmarkInsertOne(b *testing.B) {
	each(b, micro, func(b *testing.B, e *env, orm string) {
		e.truncModels(b)
		op := microInsert(e, orm, 1, false)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := op(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkInsertMulti(b *testing.B) {
	benchInsertMulti(b, false)
}

// BenchmarkInsertMultiDistinct is InsertMulti with rows that differ from
// one call to the next (each row's counter is new), as a program's data
// does. It is not one of the workloads: it shows what happens to a
// contender that writes values into the statement's text (Bun) once that
// text no longer repeats, and so no cached prepared statement serves it.
func BenchmarkInsertMultiDistinct(b *testing.B) {
	benchInsertMulti(b, true)
}

func benchInsertMulti(b *testing.B, distinct bool) {
	each(b, micro, func(b *testing.B, e *env, orm string) {
		e.truncModels(b)
		op := microInsert(e, orm, 100, distinct)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := op(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// microInsert returns an operation that inserts n new models (n == 1: one
// object; otherwise a slice in one statement) and checks their keys. With
// distinct, every row gets a counter value of its own (the same sequence
// for every contender); without, every row is the same.
func microInsert(e *env, orm string, n int, distinct bool) func() error {
	name, title, fax, web, age, right, start := newModelFields()
	next := start
	counter := func() int64 {
		if !distinct {
			return start
		}
		next++
		return next
	}
	check := func(id int) error {
		if id == 0 {
			return fmt.Errorf("%s: no key after insert", orm)
		}
		return nil
	}
	switch orm {
	case "relm":
		return func() error {
			s := relm.NewSession(e.relm, e.microReg)
			defer s.Close()
			ms := make([]*Model, n)
			for i := range ms {
				ms[i] = &Model{Name: name, Title: title, Fax: fax, Web: web, Age: age, Right: right, Counter: counter()}
			}
			if n == 1 {
				if err := s.Add(ms[0]); err != nil {
					return err
				}
			} else if err := s.AddAll(ms); err != nil {
				return err
			}
			if err := s.Commit(ctx); err != nil {
				return err
			}
			return check(ms[n-1].ID)
		}
	case "gorm":
		return func() error {
			ms := make([]*gModel, n)
			for i := range ms {
				ms[i] = &gModel{Name: name, Title: title, Fax: fax, Web: web, Age: age, Right: right, Counter: counter()}
			}
			var err error
			if n == 1 {
				err = e.gorm.Create(ms[0]).Error
			} else {
				err = e.gorm.Create(&ms).Error
			}
			if err != nil {
				return err
			}
			return check(ms[n-1].ID)
		}
	case "bun":
		return func() error {
			ms := make([]*bModel, n)
			for i := range ms {
				ms[i] = &bModel{Name: name, Title: title, Fax: fax, Web: web, Age: age, Right: right, Counter: counter()}
			}
			var err error
			if n == 1 {
				_, err = e.bun.NewInsert().Model(ms[0]).Exec(ctx)
			} else {
				_, err = e.bun.NewInsert().Model(&ms).Exec(ctx)
			}
			if err != nil {
				return err
			}
			return check(ms[n-1].ID)
		}
	case "raw", "pgx":
		var sb strings.Builder
		sb.WriteString("INSERT INTO models (" + e.modelCols() + ") VALUES ")
		for i := range n {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(e.modelPlaceholders(1 + 7*i))
		}
		sb.WriteString(" RETURNING id")
		query := sb.String()
		return func() error {
			ms := make([]*rawModel, n)
			args := make([]any, 0, 7*n)
			for i := range ms {
				m := &rawModel{Name: name, Title: title, Fax: fax, Web: web, Age: age, Right: right, Counter: counter()}
				ms[i] = m
				args = append(args, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter)
			}
			if n == 1 {
				var err error
				if orm == "pgx" {
					err = e.pgx.QueryRow(ctx, query, args...).Scan(&ms[0].ID)
				} else {
					err = e.db.QueryRowContext(ctx, query, args...).Scan(&ms[0].ID)
				}
				if err != nil {
					return err
				}
				return check(ms[0].ID)
			}
			ids := make([]int, 0, n)
			if orm == "pgx" {
				rows, err := e.pgx.Query(ctx, query, args...)
				if err != nil {
					return err
				}
				for rows.Next() {
					var id int
					if err := rows.Scan(&id); err != nil {
						rows.Close()
						return err
					}
					ids = append(ids, id)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
			} else {
				rows, err := e.db.QueryContext(ctx, query, args...)
				if err != nil {
					return err
				}
				for rows.Next() {
					var id int
					if err := rows.Scan(&id); err != nil {
						rows.Close()
						return err
					}
					ids = append(ids, id)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
			}
			if len(ids) != n {
				return fmt.Errorf("%d keys for %d rows", len(ids), n)
			}
			for i, m := range ms {
				m.ID = ids[i]
			}
			return check(ms[n-1].ID)
		}
	}
	panic("unknown contender " + orm)
}

// seedModels inserts n models with hand-written SQL (outside the timer) and
// returns the first key.
func (e *env) seedModels(b *testing.B, n int) int {
	e.truncModels(b)
	if err := microInsert(e, "raw", n, false)(); err != nil {
		b.Fatal(err)
	}
	var id int
	if err := e.db.QueryRowContext(ctx, "SELECT MIN(id) FROM models").Scan(&id); err != nil {
		b.Fatal(err)
	}
	return id
}

// BenchmarkUpdate updates every column of one row by key, as
// go-orm-benchmarks does (GORM Save, Bun WherePK, relm: the object added to
// a new session with its key set, which the session takes as an existing
// row to update). Counter changes each time so that every UPDATE changes the
// row (MySQL counts changed rows, and GORM's Save turns 0 into an INSERT).
func BenchmarkUpdate(b *testing.B) {
	each(b, micro, func(b *testing.B, e *env, orm string) {
		id := e.seedModels(b, 1)
		name, title, fax, web, age, right, counter := newModelFields()
		var op func() error
		switch orm {
		case "relm":
			m := &Model{ID: id, Name: name, Title: title, Fax: fax, Web: web, Age: age, Right: right, Counter: counter}
			op = func() error {
				m.Counter++
				s := relm.NewSession(e.relm, e.microReg)
				defer s.Close()
				if err := s.Save(m); err != nil {
					return err
				}
				return s.Commit(ctx)
			}
		case "gorm":
			m := &gModel{ID: id, Name: name, Title: title, Fax: fax, Web: web, Age: age, Right: right, Counter: counter}
			op = func() error {
				m.Counter++
				return e.gorm.Save(m).Error
			}
		case "bun":
			m := &bModel{ID: id, Name: name, Title: title, Fax: fax, Web: web, Age: age, Right: right, Counter: counter}
			op = func() error {
				m.Counter++
				_, err := e.bun.NewUpdate().Model(m).WherePK().Exec(ctx)
				return err
			}
		case "raw", "pgx":
			m := &rawModel{ID: id, Name: name, Title: title, Fax: fax, Web: web, Age: age, Right: right, Counter: counter}
			query := "UPDATE models SET name = " + e.ph(1) + ", title = " + e.ph(2) + ", fax = " + e.ph(3) + ", web = " + e.ph(4) +
				", age = " + e.ph(5) + ", " + e.q("right") + " = " + e.ph(6) + ", counter = " + e.ph(7) + " WHERE id = " + e.ph(8)
			op = func() error {
				m.Counter++
				var n int64
				if orm == "pgx" {
					tag, err := e.pgx.Exec(ctx, query, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter, m.ID)
					if err != nil {
						return err
					}
					n = tag.RowsAffected()
				} else {
					res, err := e.db.ExecContext(ctx, query, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter, m.ID)
					if err != nil {
						return err
					}
					if n, err = res.RowsAffected(); err != nil {
						return err
					}
				}
				if n != 1 {
					return fmt.Errorf("updated %d rows", n)
				}
				return nil
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := op(); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		var got int64
		if err := e.db.QueryRowContext(ctx, "SELECT counter FROM models WHERE id = "+e.ph(1), id).Scan(&got); err != nil {
			b.Fatal(err)
		}
		if got != counter+int64(b.N) {
			b.Fatalf("%s: counter is %d after %d updates from %d", orm, got, b.N, counter)
		}
	})
}

// BenchmarkRead reads one row by key (relm: Get in a new session, so the
// identity map does not answer).
func BenchmarkRead(b *testing.B) {
	each(b, micro, func(b *testing.B, e *env, orm string) {
		id := e.seedModels(b, 1)
		query := "SELECT id, " + e.modelCols() + " FROM models WHERE id = " + e.ph(1)
		var op func() (int, error)
		switch orm {
		case "relm":
			op = func() (int, error) {
				s := relm.NewSession(e.relm, e.microReg)
				defer s.Close()
				m, err := relm.Get[Model](ctx, s, id)
				if err != nil {
					return 0, err
				}
				return m.ID, nil
			}
		case "gorm":
			op = func() (int, error) {
				var m gModel
				err := e.gorm.Take(&m, id).Error
				return m.ID, err
			}
		case "bun":
			op = func() (int, error) {
				var m bModel
				err := e.bun.NewSelect().Model(&m).Where("id = ?", id).Scan(ctx)
				return m.ID, err
			}
		case "raw":
			op = func() (int, error) {
				var m rawModel
				err := e.db.QueryRowContext(ctx, query, id).Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter)
				return m.ID, err
			}
		case "pgx":
			op = func() (int, error) {
				var m rawModel
				err := e.pgx.QueryRow(ctx, query, id).Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter)
				return m.ID, err
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			got, err := op()
			if err != nil {
				b.Fatal(err)
			}
			if got != id {
				b.Fatalf("read key %d, want %d", got, id)
			}
		}
	})
}

// BenchmarkReadSlice reads 100 rows: WHERE id > 0 LIMIT 100.
func BenchmarkReadSlice(b *testing.B) {
	each(b, micro, func(b *testing.B, e *env, orm string) {
		e.seedModels(b, 100)
		query := "SELECT id, " + e.modelCols() + " FROM models WHERE id > " + e.ph(1) + " LIMIT 100"
		var op func() (int, error)
		switch orm {
		case "relm":
			op = func() (int, error) {
				s := relm.NewSession(e.relm, e.microReg)
				defer s.Close()
				ms, err := relm.Select[Model](s).Where(relm.Gt("ID", 0)).Limit(100).All(ctx)
				return len(ms), err
			}
		case "gorm":
			op = func() (int, error) {
				var ms []*gModel
				err := e.gorm.Where("id > ?", 0).Limit(100).Find(&ms).Error
				return len(ms), err
			}
		case "bun":
			op = func() (int, error) {
				var ms []*bModel
				err := e.bun.NewSelect().Model(&ms).Where("id > ?", 0).Limit(100).Scan(ctx)
				return len(ms), err
			}
		case "raw":
			op = func() (int, error) {
				rows, err := e.db.QueryContext(ctx, query, 0)
				if err != nil {
					return 0, err
				}
				defer rows.Close()
				ms := make([]*rawModel, 0, 100)
				for rows.Next() {
					m := &rawModel{}
					if err := rows.Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter); err != nil {
						return 0, err
					}
					ms = append(ms, m)
				}
				return len(ms), rows.Err()
			}
		case "pgx":
			op = func() (int, error) {
				rows, err := e.pgx.Query(ctx, query, 0)
				if err != nil {
					return 0, err
				}
				defer rows.Close()
				ms := make([]*rawModel, 0, 100)
				for rows.Next() {
					m := &rawModel{}
					if err := rows.Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter); err != nil {
						return 0, err
					}
					ms = append(ms, m)
				}
				return len(ms), rows.Err()
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			n, err := op()
			if err != nil {
				b.Fatal(err)
			}
			if n != 100 {
				b.Fatalf("read %d rows, want 100", n)
			}
		}
	})
}
