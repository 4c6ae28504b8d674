//go:build !js

package sqlite

import (
	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/server/sqlq"
)

// Query runs a DFQL query translated to SQL (server/sqlq) in this snapshot.
func (t *readTx) Query(q *dfql.Query) (*dfql.Result, error) {
	res, err := sqlq.Run(q, sqlq.SQLite, t.ns, dfqlQuerier{t})
	return res, wrap("query", err)
}

// dfqlQuerier implements sqlq.Querier on the transaction.
type dfqlQuerier struct{ t *readTx }

func (q dfqlQuerier) Query(st sqlq.Statement, row func(scan func(dest ...any) error) error) error {
	rows, err := q.t.q.QueryContext(q.t.ctx, st.SQL, st.Args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
