//go:build js && wasm

package idb

import (
	"context"
	"errors"
	"sync"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/schema"
)

// Store is an engine.Storage kept in one IndexedDB database. Its methods
// block the calling goroutine on IndexedDB events, so they must not be
// called on the goroutine of a js.Func callback (the event loop).
type Store struct {
	name      string
	defs      []storeDef
	resources map[string]bool // resource stores; "meta"/"changelog" are not rows

	// reopen serialises reconnects after a versionchange. It is held while
	// awaiting IndexedDB, so only transaction goroutines take it.
	reopen sync.Mutex

	mu      sync.Mutex // guards the fields below; never held while awaiting
	conn    *conn
	closed  bool
	running sync.WaitGroup
	faults  map[string]bool
}

var (
	_ engine.Storage       = (*Store)(nil)
	_ engine.FaultInjector = (*Store)(nil)
)

// Open opens (creating or upgrading as needed) the IndexedDB database
// dbName with the layout of §11.2 for resources; remote-only resources get
// no store. ctx bounds the open. An upgrade blocked by another connection
// that does not close on versionchange fails after 10 s with INTERNAL
// "Storage error: open: upgrade blocked by another open connection".
func Open(ctx context.Context, dbName string, resources []*schema.Resource) (*Store, error) {
	defs, err := layout(resources)
	if err != nil {
		return nil, err
	}
	s := &Store{name: dbName, defs: defs, resources: map[string]bool{}, faults: map[string]bool{}}
	for _, d := range defs[:len(defs)-2] {
		s.resources[d.name] = true
	}
	if s.conn, err = connect(ctx, dbName, defs); err != nil {
		return nil, err
	}
	return s, nil
}

// Name is the database name.
func (s *Store) Name() string { return s.name }

// InjectFault makes the next call of write operation op fail with that
// operation's storage error (engine.FaultInjector). Ops: putRow, deleteRow,
// setCursor, setHydrationState, setCloneProgress, addRestore, setEpochs,
// changelogAppend, changelogAck, clientId.
func (s *Store) InjectFault(op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[op] = true
}

func (s *Store) takeFault(op string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults[op]
	delete(s.faults, op)
	return f
}

// View runs fn in a readonly transaction.
func (s *Store) View(ctx context.Context, fn func(engine.ReadTx) error) error {
	t, err := s.begin(ctx, "readonly")
	if err != nil {
		return err
	}
	defer s.running.Done()
	// Nothing to commit: the transaction ends by itself once its requests
	// are answered, and its handlers release themselves then.
	return fn(readTx{t})
}

// Update runs fn in a readwrite transaction and commits it when fn returns
// nil; otherwise, or when IndexedDB aborts it, nothing of it persists.
func (s *Store) Update(ctx context.Context, fn func(engine.WriteTx) error) error {
	t, err := s.begin(ctx, "readwrite")
	if err != nil {
		return err
	}
	defer s.running.Done()
	done := false
	defer func() {
		if !done { // fn panicked or called runtime.Goexit (t.FailNow)
			t.abort()
		}
	}()
	err = fn(&writeTx{readTx: readTx{t}, lastSeq: -1})
	done = true
	if err != nil {
		t.abort()
		<-t.end
		return err
	}
	return t.commit()
}

// begin starts a transaction, reconnecting first when the connection went
// stale (another opener upgraded the database, or the browser closed it).
// On success the caller owns one count of s.running.
func (s *Store) begin(ctx context.Context, mode string) (*txn, error) {
	if err := ctx.Err(); err != nil {
		return nil, engine.StorageError("storage", "transaction aborted", err)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errClosed()
	}
	s.running.Add(1)
	c := s.conn
	s.mu.Unlock()
	for attempt := 0; ; attempt++ {
		if c == nil || c.stale.Load() {
			var err error
			if c, err = s.reconnect(ctx, c); err != nil {
				s.running.Done()
				return nil, err
			}
		}
		t, err := newTxn(c, s, mode)
		if err == nil {
			return t, nil
		}
		// A connection that is closing refuses new transactions with
		// InvalidStateError before its close event: reopen once.
		if attempt > 0 || !errors.Is(err, ErrInvalidState) {
			s.running.Done()
			return nil, storageError("begin transaction", err)
		}
		c.stale.Store(true)
	}
}

// reconnect replaces the stale connection old, unless another goroutine
// already did.
func (s *Store) reconnect(ctx context.Context, old *conn) (*conn, error) {
	s.reopen.Lock()
	defer s.reopen.Unlock()
	s.mu.Lock()
	cur := s.conn
	s.mu.Unlock()
	if cur != nil && cur != old && !cur.stale.Load() {
		return cur, nil
	}
	c, err := connect(ctx, s.name, s.defs)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.conn = c
	s.mu.Unlock()
	if cur != nil {
		// Transactions still running on it were started before it went
		// stale and finish on their own; a closing connection waits for them.
		cur.close()
	}
	return c, nil
}

// Close waits for running transactions, then closes the connection. The
// data stays in the browser; later transactions fail.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.running.Wait()
	s.reopen.Lock()
	defer s.reopen.Unlock()
	s.mu.Lock()
	c := s.conn
	s.conn = nil
	s.mu.Unlock()
	if c != nil {
		c.close()
	}
	return nil
}
