package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/datafn/datafn-go/server/postgres"
	"github.com/datafn/datafn-go/server/storetest"
)

// raw is the plain-SQL baseline on the same database.
type raw struct{ pool *pgxpool.Pool }

func (r *raw) Insert(ctx context.Context, ns string, ids []string, data [][]byte) error {
	return pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		for i, id := range ids {
			if _, err := tx.Exec(ctx, `INSERT INTO raw_rows (namespace, resource, id, data) VALUES ($1, $2, $3, $4)`,
				ns, "task", id, data[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (r *raw) count(ctx context.Context, q string, args ...any) (int, error) {
	rows, err := r.pool.Query(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		_ = rows.RawValues()
		n++
	}
	return n, rows.Err()
}

func (r *raw) SelectRows(ctx context.Context, ns, resource string, n int) (int, error) {
	return r.count(ctx, `SELECT data FROM datafn_rows WHERE namespace = $1 AND resource = $2 ORDER BY id LIMIT $3`, ns, resource, n)
}

func (r *raw) SelectChanges(ctx context.Context, ns, resource string, n int) (int, error) {
	return r.count(ctx, `SELECT server_seq, record_id, op, data FROM __datafn_changes WHERE namespace = $1 AND resource = $2 ORDER BY server_seq LIMIT $3`, ns, resource, n)
}

func benchStore(b *testing.B) (*postgres.Store, *raw) {
	url := testDB(b)
	ctx := context.Background()
	st, err := postgres.OpenStore(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS raw_rows (namespace text COLLATE "C" NOT NULL,
		resource text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, data jsonb NOT NULL,
		PRIMARY KEY (namespace, resource, id))`); err != nil {
		b.Fatal(err)
	}
	return st, &raw{pool}
}

func BenchmarkPush(b *testing.B) {
	st, r := benchStore(b)
	storetest.BenchPush(b, st, r)
}

func BenchmarkRead(b *testing.B) {
	st, r := benchStore(b)
	storetest.BenchRead(b, st, r)
}
