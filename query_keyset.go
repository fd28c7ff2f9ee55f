package relm

// Keyset pagination: the next page starts after the last row of the
// previous one, by the values of the ordering's fields, rather than by
// skipping Offset rows (which the database reads and throws away):
//
//	page, _ := relm.Select[blog.Article](s).OrderBy("PublishedAt desc", "ID").Limit(20).All(ctx)
//	last := page[len(page)-1]
//	next, _ := relm.Select[blog.Article](s).OrderBy("PublishedAt desc", "ID").
//		After(last.PublishedAt, last.ID).Limit(20).All(ctx)
//
// The ordering should end with a unique field (the key), so that no two
// rows have the same values and none is skipped or repeated.

// After keeps the rows that come after key in the query's OrderBy: one
// value per OrderBy term, in its order. All terms ascending (or all
// descending) is a row-value comparison, (a, b) > (?, ?); mixed directions
// are spelled out, a < ? OR (a = ? AND b > ?). No OrderBy, a count of
// values that differs from the terms', a nil value (NULL has no place in
// the order) or one of the wrong type is an error before SQL.
func (q *Query[T]) After(key ...any) *Query[T] {
	return q.Where(keysetCond{terms: q.orderTerms, key: key, what: q.typeName})
}

// Before keeps the rows that come before key in the query's OrderBy, in
// that order (with Limit, the first rows of the order, not those nearest
// the key: to page backwards, reverse the OrderBy and use After).
func (q *Query[T]) Before(key ...any) *Query[T] {
	return q.Where(keysetCond{terms: q.orderTerms, key: key, before: true, what: q.typeName})
}

func (q *Query[T]) typeName() string {
	if q.m == nil {
		return "?"
	}
	return q.m.Name()
}

// keysetCond is After or Before: it reads the query's ordering when built,
// so OrderBy may come before or after it.
type keysetCond struct {
	terms  func(root *scope) ([]orderTerm, error)
	key    []any
	before bool
	what   func() string
}

func (c keysetCond) build(b *condBuilder, sc *scope) error {
	op := "After"
	if c.before {
		op = "Before"
	}
	terms, err := c.terms(sc)
	if err != nil {
		return err
	}
	switch {
	case len(terms) == 0:
		return badQuery("%s on %s: no OrderBy; keyset pagination continues an order", op, c.what())
	case len(terms) != len(c.key):
		return badQuery("%s on %s: %d values for %d OrderBy terms", op, c.what(), len(c.key), len(terms))
	}
	vals := make([]any, len(c.key))
	same := true
	for i, t := range terms {
		v, isNull, err := checkValue(t.f, c.key[i])
		if err != nil {
			return err
		}
		if isNull {
			return badQuery("%s on %s: nil for %s.%s; a NULL has no place in the order", op, c.what(), t.f.Mapper.Name(), t.f.Name)
		}
		vals[i] = v
		same = same && t.desc == terms[0].desc
	}
	if same {
		c.rowValue(b, terms, vals)
		return nil
	}
	c.expanded(b, terms, vals)
	return nil
}

// cmp is the comparison that keeps the rows past a term's value.
func (c keysetCond) cmp(t orderTerm) string {
	if t.desc != c.before {
		return " < "
	}
	return " > "
}

// rowValue writes (a, b) > (?, ?), or a > ? for one term.
func (c keysetCond) rowValue(b *condBuilder, terms []orderTerm, vals []any) {
	many := len(terms) > 1
	if many {
		b.buf = append(b.buf, '(')
	}
	for i, t := range terms {
		if i > 0 {
			b.buf = append(b.buf, ", "...)
		}
		b.column(t.sc, t.f)
	}
	if many {
		b.buf = append(b.buf, ')')
	}
	b.buf = append(b.buf, c.cmp(terms[0])...)
	if many {
		b.buf = append(b.buf, '(')
	}
	for i, v := range vals {
		if i > 0 {
			b.buf = append(b.buf, ", "...)
		}
		b.placeholder(v)
	}
	if many {
		b.buf = append(b.buf, ')')
	}
}

// expanded writes (a < ? OR (a = ? AND b > ?) OR …), for mixed directions.
func (c keysetCond) expanded(b *condBuilder, terms []orderTerm, vals []any) {
	b.buf = append(b.buf, '(')
	for i := range terms {
		if i > 0 {
			b.buf = append(b.buf, " OR ("...)
		}
		for j := 0; j < i; j++ {
			b.column(terms[j].sc, terms[j].f)
			b.buf = append(b.buf, " = "...)
			b.placeholder(vals[j])
			b.buf = append(b.buf, " AND "...)
		}
		b.column(terms[i].sc, terms[i].f)
		b.buf = append(b.buf, c.cmp(terms[i])...)
		b.placeholder(vals[i])
		if i > 0 {
			b.buf = append(b.buf, ')')
		}
	}
	b.buf = append(b.buf, ')')
}
