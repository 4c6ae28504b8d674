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
	tables map[string]*residentTable
}

// residentTable is one loaded table: the row list local queries evaluate and
// each row's position in it.
//
// Queries get the list itself, without a copy, and read it outside the
// cache lock; so once a list has been handed out (shared) the next write
// copies it first. A write therefore costs at most one copy of the pointer
// slice, never a rebuild, and rows loaded together stay contiguous in
// memory, which keeps scans over 100k rows fast.
type residentTable struct {
	pos    map[string]int
	list   []*schema.Row
	shared bool
}

// internMaxLen is the longest string value shared between rows of a loaded
// table (enum-like values; longer text is rarely repeated).
const internMaxLen = 24

func newRowCache() *rowCache { return &rowCache{tables: map[string]*residentTable{}} }

// own makes the list safe to modify in place.
func (t *residentTable) own() {
	if t.shared {
		t.list = append(make([]*schema.Row, 0, len(t.list)+1), t.list...)
		t.shared = false
	}
}

func (t *residentTable) put(r *schema.Row) {
	t.own()
	if i, ok := t.pos[r.ID]; ok {
		t.list[i] = r
		return
	}
	t.pos[r.ID] = len(t.list)
	t.list = append(t.list, r)
}

func (t *residentTable) remove(id string) {
	i, ok := t.pos[id]
	if !ok {
		return
	}
	t.own()
	last := len(t.list) - 1
	t.list[i] = t.list[last]
	t.pos[t.list[i].ID] = i
	t.list[last] = nil
	t.list = t.list[:last]
	delete(t.pos, id)
}

// cachedRows returns the rows of a table, loading it when needed. The slice
// and the rows are shared and never modified: writes replace them.
func (c *Client) cachedRows(ctx context.Context, res *schema.Resource) ([]*schema.Row, error) {
	rc := c.cache
	rc.mu.Lock()
	defer rc.mu.Unlock()
	t, ok := rc.tables[res.Name]
	if !ok {
		var err error
		if t, err = c.loadTable(ctx, res); err != nil {
			return nil, err
		}
		rc.tables[res.Name] = t
	}
	t.shared = true
	return t.list, nil
}

// loadTable reads a table a storage batch at a time, converting each batch
// as it arrives, so that no event-loop task holds the whole table.
func (c *Client) loadTable(ctx context.Context, res *schema.Resource) (*residentTable, error) {
	var t *residentTable
	err := c.store.View(ctx, func(tx ReadTx) error {
		t = &residentTable{pos: map[string]int{}}
		in := value.NewInterner(internMaxLen)
		return tx.RowBatches(res.Name, func(rows []value.Value) error {
			// One allocation for the row headers of a batch keeps the
			// table nearly contiguous.
			backing := make([]schema.Row, len(rows))
			for i, obj := range rows {
				backing[i] = res.RowFromObject(obj)
				for j, v := range backing[i].Vals {
					backing[i].Vals[j] = in.Value(v)
				}
				t.put(&backing[i])
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// ensureResident loads a table into the cache unless it is resident. A
// clone calls it before its first page, while the table is typically empty,
// so the pages fill the cache as they commit and the first query after the
// clone does not read the whole table back from storage. Only with
// Deps.Announce (IndexedDB in the browser): then other clients of the
// storage announce their writes and a resident table stays current; without
// it, a table stays unloaded until a query needs it.
func (c *Client) ensureResident(ctx context.Context, res *schema.Resource) error {
	rc := c.cache
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if _, ok := rc.tables[res.Name]; ok {
		return nil
	}
	t, err := c.loadTable(ctx, res)
	if err != nil {
		return err
	}
	rc.tables[res.Name] = t
	return nil
}

// cacheTx is the WriteTx the engine writes through: it records row changes
// so that they reach the cache after the commit.
type cacheTx struct {
	WriteTx
	c       *Client
	changes []rowChange
}

type rowChange struct {
	resource, id string
	row          value.Value // Absent: deleted
	// res is row as a resident row, made while the transaction runs when
	// the table is resident (update holds the cache lock): converting a
	// large page there spreads the work over the transaction's tasks.
	res *schema.Row
}

func (t *cacheTx) PutRow(resource string, row value.Value) error {
	if err := t.WriteTx.PutRow(resource, row); err != nil {
		return err
	}
	ch := rowChange{resource: resource, id: row.Get("id").Str(), row: row}
	if _, ok := t.c.cache.tables[resource]; ok {
		if res := t.c.schema.Resource(resource); res != nil {
			r := res.RowFromObject(row)
			ch.res = &r
		}
	}
	t.changes = append(t.changes, ch)
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
		ct := &cacheTx{WriteTx: tx, c: c}
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
		t, ok := rc.tables[ch.resource]
		if !ok {
			continue
		}
		if ch.row.IsAbsent() {
			t.remove(ch.id)
		} else if ch.res != nil {
			t.put(ch.res)
		} else if res := c.schema.Resource(ch.resource); res != nil {
			r := res.RowFromObject(ch.row)
			t.put(&r)
		}
	}
	return nil
}

// view runs fn in a read transaction.
func (c *Client) view(ctx context.Context, fn func(tx ReadTx) error) error {
	return c.store.View(ctx, fn)
}
