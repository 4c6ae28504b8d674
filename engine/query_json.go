package engine

import (
	"context"
	"encoding/json"

	"github.com/datafn/datafn-go/value"
)

// QueryJSON is Query returning the result as JSON bytes, the form in which
// results cross to JavaScript (architecture rule 5).
func (t *Table) QueryJSON(ctx context.Context, q value.Value) ([]byte, error) {
	r, err := t.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	return json.Marshal(r)
}
