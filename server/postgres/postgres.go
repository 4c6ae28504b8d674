// Package postgres is the scale-out server.Store on PostgreSQL (pgx/v5,
// pgxpool). Any number of server processes may share one database.
//
// Rows of every resource live in one table, datafn_rows (namespace,
// resource, id, data jsonb). Every text column uses COLLATE "C", and the
// query translation compares JSON strings as text COLLATE "C", so ordering is
// code point order whatever the database's default collation (§3.4).
//
// Writes lock the namespace's counter row (SELECT … FOR UPDATE) first and
// keep the lock until commit, so a namespace's writers are serialised and
// serverSeqs become visible in commit order (§8.2). Reads run in REPEATABLE
// READ read-only transactions: one snapshot for data and current seq.
//
// jsonb keeps neither object key order nor number spelling: a row reads back
// equal as JSON (same keys, null kept, absent absent, same numbers), with
// keys in jsonb's order.
package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/server"
)

// Store is the PostgreSQL implementation of server.Store.
type Store struct {
	pool *pgxpool.Pool
}

var _ server.Store = (*Store)(nil)

// Open connects to the database at url and creates the internal tables.
func Open(ctx context.Context, url string) (server.Store, error) {
	return OpenStore(ctx, url)
}

// OpenStore is Open returning the concrete type.
func OpenStore(ctx context.Context, url string) (*Store, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	s := &Store{pool: pool}
	if err := s.ddl(ctx, nil); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// ddlLockKey serialises schema changes of concurrently starting servers
// (concurrent CREATE … IF NOT EXISTS can fail on catalog unique keys).
const ddlLockKey = 0x64617461666e // "datafn"

// ddl runs the internal DDL plus extra statements in one transaction under
// an advisory lock.
func (s *Store) ddl(ctx context.Context, extra []string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(ddlLockKey)); err != nil {
			return fmt.Errorf("postgres: ddl lock: %w", err)
		}
		for _, q := range append(append([]string(nil), internalDDL()...), extra...) {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("postgres: ddl: %w", err)
			}
		}
		return nil
	})
}

// Migrate creates missing tables and one index per indices.base field;
// existing data and indexes are kept (§8.1).
func (s *Store) Migrate(ctx context.Context, sc *schema.Schema) error {
	var extra []string
	for _, res := range sc.Resources {
		for _, f := range res.Indices.Base {
			extra = append(extra, indexDDL(res, f))
		}
	}
	return s.ddl(ctx, extra)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Close closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Read runs fn in a REPEATABLE READ, READ ONLY transaction: every statement
// sees the snapshot taken by the first one.
func (s *Store) Read(ctx context.Context, ns string, fn func(server.ReadTx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: begin read: %w", err)
	}
	defer tx.Rollback(ctx)
	if err := fn(&readTx{ctx: ctx, tx: tx, ns: ns}); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Write runs fn in a READ COMMITTED transaction that first locks the
// namespace counter row: after the lock every statement sees everything
// committed before, so guards read current data.
func (s *Store) Write(ctx context.Context, ns string, fn func(server.WriteTx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("postgres: begin write: %w", err)
	}
	defer tx.Rollback(ctx)
	wt := &writeTx{readTx: readTx{ctx: ctx, tx: tx, ns: ns}}
	wt.readTx.flush = wt.flush
	if wt.seq, err = lockCounter(ctx, tx, ns); err != nil {
		return err
	}
	wt.startSeq = wt.seq
	if err := fn(wt); err != nil {
		return err
	}
	if err := wt.saveSeq(); err != nil {
		return err
	}
	if err := wt.flush(); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// lockCounter locks (creating it when missing) the namespace counter row
// and returns the current seq.
func lockCounter(ctx context.Context, tx pgx.Tx, ns string) (int64, error) {
	const sel = `SELECT seq FROM __datafn_meta WHERE namespace = $1 FOR UPDATE`
	var seq int64
	err := tx.QueryRow(ctx, sel, ns).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err = tx.Exec(ctx, `INSERT INTO __datafn_meta (namespace, seq) VALUES ($1, 0)
			ON CONFLICT (namespace) DO NOTHING`, ns); err != nil {
			return 0, fmt.Errorf("postgres: create counter: %w", err)
		}
		err = tx.QueryRow(ctx, sel, ns).Scan(&seq)
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: lock counter: %w", err)
	}
	return seq, nil
}
