package engine

import (
	"context"

	"github.com/datafn/datafn-go/protocol"
)

// DebugApplyPull applies body, the bytes of a POST /pull response, as one
// pull window (§12.7) without the network: the transport's response
// handling (§9.5), then, in one unit of the sync lane, the pull state read
// and the window written in one storage transaction (cursor check, rows,
// merges and deletes, re-application of pending mutations, cursors). It
// returns once that transaction is committed. Every local resource counts
// as ready, whatever its hydration state, so that a local-only client can
// be fed. No sync_started/sync_applied events are fired.
//
// For benchmarks and tests only (wasm/debug.go); not part of the API.
func (c *Client) DebugApplyPull(ctx context.Context, body []byte) error {
	if err := c.enter(); err != nil {
		return err
	}
	defer c.leave(ctx)
	if c.store == nil {
		return protocol.Errorf(protocol.CodeInvalid, "$", "DebugApplyPull: the client has no storage")
	}
	v, err := HandleResponse(protocol.OpPull, 200, "OK", body)
	if err != nil {
		return err
	}
	var res protocol.PullResult
	if err := decodeSyncResult(v, &res, ""); err != nil {
		return err
	}
	if !cursorsValid(res.Cursors) {
		return errShape()
	}
	var ready []string
	for _, r := range c.localResources() {
		ready = append(ready, r.Name)
	}
	s := c.sync
	return s.unit(ctx, nil, func() error {
		st, err := s.readPullState(ctx)
		if err != nil {
			return err
		}
		run := &pullRun{cloneEpoch: st.cloneEpoch, start: map[string]int64{}, end: map[string]int64{},
			changed: map[string]bool{}}
		return s.applyWindow(ctx, ready, res, run)
	})
}
