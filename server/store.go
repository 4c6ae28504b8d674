package server

import (
	"context"

	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// Store is the server's persistence: rows per (namespace, resource, id), the
// change feed, idempotency records and seed markers. server/sqlite and
// server/postgres implement it and pass one conformance suite
// (server/storetest).
//
// Rows are JSON objects (value.Value of kind Object) stored and returned
// exactly as written.
type Store interface {
	// Migrate creates missing internal tables, resource tables and the indexes
	// of every resource's indices.base fields. Existing data is kept.
	Migrate(ctx context.Context, s *schema.Schema) error
	// Read runs fn in one consistent read snapshot of namespace ns.
	Read(ctx context.Context, ns string, fn func(ReadTx) error) error
	// Write runs fn in one transaction that holds ns's write lock from its
	// start until commit (§8.2). An error from fn rolls everything back.
	Write(ctx context.Context, ns string, fn func(WriteTx) error) error
	// Ping checks that the database answers (a trivial read).
	Ping(ctx context.Context) error
	Close() error
}

// ReadTx is what a snapshot can read. All methods act on the namespace the
// transaction was opened for.
type ReadTx interface {
	// CurrentSeq is the highest serverSeq committed in the namespace (0 when none).
	CurrentSeq() (int64, error)
	// Get returns the stored row, or ok=false.
	Get(res *schema.Resource, id string) (row value.Value, ok bool, err error)
	// Scan returns up to limit rows with id > afterID (all when afterID is
	// nil), ordered by id in code point order. limit <= 0 means no limit.
	Scan(res *schema.Resource, afterID *string, limit int) ([]value.Value, error)
	// Count is the number of rows of the resource.
	Count(res *schema.Resource) (int64, error)
	// Changes returns, for each resource in after, its changes with serverSeq
	// greater than after[resource], in seq order, at most limit per resource
	// (§8.4 step 1 calls it with L+1).
	Changes(after map[string]int64, limit int) ([]Change, error)
	// Idempotency returns the stored result JSON of (clientID, mutationID).
	Idempotency(clientID, mutationID string) (result []byte, ok bool, err error)
	// Query runs a validated DFQL query in the database (filters, order,
	// cursor, offset, limit, count, grouping and having translated to SQL)
	// and returns exactly what q.Eval would return over the same rows.
	Query(q *dfql.Query) (*dfql.Result, error)
}

// RawScanner is an optional capability of a ReadTx (check with a type
// assertion): Scan without decoding, for callers that copy rows to the wire
// unchanged (clone). Decoding rows into value.Value dominates Scan's cost.
type RawScanner interface {
	// ScanRaw visits what Scan returns, in the same order, as each row's id
	// and JSON text; row is only valid during the call.
	ScanRaw(res *schema.Resource, afterID *string, limit int, fn func(id string, row []byte) error) error
}

// WriteTx can also write.
type WriteTx interface {
	ReadTx
	// Put inserts or replaces the row with this id.
	Put(res *schema.Resource, id string, row value.Value) error
	// Delete removes the row; deleting a missing row is not an error.
	Delete(res *schema.Resource, id string) error
	// AppendChange allocates the next serverSeq of the namespace and records
	// the change (op insert/replace/merge/delete; data Absent for delete).
	AppendChange(resource, id, op string, data value.Value) (int64, error)
	// PutIdempotency stores the result JSON of (clientID, mutationID).
	PutIdempotency(clientID, mutationID string, result []byte) error
	// Savepoint runs fn inside a savepoint: an error from fn rolls back what
	// fn wrote (including seq allocations) and is returned; the transaction
	// goes on.
	Savepoint(fn func() error) error
	// MarkSeeded records the namespace's seed marker; false when it existed.
	MarkSeeded(clientID string) (bool, error)
}

// Change is one row of the change feed.
type Change struct {
	Seq      int64
	Resource string
	ID       string
	Op       string // insert, replace, merge, delete
	// Data is the JSON text of the change's document: the full row for
	// insert and replace, the patch for merge; nil for delete. Stores hand
	// it out undecoded so that a pull can copy unchanged rows straight to
	// the response; Decode parses it when it must be folded.
	Data []byte
}

// Decode parses Data; a delete decodes to Absent.
func (c Change) Decode() (value.Value, error) {
	if c.Data == nil {
		return value.Value{}, nil
	}
	return value.Parse(c.Data)
}
