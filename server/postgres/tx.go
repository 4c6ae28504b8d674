package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/server/sqlq"
	"github.com/datafn/datafn-go/value"
)

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// readTx implements server.ReadTx. flush, set inside writes, sends the
// buffered writes before any read so a write transaction reads its own
// writes.
type readTx struct {
	ctx   context.Context
	tx    pgx.Tx
	ns    string
	flush func() error
}

func (t *readTx) before() error {
	if t.flush == nil {
		return nil
	}
	return t.flush()
}

// CurrentSeq reads the namespace counter.
func (t *readTx) CurrentSeq() (int64, error) {
	var seq int64
	err := t.tx.QueryRow(t.ctx, `SELECT seq FROM __datafn_meta WHERE namespace = $1`, t.ns).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return seq, wrap("current seq", err)
}

// Get returns one row.
func (t *readTx) Get(res *schema.Resource, id string) (value.Value, bool, error) {
	if err := t.before(); err != nil {
		return value.Value{}, false, err
	}
	var data []byte
	err := t.tx.QueryRow(t.ctx,
		`SELECT data FROM datafn_rows WHERE namespace = $1 AND resource = $2 AND id = $3`,
		t.ns, res.Name, id).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return value.Value{}, false, nil
	}
	if err != nil {
		return value.Value{}, false, wrap("get", err)
	}
	v, err := value.Parse(data)
	return v, err == nil, wrap("get: parse", err)
}

// limitArg is the LIMIT parameter: NULL means no limit.
func limitArg(limit int) any {
	if limit <= 0 {
		return nil
	}
	return int64(limit)
}

// Scan returns rows in id order (id is COLLATE "C": code point order).
func (t *readTx) Scan(res *schema.Resource, afterID *string, limit int) ([]value.Value, error) {
	if err := t.before(); err != nil {
		return nil, err
	}
	var rows pgx.Rows
	var err error
	if afterID == nil {
		rows, err = t.tx.Query(t.ctx,
			`SELECT data FROM datafn_rows WHERE namespace = $1 AND resource = $2 ORDER BY id LIMIT $3`,
			t.ns, res.Name, limitArg(limit))
	} else {
		rows, err = t.tx.Query(t.ctx,
			`SELECT data FROM datafn_rows WHERE namespace = $1 AND resource = $2 AND id > $3 ORDER BY id LIMIT $4`,
			t.ns, res.Name, *afterID, limitArg(limit))
	}
	if err != nil {
		return nil, wrap("scan", err)
	}
	return scanValues(rows)
}

