package engine

import (
	"context"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// Table is the handle of one resource (§9.4).
type Table struct {
	c   *Client
	res *schema.Resource
}

// Name is the resource name.
func (t *Table) Name() string { return t.res.Name }

// Resource is the table's schema resource.
func (t *Table) Resource() *schema.Resource { return t.res }

// Version is the resource's schema version.
func (t *Table) Version() int { return t.res.Version }

// Subscribe is client.Subscribe with filter.resource forced to the table.
func (t *Table) Subscribe(h Handler, f Filter) (func(), error) {
	f.Resource = []string{t.res.Name}
	return t.c.Subscribe(h, f)
}

// complete sets resource and version from the handle, overwriting any given
// (§9.4, TR-5).
func (t *Table) complete(v value.Value) value.Value {
	if v.Kind() != value.Object {
		return v
	}
	return v.With("resource", value.Str(t.res.Name)).With("version", value.Num(float64(t.res.Version)))
}

// Query runs a DFQL query routed by §12.3.
func (t *Table) Query(ctx context.Context, q value.Value) (protocol.QueryResult, error) {
	if err := t.c.enter(); err != nil {
		return protocol.QueryResult{}, err
	}
	defer t.c.leave(ctx)
	q = t.complete(q)
	pq, err := parseQuery(t.c.schema, q)
	if err != nil {
		return protocol.QueryResult{}, err
	}
	if pq.q.EmptyInShortCircuit() {
		return emptyResult(pq), nil
	}
	return t.route(ctx, q, pq)
}

func (t *Table) route(ctx context.Context, q value.Value, pq *query) (protocol.QueryResult, error) {
	c := t.c
	switch {
	case t.res.RemoteOnly && c.transport == nil:
		return protocol.QueryResult{}, protocol.Errorf(protocol.CodeInvalid, "resource",
			"Remote-only resource requires a remote: %s", t.res.Name)
	case c.store == nil || t.res.RemoteOnly:
		return t.remoteQuery(ctx, q)
	case c.cfg.Mode == ModeLocalOnly:
		return t.localQuery(ctx, pq)
	}
	h, err := c.hydration(ctx, t.res.Name)
	if err != nil {
		return protocol.QueryResult{}, err
	}
	switch h {
	case Ready:
		return t.localQuery(ctx, pq)
	case Hydrating:
		return t.overlayQuery(ctx, q, pq)
	}
	return t.remoteQuery(ctx, q)
}

func (t *Table) localQuery(ctx context.Context, pq *query) (protocol.QueryResult, error) {
	rows, err := t.c.cachedRows(ctx, t.res)
	if err != nil {
		return protocol.QueryResult{}, err
	}
	return pq.eval(rows), nil
}

// emptyResult is the answer of the empty-$in short-circuit (§4.5): nothing
// is read and nothing is sent.
func emptyResult(pq *query) protocol.QueryResult {
	if pq.q.Grouped {
		return protocol.GroupResult(nil)
	}
	r := protocol.RowResult(nil, value.NullValue)
	if pq.q.Count {
		var zero int64
		r.Count = &zero
	}
	return r
}

func isGrouped(q value.Value) bool { return q.Has("groupBy") || q.Has("aggregations") }
