// Package memstore is the in-memory engine.Storage (storage type "memory"):
// the same data and rules as the IndexedDB backend, nothing survives Close.
package memstore

import (
	"context"
	"sort"
	"sync"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/value"
)

// Store is an engine.Storage held in memory. Write transactions take an
// exclusive lock and keep an undo log, so a failed transaction leaves nothing.
type Store struct {
	mu     sync.RWMutex
	closed bool

	rows      map[string]map[string]value.Value // resource → id → row
	ids       map[string]*idSet                 // resource → its row ids, sorted
	cursors   map[string]string
	hydration map[string]engine.HydrationState
	progress  map[string]engine.CloneProgress
	restore   map[engine.RestoreKey]bool
	cloneEp   int64
	caughtEp  int64
	clientID  string
	changelog []engine.ChangelogEntry // ascending seq
	pairs     map[pairKey]int64       // (clientId, mutationId) → seq of the pending entries
	lastSeq   int64

	faults map[string]bool
}

var (
	_ engine.Storage       = (*Store)(nil)
	_ engine.FaultInjector = (*Store)(nil)
)

// New returns an empty store with one object store per named resource.
func New(resources []string) *Store {
	s := &Store{
		rows:      map[string]map[string]value.Value{},
		ids:       map[string]*idSet{},
		cursors:   map[string]string{},
		hydration: map[string]engine.HydrationState{},
		progress:  map[string]engine.CloneProgress{},
		restore:   map[engine.RestoreKey]bool{},
		pairs:     map[pairKey]int64{},
		faults:    map[string]bool{},
	}
	for _, r := range resources {
		s.rows[r] = map[string]value.Value{}
		s.ids[r] = &idSet{}
	}
	return s
}

// InjectFault makes the next call of write operation op fail.
func (s *Store) InjectFault(op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[op] = true
}

// View runs fn in a read transaction.
func (s *Store) View(ctx context.Context, fn func(engine.ReadTx) error) error {
	if err := ctx.Err(); err != nil {
		return engine.StorageError("storage", "transaction aborted", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return errClosed()
	}
	return fn(&readTx{s: s})
}

// Update runs fn in a write transaction, undoing every write when fn fails.
func (s *Store) Update(ctx context.Context, fn func(engine.WriteTx) error) error {
	if err := ctx.Err(); err != nil {
		return engine.StorageError("storage", "transaction aborted", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed()
	}
	tx := &writeTx{readTx: readTx{s: s}}
	if err := fn(tx); err != nil {
		for i := len(tx.undo) - 1; i >= 0; i-- {
			tx.undo[i]()
		}
		return err
	}
	return nil
}

// Close forgets everything; later transactions fail.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.rows, s.ids = nil, nil
	s.changelog, s.pairs = nil, nil
	return nil
}

func errClosed() error { return engine.StorageError("storage", "database is closed", nil) }

type readTx struct{ s *Store }

func (t *readTx) table(resource string) (map[string]value.Value, error) {
	m, ok := t.s.rows[resource]
	if !ok {
		return nil, engine.ErrMissingStore(resource)
	}
	return m, nil
}

func (t *readTx) Row(resource, id string) (value.Value, bool, error) {
	m, err := t.table(resource)
	if err != nil {
		return value.Value{}, false, err
	}
	r, ok := m[id]
	return r, ok, nil
}

func (t *readTx) RowsByID(resource string, ids []string) ([]value.Value, []bool, error) {
	m, err := t.table(resource)
	if err != nil {
		return nil, nil, err
	}
	rows, found := make([]value.Value, len(ids)), make([]bool, len(ids))
	for i, id := range ids {
		rows[i], found[i] = m[id]
	}
	return rows, found, nil
}

func (t *readTx) Rows(resource string) ([]value.Value, error) {
	m, err := t.table(resource)
	if err != nil {
		return nil, err
	}
	out := make([]value.Value, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	return out, nil
}

func (t *readTx) RowBatches(resource string, fn func([]value.Value) error) error {
	rows, err := t.Rows(resource)
	if err != nil || len(rows) == 0 {
		return err
	}
	return fn(rows)
}

func (t *readTx) RowIDs(resource string, after, hi *string) ([]string, error) {
	if _, err := t.table(resource); err != nil {
		return nil, err
	}
	return t.s.ids[resource].rangeIDs(after, hi), nil
}

func (t *readTx) Cursors() (map[string]string, error) {
	out := make(map[string]string, len(t.s.cursors))
	for k, v := range t.s.cursors {
		out[k] = v
	}
	return out, nil
}

func (t *readTx) Hydration(resource string) (engine.HydrationState, error) {
	if h, ok := t.s.hydration[resource]; ok {
		return h, nil
	}
	return engine.NotStarted, nil
}

func (t *readTx) CloneProgress(resource string) (engine.CloneProgress, bool, error) {
	p, ok := t.s.progress[resource]
	return p, ok, nil
}

func (t *readTx) RestoreSet() ([]engine.RestoreKey, error) {
	out := make([]engine.RestoreKey, 0, len(t.s.restore))
	for k := range t.s.restore {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Resource != out[j].Resource {
			return out[i].Resource < out[j].Resource
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (t *readTx) Epochs() (int64, int64, error) { return t.s.cloneEp, t.s.caughtEp, nil }

func (t *readTx) Changelog(limit int) ([]engine.ChangelogEntry, error) {
	n := len(t.s.changelog)
	if limit > 0 && limit < n {
		n = limit
	}
	return append([]engine.ChangelogEntry(nil), t.s.changelog[:n]...), nil
}

func (t *readTx) ChangelogCount() (int, error) { return len(t.s.changelog), nil }

// pairKey identifies a changelog entry by (clientId, mutationId).
type pairKey struct{ client, mutation string }

// ChangelogFind looks the pair up in an index: every local mutation asks,
// and a long offline session must not make that a scan of the changelog.
func (t *readTx) ChangelogFind(clientID, mutationID string) (engine.ChangelogEntry, bool, error) {
	seq, ok := t.s.pairs[pairKey{clientID, mutationID}]
	if !ok {
		return engine.ChangelogEntry{}, false, nil
	}
	cl := t.s.changelog
	i := sort.Search(len(cl), func(i int) bool { return cl[i].Seq >= seq })
	if i == len(cl) || cl[i].Seq != seq {
		return engine.ChangelogEntry{}, false, nil
	}
	return cl[i], true, nil
}

func (t *readTx) ClientID() (string, bool, error) { return t.s.clientID, t.s.clientID != "", nil }
