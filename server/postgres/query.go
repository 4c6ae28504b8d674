package postgres

import (
	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/server/sqlq"
)

// Query runs a DFQL query translated to SQL (server/sqlq) in this snapshot
// (after sending the writes buffered in a write transaction).
func (t *readTx) Query(q *dfql.Query) (*dfql.Result, error) {
	if err := t.before(); err != nil {
		return nil, err
	}
	res, err := sqlq.Run(q, sqlq.Postgres, t.ns, querier{t})
	return res, wrap("query", err)
}

// querier implements sqlq.Querier on the transaction.
type querier struct{ t *readTx }

func (q querier) Query(st sqlq.Statement, row func(scan func(dest ...any) error) error) error {
	rows, err := q.t.tx.Query(q.t.ctx, st.SQL, st.Args...)
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
