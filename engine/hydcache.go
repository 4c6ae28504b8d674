package engine

import (
	"context"
	"sync"
)

// hydCache keeps the hydration states this client read, so that query
// routing (§12.3) and the local-path decision (§12.4 step 2) do not open a
// storage transaction per call. Any write transaction that sets a hydration
// state forgets the cache after it ends (watchedStorage), and so does every
// announcement from another tab on the same database (Refresh). gen
// discards a state read before a write that ended while it was being read.
type hydCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]HydrationState
}

// hydration returns the stored hydration state of resource.
func (c *Client) hydration(ctx context.Context, resource string) (HydrationState, error) {
	hc := &c.hyd
	hc.mu.Lock()
	h, ok := hc.m[resource]
	gen := hc.gen
	hc.mu.Unlock()
	if ok {
		return h, nil
	}
	err := c.view(ctx, func(tx ReadTx) error {
		var err error
		h, err = tx.Hydration(resource)
		return err
	})
	if err != nil {
		return h, err
	}
	hc.mu.Lock()
	if hc.gen == gen {
		if hc.m == nil {
			hc.m = map[string]HydrationState{}
		}
		hc.m[resource] = h
	}
	hc.mu.Unlock()
	return h, nil
}

// forgetHydration drops every cached state.
func (c *Client) forgetHydration() {
	hc := &c.hyd
	hc.mu.Lock()
	hc.gen++
	hc.m = nil
	hc.mu.Unlock()
}
