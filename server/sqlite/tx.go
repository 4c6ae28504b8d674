//go:build !js

package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/server/sqlq"
	"github.com/datafn/datafn-go/value"
)

// querier is what a read or write transaction runs statements on.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// readTx implements server.ReadTx on one transaction.
type readTx struct {
	ctx context.Context
	q   querier
	ns  string
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// CurrentSeq reads the namespace counter.
func (t *readTx) CurrentSeq() (int64, error) {
	var seq int64
	err := t.q.QueryRowContext(t.ctx, `SELECT seq FROM __datafn_meta WHERE namespace = ?`, t.ns).Scan(&seq)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return seq, wrap("current seq", err)
}

// Get returns one row.
func (t *readTx) Get(res *schema.Resource, id string) (value.Value, bool, error) {
	var data []byte
	err := t.q.QueryRowContext(t.ctx,
		`SELECT data FROM datafn_rows WHERE namespace = ? AND resource = ? AND id = ?`,
		t.ns, res.Name, id).Scan(&data)
	if err == sql.ErrNoRows {
		return value.Value{}, false, nil
	}
	if err != nil {
		return value.Value{}, false, wrap("get", err)
	}
	v, err := value.Parse(data)
	return v, err == nil, wrap("get: parse", err)
}

// Scan returns rows in id order (BINARY collation: code point order).
func (t *readTx) Scan(res *schema.Resource, afterID *string, limit int) ([]value.Value, error) {
	if limit <= 0 {
		limit = -1 // SQLite: a negative LIMIT means none
	}
	var rows *sql.Rows
	var err error
	if afterID == nil {
		rows, err = t.q.QueryContext(t.ctx,
			`SELECT data FROM datafn_rows WHERE namespace = ? AND resource = ? ORDER BY id LIMIT ?`,
			t.ns, res.Name, limit)
	} else {
		rows, err = t.q.QueryContext(t.ctx,
			`SELECT data FROM datafn_rows WHERE namespace = ? AND resource = ? AND id > ? ORDER BY id LIMIT ?`,
			t.ns, res.Name, *afterID, limit)
	}
	if err != nil {
		return nil, wrap("scan", err)
	}
	return scanValues(rows)
}

// scanValues decodes the single JSON column of every row.
func scanValues(rows *sql.Rows) ([]value.Value, error) {
	defer rows.Close()
	var batch sqlq.JSONBatch
	var data sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&data); err != nil {
			return nil, wrap("scan", err)
		}
		batch.Add(data)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("scan", err)
	}
	if batch.Len() == 0 {
		return nil, nil
	}
	out, err := batch.Decode()
	return out, wrap("scan", err)
}

// Count counts the rows of a resource.
func (t *readTx) Count(res *schema.Resource) (int64, error) {
	var n int64
	err := t.q.QueryRowContext(t.ctx,
		`SELECT COUNT(*) FROM datafn_rows WHERE namespace = ? AND resource = ?`, t.ns, res.Name).Scan(&n)
	return n, wrap("count", err)
}

