package engine

import (
	"context"
	"sync/atomic"

	"github.com/datafn/datafn-go/value"
)

// queryJSONSize is the length of the last QueryJSON result: the next one
// starts with room for about as much, sparing the copies (and the garbage)
// of growing the buffer from nothing.
var queryJSONSize atomic.Int64

// QueryJSON is Query returning the result as JSON bytes, the form in which
// results cross to JavaScript (architecture rule 5), written directly
// rather than through encoding/json (wire_json.go).
func (t *Table) QueryJSON(ctx context.Context, q value.Value) ([]byte, error) {
	r, err := t.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	n := queryJSONSize.Load()
	b := AppendQueryResultJSON(make([]byte, 0, n+n/8+64), r)
	queryJSONSize.Store(int64(len(b)))
	return b, nil
}

// AppendQueryJSON is QueryJSON appending to dst (which the bridge reuses).
func (t *Table) AppendQueryJSON(ctx context.Context, dst []byte, q value.Value) ([]byte, error) {
	r, err := t.Query(ctx, q)
	if err != nil {
		return dst, err
	}
	return AppendQueryResultJSON(dst, r), nil
}