// scanValues decodes the single jsonb column of every row and closes rows.
func scanValues(rows pgx.Rows) ([]value.Value, error) {
	defer rows.Close()
	var batch sqlq.JSONBatch
	for rows.Next() {
		batch.Add(rows.RawValues()[0])
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
	if err := t.before(); err != nil {
		return 0, err
	}
	var n int64
	err := t.tx.QueryRow(t.ctx,
		`SELECT COUNT(*) FROM datafn_rows WHERE namespace = $1 AND resource = $2`, t.ns, res.Name).Scan(&n)
	return n, wrap("count", err)
}

// Changes reads every resource's window in one statement (a lateral join
// per resource) and returns the changes ordered by seq.
func (t *readTx) Changes(after map[string]int64, limit int) ([]server.Change, error) {
	if err := t.before(); err != nil {
		return nil, err
	}
	if len(after) == 0 {
		return nil, nil
	}
	names := make([]string, 0, len(after))
	seqs := make([]int64, 0, len(after))
	for k, v := range after {
		names = append(names, k)
		seqs = append(seqs, v)
	}
	rows, err := t.tx.Query(t.ctx, `
		SELECT a.res, c.server_seq, c.record_id, c.op, c.data
		FROM unnest($2::text[], $3::bigint[]) AS a(res, after_seq)
		CROSS JOIN LATERAL (
			SELECT server_seq, record_id, op, data FROM __datafn_changes
			WHERE namespace = $1 AND resource = a.res AND server_seq > a.after_seq
			ORDER BY server_seq LIMIT $4
		) AS c`, t.ns, names, seqs, limitArg(limit))
	if err != nil {
		return nil, wrap("changes", err)
	}
	defer rows.Close()
	var out []server.Change
	for rows.Next() {
		var c server.Change
		if err := rows.Scan(&c.Resource, &c.Seq, &c.ID, &c.Op, nil); err != nil {
			return nil, wrap("changes", err)
		}
		c.Data = jsonText(rows.RawValues()[4])
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("changes", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, nil
}

// Idempotency returns a stored mutation result.
func (t *readTx) Idempotency(clientID, mutationID string) ([]byte, bool, error) {
	if err := t.before(); err != nil {
		return nil, false, err
	}
	var result []byte
	err := t.tx.QueryRow(t.ctx,
		`SELECT result FROM __datafn_idempotency WHERE namespace = $1 AND client_id = $2 AND mutation_id = $3`,
		t.ns, clientID, mutationID).Scan(&result)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	return result, err == nil, wrap("idempotency", err)
}

// writeTx implements server.WriteTx. Writes that return nothing (Put,
// Delete, AppendChange, PutIdempotency) are queued and sent as one pipelined
// batch before the next read, savepoint boundary or commit, which saves a
// round trip per statement; an error in a queued write surfaces there.
// seq is the namespace counter, kept in memory while the row lock is held
// and stored at commit.
type writeTx struct {
	readTx
	batch    pgx.Batch
	seq      int64
	startSeq int64
	depth    int
}

func (t *writeTx) queue(q string, args ...any) { t.batch.Queue(q, args...) }

// flush sends the queued writes.
func (t *writeTx) flush() error {
	if t.batch.Len() == 0 {
		return nil
	}
	b := t.batch
	t.batch = pgx.Batch{}
	return wrap("write", t.tx.SendBatch(t.ctx, &b).Close())
}

// CurrentSeq is the counter including this transaction's allocations.
func (t *writeTx) CurrentSeq() (int64, error) { return t.seq, nil }

// Put inserts or replaces a row.
func (t *writeTx) Put(res *schema.Resource, id string, row value.Value) error {
	t.queue(`INSERT INTO datafn_rows (namespace, resource, id, data) VALUES ($1, $2, $3, $4)
		ON CONFLICT (namespace, resource, id) DO UPDATE SET data = EXCLUDED.data`,
		t.ns, res.Name, id, jsonArg(row))
	return nil
}

// jsonArg is a jsonb parameter: pgx sends []byte to a jsonb column as JSON text.
func jsonArg(v value.Value) []byte { return value.AppendJSON(nil, v) }

// Delete removes a row if it exists.
func (t *writeTx) Delete(res *schema.Resource, id string) error {
	t.queue(`DELETE FROM datafn_rows WHERE namespace = $1 AND resource = $2 AND id = $3`, t.ns, res.Name, id)
	return nil
}

// AppendChange allocates the next seq and records the change.
func (t *writeTx) AppendChange(resource, id, op string, data value.Value) (int64, error) {
	var d []byte
	if !data.IsAbsent() {
		d = jsonArg(data)
	}
	t.seq++
	t.queue(`INSERT INTO __datafn_changes (namespace, resource, server_seq, record_id, op, data, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		t.ns, resource, t.seq, id, op, d, time.Now().UnixMilli())
	return t.seq, nil
}

// saveSeq stores the counter when this transaction allocated seqs.
func (t *writeTx) saveSeq() error {
	if t.seq != t.startSeq {
		t.queue(`UPDATE __datafn_meta SET seq = $2 WHERE namespace = $1`, t.ns, t.seq)
	}
	return nil
}

// PutIdempotency stores (or replaces) a mutation result.
func (t *writeTx) PutIdempotency(clientID, mutationID string, result []byte) error {
	t.queue(`INSERT INTO __datafn_idempotency (namespace, client_id, mutation_id, result, created_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (namespace, client_id, mutation_id) DO UPDATE SET result = EXCLUDED.result`,
		t.ns, clientID, mutationID, result, time.Now().UnixMilli())
	return nil
}

// Savepoint runs fn in a SQL savepoint; on error everything fn wrote is
// rolled back, the in-memory counter and unsent writes included.
func (t *writeTx) Savepoint(fn func() error) error {
	if err := t.flush(); err != nil {
		return err
	}
	t.depth++
	defer func() { t.depth-- }()
	name := fmt.Sprintf("datafn_sp%d", t.depth)
	if _, err := t.tx.Exec(t.ctx, "SAVEPOINT "+name); err != nil {
		return wrap("savepoint", err)
	}
	seq := t.seq
	ferr := fn()
	if ferr == nil {
		ferr = t.flush()
	}
	if ferr != nil {
		t.seq = seq
		t.batch = pgx.Batch{}
		if _, err := t.tx.Exec(t.ctx, "ROLLBACK TO SAVEPOINT "+name); err != nil {
			return wrap("rollback to savepoint", err)
		}
		if _, err := t.tx.Exec(t.ctx, "RELEASE SAVEPOINT "+name); err != nil {
			return wrap("release savepoint", err)
		}
		return ferr
	}
	_, err := t.tx.Exec(t.ctx, "RELEASE SAVEPOINT "+name)
	return wrap("release savepoint", err)
}

// MarkSeeded records the seed marker once.
func (t *writeTx) MarkSeeded(clientID string) (bool, error) {
	if err := t.flush(); err != nil {
		return false, err
	}
	tag, err := t.tx.Exec(t.ctx,
		`INSERT INTO __datafn_seed (namespace, client_id, created_at) VALUES ($1, $2, $3)
		 ON CONFLICT (namespace) DO NOTHING`, t.ns, clientID, time.Now().UnixMilli())
	if err != nil {
		return false, wrap("mark seeded", err)
	}
	return tag.RowsAffected() == 1, nil
}

// jsonText copies a jsonb column's raw value as JSON text: the binary
// format starts with a version byte (1) before the text; SQL NULL is nil.
func jsonText(raw []byte) []byte {
	if raw == nil {
		return nil
	}
	if len(raw) > 0 && raw[0] == 1 {
		raw = raw[1:]
	}
	return append([]byte(nil), raw...)
}
