package engine

import (
	"context"
	"slices"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// Change names what one committed storage write transaction changed, for
// the announcements other clients on the same database apply (§12.10, D39).
type Change struct {
	Resource string
	// IDs are the changed rows; nil means "everything" (a clone).
	IDs []string
}

// everythingID is the id of the rowChange that SetHydration records when a
// clone makes a table ready: no row has an empty id, so the cache update of
// the committing client treats it as the removal of nothing, and announce
// turns it into "everything" for that resource.
const everythingID = ""

// SetHydration records a table made ready, which only a completed clone
// does (§12.6), so that the commit is announced as "everything" for it.
func (t *cacheTx) SetHydration(resource string, s HydrationState) error {
	if err := t.WriteTx.SetHydration(resource, s); err != nil {
		return err
	}
	if s == Ready {
		t.changes = append(t.changes, rowChange{resource: resource, id: everythingID})
	}
	return nil
}

// announce reports the committed row changes of one transaction through
// Deps.Announce (the browser posts them on BroadcastChannel
// "datafn:<dbName>"): one Change per resource in order of first change, each
// id once, and IDs nil for a resource a clone made ready.
func (c *Client) announce(changes []rowChange) {
	if c.deps.Announce == nil || len(changes) == 0 {
		return
	}
	var out []Change
	at := map[string]int{}
	seen := map[[2]string]bool{}
	all := map[string]bool{}
	for _, ch := range changes {
		i, ok := at[ch.resource]
		if !ok {
			i = len(out)
			at[ch.resource] = i
			out = append(out, Change{Resource: ch.resource, IDs: []string{}})
		}
		if ch.id == everythingID {
			all[ch.resource] = true
			continue
		}
		if k := [2]string{ch.resource, ch.id}; !seen[k] {
			seen[k] = true
			out[i].IDs = append(out[i].IDs, ch.id)
		}
	}
	for i := range out {
		if all[out[i].Resource] {
			out[i].IDs = nil
		}
	}
	c.deps.Announce(out)
}

// Refresh applies another client's announcement: the named rows of resident
// tables are re-read from storage (a table announced as "everything" is
// dropped and reloaded by the next query) before the next local query reads
// them, and then events fire for what changed there, marked fromRemoteTab
// (§12.10):
//
//   - one mutation_applied per resource with ids: resource and ids only.
//     The other client's mutationId, clientId, action and fields are not
//     announced, and a row read back from storage does not tell which
//     mutation (or pull) wrote it, so those members are absent rather than
//     guessed; a subscription filtering on fields does not match these
//     events, one filtering on mutationId or action does (§10.3).
//   - one sync_applied for the resources announced as "everything" (a
//     clone completed there): context {phase: "clone", resources (sorted),
//     cursors} with those resources' stored cursors. It does not touch this
//     client's status (lastError).
//
// Resources this client's schema does not know are ignored.
func (c *Client) Refresh(ctx context.Context, changes []Change) error {
	if err := c.enter(); err != nil {
		return err
	}
	defer c.leave(ctx)
	if c.store == nil {
		return nil
	}
	// The other tab may have changed hydration states (a clone).
	c.forgetHydration()
	changes = slices.DeleteFunc(slices.Clone(changes), func(ch Change) bool {
		return c.schema.Resource(ch.Resource) == nil
	})
	cursors, err := c.refreshCache(ctx, changes)
	if err != nil {
		return err
	}
	c.emitRemote(changes, cursors)
	return nil
}

// refreshCache applies changes to the resident rows; it returns the stored
// cursors when some change is "everything" (read in the same transaction).
func (c *Client) refreshCache(ctx context.Context, changes []Change) (map[string]string, error) {
	rc := c.cache
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var cursors map[string]string
	err := c.store.View(ctx, func(tx ReadTx) error {
		for _, ch := range changes {
			if ch.IDs == nil {
				delete(rc.tables, ch.Resource) // reloaded on the next query
				if cursors == nil {
					var err error
					if cursors, err = tx.Cursors(); err != nil {
						return err
					}
				}
				continue
			}
			if t, ok := rc.tables[ch.Resource]; ok {
				if err := refreshRows(tx, c.schema.Resource(ch.Resource), t, ch.IDs); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return cursors, err
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

// emitRemote fires the fromRemoteTab events of an applied announcement.
func (c *Client) emitRemote(changes []Change, cursors map[string]string) {
	var cloned []string
	for _, ch := range changes {
		switch {
		case ch.IDs == nil:
			if !slices.Contains(cloned, ch.Resource) {
				cloned = append(cloned, ch.Resource)
			}
		case len(ch.IDs) > 0:
			c.emit(protocol.Event{Type: protocol.EventMutationApplied, Resource: ch.Resource,
				IDs: slices.Clone(ch.IDs), FromRemoteTab: true})
		}
	}
	if len(cloned) == 0 {
		return
	}
	slices.Sort(cloned)
	cur := map[string]string{}
	for _, r := range cloned {
		if v, ok := cursors[r]; ok {
			cur[r] = v
		}
	}
	c.emit(protocol.Event{Type: protocol.EventSyncApplied, FromRemoteTab: true,
		Context: obj(kv{"phase", value.Str("clone")}, kv{"resources", strs(cloned)}, kv{"cursors", cursorObj(cur)})})
}
