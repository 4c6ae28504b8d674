package engine

import (
	"context"

	"github.com/datafn/datafn-go/value"
)

// QueryJSON is Query returning the result as JSON bytes, the form in which
// results cross to JavaScript (architecture rule 5), written directly
// rather than through encoding/json (wire_json.go).
func (t *Table) QueryJSON(ctx context.Context, q value.Value) ([]byte, error) {
	r, err := t.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	return AppendQueryResultJSON(nil, r), nil
}
