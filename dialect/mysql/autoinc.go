package mysql

import (
	"context"
	"fmt"

	"github.com/relmorm/relm/dialect"
)

var _ dialect.AutoIncrementStepper = (*Dialect)(nil)

// AutoIncrementStep reads @@auto_increment_increment on q's connection.
func (*Dialect) AutoIncrementStep(ctx context.Context, q dialect.Executor) (int64, error) {
	rows, err := q.QueryContext(ctx, "SELECT @@auto_increment_increment")
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var step int64
	if rows.Next() {
		if err := rows.Scan(&step); err != nil {
			return 0, err
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if step < 1 {
		return 0, fmt.Errorf("mysql: auto_increment_increment is %d", step)
	}
	return step, nil
}
