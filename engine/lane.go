package engine

import (
	"context"
)

// Lane is the sync lane of §12.10: it lets one unit of sync work run at a
// time per database. Memory storage uses MutexLane; the browser uses the
// exclusive Web Lock "datafn:<dbName>" so tabs on one database take turns.
type Lane interface {
	// Acquire waits for the lane; the returned release must be called once.
	Acquire(ctx context.Context) (release func(), err error)
}

// MutexLane is a Lane for one process: a channel-based mutex that honours
// context cancellation while waiting.
type MutexLane struct{ ch chan struct{} }

// NewMutexLane returns a free lane.
func NewMutexLane() *MutexLane { return &MutexLane{ch: make(chan struct{}, 1)} }

// Acquire takes the lane or fails with ctx's error.
func (l *MutexLane) Acquire(ctx context.Context) (func(), error) {
	select {
	case l.ch <- struct{}{}:
		return func() { <-l.ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
