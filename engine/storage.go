package engine

import (
	"context"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// Storage is the client's durable state (protocol.md §11): the rows of every
// resource that is not remote-only, cursors, hydration states, clone
// progress, the restore set, the catch-up epochs, the clientId and the
// changelog.
//
// Contract, checked by engine/storagetest:
//   - View runs fn in a read transaction that sees one consistent state.
//   - Update runs fn in a write transaction. When fn returns nil the writes
//     commit together; when fn (or a write) fails nothing of it persists and
//     the error is returned. Write transactions of one Storage are
//     serialised, so a transaction re-checks what it read (§12.4 step 3).
//   - Nothing but storage calls may be awaited inside fn (§11.6).
//   - Errors are *protocol.Error: INTERNAL "Storage error: ..." for failures
//     (StorageError), DFQL_INVALID "Storage error: missing object store <name>"
//     for a resource the storage has no store for.
type Storage interface {
	View(ctx context.Context, fn func(ReadTx) error) error
	Update(ctx context.Context, fn func(WriteTx) error) error
	// Close waits for running transactions and releases the storage. Memory
	// storage forgets everything.
	Close() error
}

// ReadTx reads the state inside one transaction.
type ReadTx interface {
	// Row returns the stored row (a JSON object with "id"), ok=false when missing.
	Row(resource, id string) (row value.Value, ok bool, err error)
	// RowsByID returns Row for each id, read together (one wait in
	// IndexedDB instead of one per id).
	RowsByID(resource string, ids []string) (rows []value.Value, found []bool, err error)
	// Rows returns every row of the resource in no particular order.
	Rows(resource string) ([]value.Value, error)
	// RowBatches calls fn with every row of the resource, a batch at a
	// time, in no particular order, and stops at fn's first error. A
	// browser backend reads a batch per request, so a large table loads in
	// many short event-loop tasks.
	RowBatches(resource string, fn func(batch []value.Value) error) error
	// RowIDs returns the ids of the stored rows with after < id <= hi
	// (nil: that end is open), ascending in code point order (§3.4), without
	// reading the rows.
	RowIDs(resource string, after, hi *string) ([]string, error)
	// Cursors returns every stored cursor, keyed by resource name or
	// GlobalCursorKey, values decimal strings.
	Cursors() (map[string]string, error)
	// Hydration returns the state of a resource (NotStarted when never set).
	Hydration(resource string) (HydrationState, error)
	// CloneProgress returns the paged-clone progress of a resource.
	CloneProgress(resource string) (p CloneProgress, ok bool, err error)
	// RestoreSet returns the pending restores, sorted by resource then id.
	RestoreSet() ([]RestoreKey, error)
	// Epochs returns cloneEpoch and caughtUpEpoch (both 0 by default, §12.10).
	Epochs() (cloneEpoch, caughtUpEpoch int64, err error)
	// Changelog returns pending entries in ascending seq order; limit <= 0
	// means all.
	Changelog(limit int) ([]ChangelogEntry, error)
	// ChangelogCount is the number of pending entries.
	ChangelogCount() (int, error)
	// ChangelogFind returns the pending entry with this (clientId, mutationId).
	ChangelogFind(clientID, mutationID string) (e ChangelogEntry, ok bool, err error)
	// ClientID returns the stored clientId, ok=false when none was created.
	ClientID() (id string, ok bool, err error)
}

// WriteTx reads and writes inside one write transaction.
type WriteTx interface {
	ReadTx
	// PutRow inserts or replaces a row; row must be an object with a string "id".
	PutRow(resource string, row value.Value) error
	// DeleteRow removes a row; removing a missing row is not an error.
	DeleteRow(resource, id string) error
	// SetCursor stores a cursor (key: resource or GlobalCursorKey). Monotonicity
	// is the engine's business (§11.3).
	SetCursor(key, cursor string) error
	// SetHydration applies the transition rules of §11.4 (ErrHydrationState,
	// ErrHydrationTransition); writing the current state again is a no-op.
	SetHydration(resource string, s HydrationState) error
	// ResetHydration sets a resource found hydrating back to notStarted
	// without the transition check (the reset on open, §11.4).
	ResetHydration(resource string) error
	SetCloneProgress(resource string, p CloneProgress) error
	DeleteCloneProgress(resource string) error
	AddRestore(k RestoreKey) error
	RemoveRestore(k RestoreKey) error
	SetEpochs(cloneEpoch, caughtUpEpoch int64) error
	// ChangelogAppend appends e (ClientID and MutationID required). When an
	// entry with the same pair exists it is returned unchanged and nothing is
	// added; otherwise e gets Seq = 1 + the highest seq ever assigned in this
	// database (seqs are never reused, §11.5).
	ChangelogAppend(e ChangelogEntry) (ChangelogEntry, error)
	// ChangelogAck removes every entry with seq <= throughSeq. throughSeq is a
	// float64 because it arrives as a JavaScript number: a non-integer fails
	// with ErrThroughSeq.
	ChangelogAck(throughSeq float64) error
	// GetOrCreateClientID returns the stored clientId, storing newID first
	// when there is none, so clients opening one database agree (§12.10).
	GetOrCreateClientID(newID string) (string, error)
}

// FaultInjector is an optional Storage capability used by tests (LM-5): the
// next call of the named write operation ("changelogAppend", "putRow", ...)
// fails with that operation's storage error.
type FaultInjector interface {
	InjectFault(op string)
}

// GlobalCursorKey is the cursor key of the global cursor (§1.2).
const GlobalCursorKey = protocol.GlobalCursorKey

// HydrationState is a resource's hydration state (§11.4).
type HydrationState string

// The hydration states.
const (
	NotStarted HydrationState = "notStarted"
	Hydrating  HydrationState = "hydrating"
	Ready      HydrationState = "ready"
)

// Valid reports whether s is one of the three states.
func (s HydrationState) Valid() bool { return s == NotStarted || s == Hydrating || s == Ready }

// CheckHydrationTransition applies the rules of §11.4 to from → to. Storage
// backends call it so every backend refuses the same transitions.
func CheckHydrationTransition(from, to HydrationState) error {
	if !to.Valid() {
		return ErrHydrationState()
	}
	if from == to {
		return nil
	}
	switch {
	case from == NotStarted && to == Hydrating,
		from == Hydrating && to == Ready,
		from == Ready && to == Hydrating,
		from == Hydrating && to == NotStarted:
		return nil
	}
	return ErrHydrationTransition()
}

// CloneProgress is the stored progress of a paged clone (§11.2).
type CloneProgress struct {
	AfterID string `json:"afterId"`
	Cursor  string `json:"cursor"`
}

// RestoreKey names one record of the restore set (§12.9).
type RestoreKey struct {
	Resource string `json:"resource"`
	ID       string `json:"id"`
}

// ChangelogEntry is one pending local mutation (§11.5); Mutation is the
// completed mutation as a JSON object.
type ChangelogEntry = protocol.ChangelogEntry

// StorageError is the INTERNAL error "Storage error: <msg>" at path, wrapping
// a cause (§11).
func StorageError(path, msg string, cause error) *protocol.Error {
	return &protocol.Error{Code: protocol.CodeInternal, Message: "Storage error: " + msg, Path: path, Err: cause}
}

// ErrAppendFailed is the error of a failed changelog append (§11.5, LM-5).
func ErrAppendFailed(cause error) *protocol.Error {
	return StorageError("storage.changelogAppend", "changelogAppend failed", cause)
}

// ErrThroughSeq is the error of a non-integer acknowledgement (§11.5, LM-6).
func ErrThroughSeq() *protocol.Error {
	return StorageError("storage.changelogAck.throughSeq", "throughSeq must be integer", nil)
}

// ErrHydrationState is the error for an unknown hydration state (LM-9).
func ErrHydrationState() *protocol.Error {
	return StorageError("storage.setHydrationState.state", "invalid hydration state", nil)
}

// ErrHydrationTransition is the error for a forbidden transition (LM-9).
func ErrHydrationTransition() *protocol.Error {
	return StorageError("storage.setHydrationState.state", "invalid hydration state transition", nil)
}

// ErrMissingStore is the error for a resource without an object store (§11.2).
func ErrMissingStore(name string) *protocol.Error {
	return protocol.Errorf(protocol.CodeInvalid, "storage", "Storage error: missing object store %s", name)
}
