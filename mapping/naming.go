package mapping

import (
	"strings"
	"unicode"
)

// SnakeCase turns a Go identifier into a column name: UserID → user_id,
// HTTPServer → http_server, QQ → qq, CateID → cate_id.
func SnakeCase(s string) string {
	runes := []rune(s)
	var b strings.Builder
	for i, r := range runes {
		if unicode.IsUpper(r) {
			if i > 0 {
				prev := runes[i-1]
				nextLower := i+1 < len(runes) && unicode.IsLower(runes[i+1])
				if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
					b.WriteByte('_')
				}
			}
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TableName returns the default table name of a struct type: the snake_case
// plural of its name (User → users, Category → categories, UserInfo →
// user_infos). Name a table explicitly with a TableName method or a
// `relm:"table:NAME"` tag on a blank field when the default does not fit.
func TableName(typeName string) string {
	return Plural(SnakeCase(typeName))
}

// Plural applies the common English plural rules to a lower-case word.
func Plural(s string) string {
	switch {
	case s == "":
		return s
	case strings.HasSuffix(s, "s") || strings.HasSuffix(s, "x") || strings.HasSuffix(s, "z") ||
		strings.HasSuffix(s, "ch") || strings.HasSuffix(s, "sh"):
		return s + "es"
	case strings.HasSuffix(s, "y") && len(s) > 1 && !strings.ContainsRune("aeiou", rune(s[len(s)-2])):
		return s[:len(s)-1] + "ies"
	}
	return s + "s"
}
