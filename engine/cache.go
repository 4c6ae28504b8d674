package engine

import (
	"context"
	"sync"

	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// rowCache keeps the rows of tables that local queries read resident in
// memory (architecture rule 7): loaded from storage on first use and
// written through by every storage write transaction of this client.
//
// update holds mu while the storage transaction runs, so a table is never
// loaded between a commit and the application of that commit to the cache.
type rowCache struct {
	mu     sync.RWMutex
	tables map[string]map[string]*schema.Row
}

func newRowCache() *rowCache { return &rowCache{tables: map[string]map[string]*schema.Row{}} }

// cachedRows returns a snapshot of a table's rows, loading it when needed.
// Rows are shared and immutable: writes replace them.
func (c *Client) cachedRows(ctx context.Context, res *schema.Resource) ([]*schema.Row, error) {
	resource := res.Name
	rc := c.cache
	rc.mu.RLock()
	m, ok := rc.tables[resource]
	if ok {
		out := snapshot(m)
		rc.mu.RUnlock()
		return out, nil
	}
	rc.mu.RUnlock()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if m, ok := rc.tables[resource]; ok {
		return snapshot(m), nil
	}
	var rows []value.Value
	err := c.store.View(ctx, func(tx ReadTx) error {
		var err error
		rows, err = tx.Rows(resource)
		return err
	})
	if err != nil {
		return nil, err
	}
	m = make(map[string]*schema.Row, len(rows))
	for _, obj := range rows {
		r := res.RowFromObject(obj)
		m[r.ID] = &r
	}
	rc.tables[resource] = m
	return snapshot(m), nil
}

func snapshot(m map[string]*schema.Row) []*schema.Row {
	out := make([]*schema.Row, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	return out
}

// cacheTx is the WriteTx the engine writes through: it records row changes
// so that they reach the cache after the commit.
type cacheTx struct {
	WriteTx
	changes []rowChange
}

type rowChange struct {
	resource, id string
	row          value.Value // Absent: deleted
}

func (t *cacheTx) PutRow(resource string, row value.Value) error {
	if err := t.WriteTx.PutRow(resource, row); err != nil {
		return err
	}
	t.changes = append(t.changes, rowChange{resource, row.Get("id").Str(), row})
	return nil
}

func (t *cacheTx) DeleteRow(resource, id string) error {
	if err := t.WriteTx.DeleteRow(resource, id); err != nil {
		return err
	}
	t.changes = append(t.changes, rowChange{resource: resource, id: id})
	return nil
}

// update runs fn in one storage write transaction and applies its committed
// row changes to the cache.
func (c *Client) update(ctx context.Context, fn func(tx *cacheTx) error) error {
	rc := c.cache
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var committed *cacheTx
	err := c.store.Update(ctx, func(tx WriteTx) error {
		ct := &cacheTx{WriteTx: tx}
		if err := fn(ct); err != nil {
			return err
		}
		committed = ct
		return nil
	})
	if err != nil {
		return err
	}
	c.announce(committed.changes)
	for _, ch := range committed.changes {
		m, ok := rc.tables[ch.resource]
		if !ok {
			continue
		}
		if ch.row.IsAbsent() {
			delete(m, ch.id)
		} else if res := c.schema.Resource(ch.resource); res != nil {
			r := res.RowFromObject(ch.row)
			m[ch.id] = &r
		}
	}
	return nil
}

// view runs fn in a read transaction.
func (c *Client) view(ctx context.Context, fn func(tx ReadTx) error) error {
	return c.store.View(ctx, fn)
}
