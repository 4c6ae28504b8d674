package engine

import (
	"context"
	"slices"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// remoteQuery sends the query to the server. A limit above the server's
// maxLimit is fetched in cursor pages of maxLimit and returned as one result
// (§4.11, D29, P-1c).
func (t *Table) remoteQuery(ctx context.Context, q value.Value) (protocol.QueryResult, error) {
	limit := q.Get("limit")
	if !limit.IsInteger() || limit.Num() <= protocol.MaxLimit {
		return t.send(ctx, q)
	}
	if isGrouped(q) {
		return t.remoteGroups(ctx, q, int(limit.Num()))
	}
	want := int(limit.Num())
	dir := "after"
	if q.Get("cursor").Has("before") {
		dir = "before"
	}
	page := q.With("limit", value.Num(protocol.MaxLimit))
	var rows []value.Value
	var out protocol.QueryResult
	for first := true; ; first = false {
		if n := want - len(rows); n < protocol.MaxLimit {
			page = page.With("limit", value.Num(float64(n)))
		}
		r, err := t.send(ctx, page)
		if err != nil {
			return protocol.QueryResult{}, err
		}
		if first {
			out.Count = r.Count
		}
		if dir == "before" {
			rows = append(slices.Clone(r.Data), rows...)
		} else {
			rows = append(rows, r.Data...)
		}
		out.NextCursor = r.NextCursor
		if len(rows) >= want || r.NextCursor.IsNull() {
			break
		}
		page = page.With("offset", value.Value{}).With("count", value.Value{}).
			With("cursor", obj(kv{dir, r.NextCursor}))
	}
	out.Data = rows
	return out, nil
}

// remoteGroups fetches a grouped query without limit and offset (groups
// cannot be paged by cursor) and cuts them locally.
func (t *Table) remoteGroups(ctx context.Context, q value.Value, limit int) (protocol.QueryResult, error) {
	off := 0
	if o := q.Get("offset"); o.IsInteger() {
		off = int(o.Num())
	}
	r, err := t.send(ctx, q.With("limit", value.Value{}).With("offset", value.Value{}))
	if err != nil {
		return r, err
	}
	g := r.Groups
	g = g[min(off, len(g)):]
	g = g[:min(limit, len(g))]
	return protocol.GroupResult(g), nil
}

func (t *Table) send(ctx context.Context, q value.Value) (protocol.QueryResult, error) {
	rctx, cancel := t.c.reqCtx(ctx)
	defer cancel()
	return t.c.transport.Query(rctx, q)
}

// overlayQuery is the hydrating overlay of §12.3 (D35): rows with pending
// entries come from local storage, everything else from the server.
func (t *Table) overlayQuery(ctx context.Context, q value.Value, pq *query) (protocol.QueryResult, error) {
	off := q.Get("offset")
	if isGrouped(q) || q.Has("cursor") || (off.IsInteger() && off.Num() != 0) {
		return t.remoteQuery(ctx, q)
	}
	pending, local, err := t.pendingRows(ctx)
	if err != nil {
		return protocol.QueryResult{}, err
	}
	if len(pending) == 0 {
		return t.remoteQuery(ctx, q)
	}
	r, err := t.remoteQuery(ctx, withSortFields(q, pq))
	if err != nil {
		return r, err
	}
	var rows []value.Value
	for _, row := range r.Data {
		if !pending[row.Get("id").Str()] {
			rows = append(rows, row)
		}
	}
	for _, row := range local {
		if pq.matches(row) {
			rows = append(rows, row)
		}
	}
	out := pq.orderCutProject(rows)
	out.NextCursor, out.Count = r.NextCursor, r.Count
	return out, nil
}

// pendingRows returns the ids of this resource with pending entries and
// the local rows of those that exist.
func (t *Table) pendingRows(ctx context.Context) (map[string]bool, []value.Value, error) {
	pending := map[string]bool{}
	var local []value.Value
	err := t.c.view(ctx, func(tx ReadTx) error {
		entries, err := tx.Changelog(0)
		if err != nil {
			return err
		}
		for _, e := range entries {
			m := entryMutation(e)
			if m.resource == t.res.Name && !pending[m.id] {
				pending[m.id] = true
				row, ok, err := tx.Row(m.resource, m.id)
				if err != nil {
					return err
				}
				if ok {
					local = append(local, row)
				}
			}
		}
		return nil
	})
	return pending, local, err
}

// withSortFields adds to a select the sort fields and id it lacks, so the
// overlay can order remote and local rows together (§12.3 overlay step 2).
func withSortFields(q value.Value, pq *query) value.Value {
	sel := q.Get("select")
	if sel.Kind() != value.Array {
		return q
	}
	have := map[string]bool{}
	for _, e := range sel.Elems() {
		have[e.Str()] = true
	}
	if have["*"] {
		return q
	}
	elems := slices.Clone(sel.Elems())
	for _, f := range append([]string{"id"}, pq.sortFields()...) {
		if !have[f] {
			have[f] = true
			elems = append(elems, value.Str(f))
		}
	}
	return q.With("select", value.Arr(elems))
}
