//go:build !js

// Package sqlite is the embedded server.Store on SQLite (modernc.org/sqlite,
// no cgo). The database runs in WAL mode; every Write is one BEGIN IMMEDIATE
// transaction on a single writer connection, so writers are serialised and
// serverSeqs become visible in commit order (protocol.md §8.2). Reads run on
// a separate pool, each in its own WAL snapshot.
//
// Rows of every resource live in one table, datafn_rows (namespace,
// resource, id, data), data being the row's JSON text exactly as written.
// Each indices.base field gets a partial expression index on its JSON value.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"

	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/server"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Store is the SQLite implementation of server.Store.
type Store struct {
	w *sql.DB // one connection, BEGIN IMMEDIATE
	r *sql.DB // readers

	stmts map[string]*sql.Stmt // hot writer statements, prepared at Open

	writes atomic.Int64 // committed Writes, to run optimize now and then
}

// optimizeEvery is how many committed Writes pass between two runs of
// PRAGMA optimize.
const optimizeEvery = 1000

// optimize refreshes the planner statistics that are stale. Without them
// SQLite never prefers an expression index over the primary key; with
// them it uses the indexes of selective indices.base fields.
func (s *Store) optimize(ctx context.Context) error {
	_, err := s.w.ExecContext(ctx, "PRAGMA optimize=0x10002")
	return err
}

var _ server.Store = (*Store)(nil)

// busyTimeoutMs bounds how long a connection waits for another process's
// lock before failing with SQLITE_BUSY.
const busyTimeoutMs = 10000

// Open opens (creating when missing) the database file at path and its
// directory, and creates the internal tables.
func Open(path string) (server.Store, error) {
	return OpenStore(path)
}

// OpenStore is Open returning the concrete type (benchmarks and tests use
// its extra methods).
func OpenStore(path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("sqlite: create directory: %w", err)
		}
	}
	registerFunctions()
	w, err := sql.Open("sqlite", dsn(path, "immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	// One writer connection: database/sql queues writers on it in-process,
	// busy_timeout queues them across processes.
	w.SetMaxOpenConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", dsn(path, "deferred"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	n := runtime.GOMAXPROCS(0) + 2
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s := &Store{w: w, r: r, stmts: map[string]*sql.Stmt{}}
	if err := s.exec(context.Background(), internalDDL...); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.prepare(context.Background()); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.optimize(context.Background()); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: optimize: %w", err)
	}
	return s, nil
}

// dsn builds the driver's connection string: WAL, a busy timeout, NORMAL
// synchronous (durable across application crashes; the usual WAL setting).
func dsn(path, txlock string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMs))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Bounded ANALYZE work for PRAGMA optimize (see optimize).
	q.Add("_pragma", "analysis_limit(400)")
	q.Set("_txlock", txlock)
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

func (s *Store) exec(ctx context.Context, stmts ...string) error {
	for _, q := range stmts {
		if _, err := s.w.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
	}
	return nil
}

// Migrate creates missing tables and one index per indices.base field.
// Existing rows, changes and indexes are kept (§8.1).
func (s *Store) Migrate(ctx context.Context, sc *schema.Schema) error {
	stmts := append([]string(nil), internalDDL...)
	for _, res := range sc.Resources {
		for _, f := range res.Indices.Base {
			stmts = append(stmts, indexDDL(res.Name, f))
		}
	}
	if err := s.exec(ctx, stmts...); err != nil {
		return err
	}
	return s.optimize(ctx)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close closes both connection pools, first letting SQLite refresh the
// planner statistics it finds stale (PRAGMA optimize, as SQLite recommends
// before closing), so the next run picks the expression indexes.
func (s *Store) Close() error {
	_, err := s.w.Exec("PRAGMA optimize")
	return errors.Join(err, s.r.Close(), s.w.Close())
}

// prepare prepares the hot write statements on the writer connection,
// outside any transaction (the writer pool's only connection is busy during
// one): preparing costs about as much as running a small INSERT.
func (s *Store) prepare(ctx context.Context) error {
	for _, q := range []string{sqlPut, sqlDelete, sqlAppendChange, sqlPutIdempotency, sqlSaveSeq} {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("sqlite: prepare: %w", err)
		}
		s.stmts[q] = st
	}
	return nil
}

// Read runs fn in one read transaction: SQLite's WAL gives it one snapshot
// from its first read to its end.
func (s *Store) Read(ctx context.Context, ns string, fn func(server.ReadTx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin read: %w", err)
	}
	defer tx.Rollback()
	rt := &readTx{ctx: ctx, q: tx, ns: ns}
	if err := fn(rt); err != nil {
		return err
	}
	return tx.Commit()
}

// Write runs fn in one BEGIN IMMEDIATE transaction: the database write lock
// is held from the start, so every namespace's writers are serialised (§8.2).
// The namespace counter is read once at the start and written back at commit.
func (s *Store) Write(ctx context.Context, ns string, fn func(server.WriteTx) error) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin write: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			tx.Rollback()
		}
	}()
	wt := &writeTx{readTx: readTx{ctx: ctx, q: tx, ns: ns}, tx: tx, store: s}
	if wt.seq, err = wt.readTx.CurrentSeq(); err != nil {
		return err
	}
	wt.startSeq = wt.seq
	if err := fn(wt); err != nil {
		return err
	}
	if err := wt.saveSeq(); err != nil {
		return err
	}
	committed = true
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	if s.writes.Add(1)%optimizeEvery == 0 {
		// Statistics only steer the planner: a failure here is not the
		// write's failure.
		_ = s.optimize(ctx)
	}
	return nil
}
