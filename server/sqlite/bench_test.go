//go:build !js

package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/datafn/datafn-go/server/sqlite"
	"github.com/datafn/datafn-go/server/storetest"
)

// raw is the plain-SQL baseline on the store's own file.
type raw struct{ db *sql.DB }

func openRaw(b *testing.B, path string) *raw {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	b.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS raw_rows (namespace TEXT NOT NULL, resource TEXT NOT NULL,
		id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (namespace, resource, id)) WITHOUT ROWID`); err != nil {
		b.Fatal(err)
	}
	return &raw{db}
}

func (r *raw) Insert(ctx context.Context, ns string, ids []string, data [][]byte) error {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for i, id := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO raw_rows (namespace, resource, id, data) VALUES (?, ?, ?, ?)`,
			ns, "task", id, string(data[i])); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (r *raw) count(ctx context.Context, q string, args ...any) (int, error) {
	rows, err := r.db.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	cells := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range cells {
		dest[i] = &cells[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return 0, err
		}
		n++
	}
	return n, rows.Err()
}

func (r *raw) SelectRows(ctx context.Context, ns, resource string, n int) (int, error) {
	return r.count(ctx, `SELECT data FROM datafn_rows WHERE namespace = ? AND resource = ? ORDER BY id LIMIT ?`, ns, resource, n)
}

func (r *raw) SelectChanges(ctx context.Context, ns, resource string, n int) (int, error) {
	return r.count(ctx, `SELECT server_seq, record_id, op, data FROM __datafn_changes WHERE namespace = ? AND resource = ? ORDER BY server_seq LIMIT ?`, ns, resource, n)
}

func benchStore(b *testing.B) (*sqlite.Store, *raw) {
	path := filepath.Join(b.TempDir(), "bench.db")
	st, err := sqlite.OpenStore(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st, openRaw(b, path)
}

func BenchmarkPush(b *testing.B) {
	st, r := benchStore(b)
	storetest.BenchPush(b, st, r)
}

func BenchmarkRead(b *testing.B) {
	st, r := benchStore(b)
	storetest.BenchRead(b, st, r)
}
