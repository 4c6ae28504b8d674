//go:build !js

package sqlite

import (
	"database/sql"

	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/schema"
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

// ScanRaw implements server.RawScanner: Scan without decoding.
func (t *readTx) ScanRaw(res *schema.Resource, afterID *string, limit int, fn func(id string, row []byte) error) error {
	if limit <= 0 {
		limit = -1
	}
	q := `SELECT id, data FROM datafn_rows WHERE namespace = ? AND resource = ? ORDER BY id LIMIT ?`
	args := []any{t.ns, res.Name, limit}
	if afterID != nil {
		q = `SELECT id, data FROM datafn_rows WHERE namespace = ? AND resource = ? AND id > ? ORDER BY id LIMIT ?`
		args = []any{t.ns, res.Name, *afterID, limit}
	}
	rows, err := t.q.QueryContext(t.ctx, q, args...)
	if err != nil {
		return wrap("scan", err)
	}
	defer rows.Close()
	var id string
	var data sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&id, &data); err != nil {
			return wrap("scan", err)
		}
		if err := fn(id, data); err != nil {
			return err
		}
	}
	return wrap("scan", rows.Err())
}
