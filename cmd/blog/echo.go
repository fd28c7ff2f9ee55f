package main

import (
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
)

// Limits of what --echo prints of one statement, so that a batched INSERT
// of thousands of rows stays readable.
const (
	echoMaxSQL  = 400 // characters of SQL
	echoMaxArgs = 12  // arguments
	echoMaxArg  = 40  // characters of one string argument
)

// echoLogger logs every statement relm issues to w, as text at level Debug,
// with long SQL, long argument lists and long string arguments cut short.
func echoLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey:
				if len(groups) == 0 {
					return slog.Attr{} // the duration says what matters
				}
			case "sql":
				a.Value = slog.StringValue(clip(a.Value.String(), echoMaxSQL))
			case "args":
				if args, ok := a.Value.Any().([]any); ok {
					a.Value = slog.StringValue(formatArgs(args))
				}
			}
			return a
		},
	}))
}

// formatArgs renders a statement's arguments, at most echoMaxArgs of them.
func formatArgs(args []any) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, v := range args {
		if i == echoMaxArgs {
			fmt.Fprintf(&b, " … %d more", len(args)-i)
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		switch v := v.(type) {
		case string:
			fmt.Fprintf(&b, "%q", clip(v, echoMaxArg))
		case *string:
			if v == nil {
				b.WriteString("NULL")
			} else {
				fmt.Fprintf(&b, "%q", clip(*v, echoMaxArg))
			}
		case nil:
			b.WriteString("NULL")
		default:
			s := fmt.Sprint(v)
			if p, ok := deref(v); ok {
				s = p
			}
			b.WriteString(clip(s, echoMaxArg))
		}
	}
	b.WriteByte(']')
	return b.String()
}

// deref renders a pointer argument as what it points to.
func deref(v any) (string, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer {
		return "", false
	}
	if rv.IsNil() {
		return "NULL", true
	}
	return fmt.Sprint(rv.Elem().Interface()), true
}

// clip cuts s to n characters, saying how long it was.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return fmt.Sprintf("%s… (%d chars)", string(r[:n]), len(r))
}
