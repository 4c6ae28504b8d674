package engine

import (
	"context"

	"github.com/datafn/datafn-go/schema"
)

// Change names what one committed storage write transaction changed, for
// the announcements other clients on the same database apply (§12.10, D39).
type Change struct {
	Resource string
	// IDs are the changed rows; nil means "everything" (a clone).
	IDs []string
}

// announce reports the committed row changes of one transaction through
// Deps.Announce (the browser posts them on BroadcastChannel
// "datafn:<dbName>").
func (c *Client) announce(changes []rowChange) {
	if c.deps.Announce == nil || len(changes) == 0 {
		return
	}
	byRes := map[string][]string{}
	var order []string
	for _, ch := range changes {
		if _, ok := byRes[ch.resource]; !ok {
			order = append(order, ch.resource)
		}
		byRes[ch.resource] = append(byRes[ch.resource], ch.id)
	}
	out := make([]Change, len(order))
	for i, r := range order {
		out[i] = Change{Resource: r, IDs: byRes[r]}
	}
	c.deps.Announce(out)
}

// Refresh applies another client's announcement to this client's resident
// rows: the named rows are re-read from storage (all rows when IDs is nil)
// before the next local query reads them.
func (c *Client) Refresh(ctx context.Context, changes []Change) error {
	if err := c.enter(); err != nil {
		return err
	}
	defer c.leave(ctx)
	if c.store == nil {
		return nil
	}
	rc := c.cache
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return c.store.View(ctx, func(tx ReadTx) error {
		for _, ch := range changes {
			t, ok := rc.tables[ch.Resource]
			res := c.schema.Resource(ch.Resource)
			if !ok || res == nil {
				continue
			}
			if ch.IDs == nil {
				delete(rc.tables, ch.Resource) // reloaded on the next query
				continue
			}
			if err := refreshRows(tx, res, t, ch.IDs); err != nil {
				return err
			}
		}
		return nil
	})
}

func refreshRows(tx ReadTx, res *schema.Resource, t *residentTable, ids []string) error {
	for _, id := range ids {
		obj, ok, err := tx.Row(res.Name, id)
		if err != nil {
			return err
		}
		if !ok {
			t.remove(id)
			continue
		}
		r := res.RowFromObject(obj)
		t.put(&r)
	}
	return nil
}
