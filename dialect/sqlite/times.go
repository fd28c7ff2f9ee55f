package sqlite

// RewriteTimesUTC returns the UPDATE that rewrites, in UTC, the times a
// column of table holds in another zone: the text relm wrote before it
// added _timezone=UTC to the DSN ("2024-05-01 14:00:00.5+02:00", the
// instant in the zone of the program's time.Time) becomes the text it
// writes now ("2024-05-01 12:00:00.5+00:00"), fractional seconds kept
// digit for digit. Such a row always read back as the right instant, but
// SQLite compares DATETIME text, so until it is rewritten Eq, Lt, Gt and
// ORDER BY compare its local wall-clock text with UTC text. Texts in UTC
// already, in another layout, or not times are left as they are, so the
// statement may run any number of times.
//
//	_, err := db.ExecContext(ctx, sqlite.New().RewriteTimesUTC("articles", "created_at"))
func (d *Dialect) RewriteTimesUTC(table, column string) string {
	c := d.Quote(column)
	// datetime() turns the text into UTC seconds; the fraction between the
	// seconds (character 20 on) and the six-character offset is kept.
	return "UPDATE " + d.Quote(table) + " SET " + c + " = datetime(" + c + ") || substr(" + c + ", 20, length(" + c + ") - 25) || '+00:00'" +
		" WHERE typeof(" + c + ") = 'text'" +
		" AND " + c + " GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]*[+-][0-9][0-9]:[0-9][0-9]'" +
		" AND (length(" + c + ") = 25 OR substr(" + c + ", 20, 1) = '.')" +
		" AND substr(" + c + ", -6) <> '+00:00'"
}
