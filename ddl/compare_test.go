package ddl_test

import (
	"testing"

	"github.com/relmorm/relm/ddl"
	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/dialect/mysql"
	"github.com/relmorm/relm/dialect/postgres"
	"github.com/relmorm/relm/dialect/sqlite"
	"github.com/relmorm/relm/schema"
)

// TestCompareType: live types as each inspector reports them against
// declared types.
func TestCompareType(t *testing.T) {
	pg, my, lite := postgres.New(), mysql.New(), sqlite.New()
	col := func(typ schema.Type) *schema.Column { return &schema.Column{Name: "c", Type: typ} }
	for _, tc := range []struct {
		d    dialect.Dialect
		want schema.Type
		live string
		is   ddl.TypeChange
	}{
		{pg, schema.String(64), postgres.NormalizeType("character varying(64)"), ddl.TypeSame},
		{pg, schema.String(64), "VARCHAR(255)", ddl.TypeWider},
		{pg, schema.String(128), "VARCHAR(64)", ddl.TypeNarrower},
		{pg, schema.BigInt, "INTEGER", ddl.TypeNarrower},
		{pg, schema.Integer, "BIGINT", ddl.TypeWider},
		{pg, schema.Integer, "TEXT", ddl.TypeOther},
		{pg, schema.Text, "TEXT", ddl.TypeSame},
		{pg, schema.Time, "TIMESTAMP WITH TIME ZONE", ddl.TypeSame},
		{pg, schema.Text, "UUID", ddl.TypeSame}, // unknown: left alone
		{my, schema.Integer, mysql.NormalizeType("int(11)"), ddl.TypeSame},
		{my, schema.BigInt, mysql.NormalizeType("bigint(20)"), ddl.TypeSame},
		{my, schema.Bool, mysql.NormalizeType("tinyint(1)"), ddl.TypeSame},
		{my, schema.Text, "LONGTEXT", ddl.TypeWider},
		{my, schema.LongText, "TEXT", ddl.TypeNarrower},
		{lite, schema.BigInt, "INTEGER", ddl.TypeSame},
		{lite, schema.String(16), "VARCHAR(255)", ddl.TypeSame}, // SQLite ignores lengths
		{lite, schema.Integer, "VARCHAR(16)", ddl.TypeOther},
	} {
		if got := ddl.CompareType(tc.d, col(tc.want), tc.live); got != tc.is {
			t.Errorf("%s: live %s for declared %s: %d, want %d", tc.d.Name(), tc.live, tc.want, got, tc.is)
		}
	}
}
