package postgres

import (
	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/schema"
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

// ScanRaw implements server.RawScanner: Scan without decoding.
func (t *readTx) ScanRaw(res *schema.Resource, afterID *string, limit int, fn func(id string, row []byte) error) error {
	if err := t.before(); err != nil {
		return err
	}
	q := `SELECT id, data FROM datafn_rows WHERE namespace = $1 AND resource = $2 ORDER BY id LIMIT $3`
	args := []any{t.ns, res.Name, limitArg(limit)}
	if afterID != nil {
		q = `SELECT id, data FROM datafn_rows WHERE namespace = $1 AND resource = $2 AND id > $3 ORDER BY id LIMIT $4`
		args = []any{t.ns, res.Name, *afterID, limitArg(limit)}
	}
	rows, err := t.tx.Query(t.ctx, q, args...)
	if err != nil {
		return wrap("scan", err)
	}
	defer rows.Close()
	for rows.Next() {
		raw := rows.RawValues()
		data := raw[1]
		if len(data) > 0 && data[0] == 1 { // binary jsonb: version byte
			data = data[1:]
		}
		if err := fn(string(raw[0]), data); err != nil {
			return err
		}
	}
	return wrap("scan", rows.Err())
}
