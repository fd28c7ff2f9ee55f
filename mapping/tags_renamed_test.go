package mapping_test

import (
	"errors"
	"testing"

	"github.com/relmorm/relm/mapping"
)

// TestRenamedFromTag: renamed_from:OLD reaches schema.Column.RenamedFrom,
// and without a name it is a TagError.
func TestRenamedFromTag(t *testing.T) {
	type Post struct {
		ID     int
		Visits int `relm:"renamed_from:hits"`
	}
	reg, err := registerAndConfigure(t, &Post{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := reg.Mapper(&Post{})
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Table.Column("visits"); c == nil || c.RenamedFrom != "hits" {
		t.Errorf("column visits = %+v, want RenamedFrom hits", c)
	}
	type Bad struct {
		ID     int
		Visits int `relm:"renamed_from"`
	}
	_, err = registerAndConfigure(t, &Bad{})
	var te *mapping.TagError
	if !errors.As(err, &te) || te.Field != "Visits" {
		t.Errorf("renamed_from without a name: %v, want a TagError on Visits", err)
	}
}