// Changes reads each resource's changes after its cursor, at most limit per
// resource, and returns them all ordered by seq.
func (t *readTx) Changes(after map[string]int64, limit int) ([]server.Change, error) {
	if limit <= 0 {
		limit = -1
	}
	var out []server.Change
	for res, seq := range after {
		rows, err := t.q.QueryContext(t.ctx,
			`SELECT server_seq, record_id, op, data FROM __datafn_changes
			 WHERE namespace = ? AND resource = ? AND server_seq > ? ORDER BY server_seq LIMIT ?`,
			t.ns, res, seq, limit)
		if err != nil {
			return nil, wrap("changes", err)
		}
		if out, err = appendChanges(out, res, rows); err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, nil
}

func appendChanges(out []server.Change, res string, rows *sql.Rows) ([]server.Change, error) {
	defer rows.Close()
	for rows.Next() {
		c := server.Change{Resource: res}
		// Scanning into []byte copies the text, which outlives the cursor.
		if err := rows.Scan(&c.Seq, &c.ID, &c.Op, &c.Data); err != nil {
			return nil, wrap("changes", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("changes", err)
	}
	return out, nil
}

// Idempotency returns a stored mutation result.
func (t *readTx) Idempotency(clientID, mutationID string) ([]byte, bool, error) {
	var result []byte
	err := t.q.QueryRowContext(t.ctx,
		`SELECT result FROM __datafn_idempotency WHERE namespace = ? AND client_id = ? AND mutation_id = ?`,
		t.ns, clientID, mutationID).Scan(&result)
	if err == sql.ErrNoRows {
		return nil, false, nil
	}
	return result, err == nil, wrap("idempotency", err)
}

// writeTx implements server.WriteTx. seq is the namespace counter, kept in
// memory during the transaction and stored at commit: the transaction holds
// the database write lock, so nobody else can move it meanwhile.
type writeTx struct {
	readTx
	tx       *sql.Tx
	store    *Store
	stmts    map[string]*sql.Stmt // this transaction's handles on prepared statements
	seq      int64
	startSeq int64
	depth    int // savepoint nesting
}

// CurrentSeq is the counter including this transaction's allocations.
func (t *writeTx) CurrentSeq() (int64, error) { return t.seq, nil }

// exec runs a hot write statement through a prepared statement.
func (t *writeTx) exec(query string, args ...any) (sql.Result, error) {
	st, ok := t.stmts[query]
	if !ok {
		prep, ok := t.store.stmts[query]
		if !ok {
			return t.q.ExecContext(t.ctx, query, args...)
		}
		st = t.tx.StmtContext(t.ctx, prep)
		if t.stmts == nil {
			t.stmts = map[string]*sql.Stmt{}
		}
		t.stmts[query] = st
	}
	return st.ExecContext(t.ctx, args...)
}

// Put inserts or replaces a row.
func (t *writeTx) Put(res *schema.Resource, id string, row value.Value) error {
	_, err := t.exec(
		sqlPut,
		t.ns, res.Name, id, string(value.AppendJSON(nil, row)))
	return wrap("put", err)
}

// Delete removes a row if it exists.
func (t *writeTx) Delete(res *schema.Resource, id string) error {
	_, err := t.exec(
		sqlDelete, t.ns, res.Name, id)
	return wrap("delete", err)
}

// AppendChange allocates the next seq and records the change.
func (t *writeTx) AppendChange(resource, id, op string, data value.Value) (int64, error) {
	var d any
	if !data.IsAbsent() {
		d = string(value.AppendJSON(nil, data))
	}
	seq := t.seq + 1
	_, err := t.exec(
		sqlAppendChange,
		t.ns, resource, seq, id, op, d, time.Now().UnixMilli())
	if err != nil {
		return 0, wrap("append change", err)
	}
	t.seq = seq
	return seq, nil
}

// saveSeq stores the counter when this transaction allocated seqs.
func (t *writeTx) saveSeq() error {
	if t.seq == t.startSeq {
		return nil
	}
	_, err := t.exec(sqlSaveSeq, t.ns, t.seq)
	return wrap("save seq", err)
}

// PutIdempotency stores (or replaces) a mutation result.
func (t *writeTx) PutIdempotency(clientID, mutationID string, result []byte) error {
	_, err := t.exec(
		sqlPutIdempotency,
		t.ns, clientID, mutationID, string(result), time.Now().UnixMilli())
	return wrap("put idempotency", err)
}

// Savepoint runs fn in a SQL savepoint; on error everything fn wrote is
// rolled back, the in-memory counter included.
func (t *writeTx) Savepoint(fn func() error) (err error) {
	t.depth++
	name := fmt.Sprintf("datafn_sp%d", t.depth)
	defer func() { t.depth-- }()
	if _, err := t.q.ExecContext(t.ctx, "SAVEPOINT "+name); err != nil {
		return wrap("savepoint", err)
	}
	seq := t.seq
	if ferr := fn(); ferr != nil {
		t.seq = seq
		if _, err := t.q.ExecContext(t.ctx, "ROLLBACK TO "+name); err != nil {
			return wrap("rollback to savepoint", err)
		}
		if _, err := t.q.ExecContext(t.ctx, "RELEASE "+name); err != nil {
			return wrap("release savepoint", err)
		}
		return ferr
	}
	_, err = t.q.ExecContext(t.ctx, "RELEASE "+name)
	return wrap("release savepoint", err)
}

// MarkSeeded records the seed marker once.
func (t *writeTx) MarkSeeded(clientID string) (bool, error) {
	res, err := t.q.ExecContext(t.ctx,
		`INSERT INTO __datafn_seed (namespace, client_id, created_at) VALUES (?, ?, ?)
		 ON CONFLICT (namespace) DO NOTHING`, t.ns, clientID, time.Now().UnixMilli())
	if err != nil {
		return false, wrap("mark seeded", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("mark seeded", err)
}

const sqlPut = `INSERT INTO datafn_rows (namespace, resource, id, data) VALUES (?, ?, ?, ?)
		 ON CONFLICT (namespace, resource, id) DO UPDATE SET data = excluded.data`

const sqlDelete = `DELETE FROM datafn_rows WHERE namespace = ? AND resource = ? AND id = ?`

const sqlAppendChange = `INSERT INTO __datafn_changes (namespace, resource, server_seq, record_id, op, data, created_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?)`

const sqlPutIdempotency = `INSERT INTO __datafn_idempotency (namespace, client_id, mutation_id, result, created_at)
		 VALUES (?, ?, ?, ?, ?)
		 ON CONFLICT (namespace, client_id, mutation_id) DO UPDATE SET result = excluded.result`

const sqlSaveSeq = `INSERT INTO __datafn_meta (namespace, seq) VALUES (?, ?)
		 ON CONFLICT (namespace) DO UPDATE SET seq = excluded.seq`
