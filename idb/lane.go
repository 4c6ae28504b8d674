//go:build js && wasm

package idb

import (
	"context"
	"sync"
	"syscall/js"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/jsbridge"
)

// Lane is the sync lane of §12.10 for IndexedDB storage: the exclusive Web
// Lock "datafn:<dbName>". Every client on the database, in any tab or
// worker of the origin, takes turns; the browser releases the lock of a
// context that goes away (a closed tab, a terminated worker).
type Lane struct {
	name string
}

var _ engine.Lane = (*Lane)(nil)

// NewLane returns the lane of the database dbName.
func NewLane(dbName string) *Lane { return &Lane{name: "datafn:" + dbName} }

// LockName is the Web Lock name, "datafn:<dbName>".
func (l *Lane) LockName() string { return l.name }

// Acquire waits for the lock, or fails with ctx's error when ctx ends
// first. The returned release must be called once; calling it again does
// nothing.
func (l *Lane) Acquire(ctx context.Context) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	locks := js.Global().Get("navigator").Get("locks")
	if !locks.Truthy() {
		return nil, engine.StorageError("storage", "Web Locks are not available", nil)
	}
	granted := make(chan js.Value, 1) // the resolve function that releases
	var onGrant js.Func
	onGrant = js.FuncOf(func(js.Value, []js.Value) any {
		hold, resolve := deferred()
		granted <- resolve
		return hold // the lock is held until hold settles
	})
	abort := js.Global().Get("AbortController").New()
	var req js.Value
	err := func() (err error) {
		defer catch(&err)
		req = locks.Call("request", l.name, map[string]any{"mode": "exclusive", "signal": abort.Get("signal")}, onGrant)
		return nil
	}()
	if err != nil {
		onGrant.Release()
		return nil, engine.StorageError("storage", "lane: "+err.Error(), err)
	}
	// The request settles when the lock is released or the wait aborted;
	// only then can onGrant no longer be called.
	ended := make(chan struct{})
	go func() {
		_, _ = jsbridge.Await(req)
		onGrant.Release()
		close(ended)
	}()
	select {
	case resolve := <-granted:
		return releaser(resolve), nil
	case <-ctx.Done():
	}
	abort.Call("abort")
	select {
	case resolve := <-granted: // granted just before the abort
		releaser(resolve)()
	case <-ended:
	}
	return nil, ctx.Err()
}

// deferred returns a new promise and the function that resolves it.
func deferred() (promise, resolve js.Value) {
	exec := js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve = args[0]
		return nil
	})
	// The Promise constructor runs exec synchronously.
	promise = js.Global().Get("Promise").New(exec)
	exec.Release()
	return promise, resolve
}

func releaser(resolve js.Value) func() {
	var once sync.Once
	return func() { once.Do(func() { resolve.Invoke() }) }
}
