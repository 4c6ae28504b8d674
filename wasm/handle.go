//go:build js && wasm

package main

import (
	"context"
	"sync"
	"sync/atomic"
	"syscall/js"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/jsbridge"
	"github.com/datafn/datafn-go/protocol"
)

// A RawClient's methods are not one js.Func per client: each method is one
// shared js.Func for the whole page, and a client's object holds it bound
// to the client's id (Function.prototype.bind). Nothing is released when a
// client closes, a closed id simply stops resolving, and a method JavaScript
// kept after close still answers "Client has been destroyed". Unsubscribe
// functions work the same way with subscription ids.

// handle is one client of the page.
type handle struct {
	id  int
	c   *engine.Client
	ann *jsbridge.Announcer // nil unless the storage is IndexedDB

	mu   sync.Mutex
	subs map[int]bool // live subscription ids
}

// registry maps ids to live clients and subscriptions.
var registry = struct {
	mu      sync.Mutex
	next    int
	clients map[int]*handle
	subs    map[int]subscription
}{clients: map[int]*handle{}, subs: map[int]subscription{}}

type subscription struct {
	h     *handle
	unsub func()
}

// register makes h live and returns its RawClient object.
func register(h *handle) js.Value {
	registry.mu.Lock()
	registry.next++
	h.id = registry.next
	h.subs = map[int]bool{}
	registry.clients[h.id] = h
	registry.mu.Unlock()

	obj := jsObject.New()
	for name, fn := range methods() {
		obj.Set(name, fn.Call("bind", js.Null(), h.id))
	}
	obj.Set("clientId", clientIDFunc().Call("bind", js.Null(), h.c.ClientID()))
	return obj
}

// lookup returns the live client with id, nil after close.
func lookup(id js.Value) *handle {
	if id.Type() != js.TypeNumber {
		return nil
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	return registry.clients[id.Int()]
}

// unregister ends h's life in the registry and drops its subscriptions; it
// reports false when h was already gone.
func unregister(h *handle) bool {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.clients[h.id] != h {
		return false
	}
	delete(registry.clients, h.id)
	h.mu.Lock()
	for id := range h.subs {
		delete(registry.subs, id)
	}
	h.subs = nil
	h.mu.Unlock()
	return true
}

// addSubscription records unsub and returns its unsubscribe function.
func (h *handle) addSubscription(unsub func()) js.Value {
	registry.mu.Lock()
	registry.next++
	id := registry.next
	registry.subs[id] = subscription{h: h, unsub: unsub}
	h.mu.Lock()
	if h.subs != nil {
		h.subs[id] = true
	}
	h.mu.Unlock()
	registry.mu.Unlock()
	return unsubscribeFunc().Call("bind", js.Null(), id)
}

// unsubscribe ends a subscription; later calls do nothing.
func unsubscribe(id int) {
	registry.mu.Lock()
	s, ok := registry.subs[id]
	delete(registry.subs, id)
	registry.mu.Unlock()
	if !ok {
		return
	}
	s.h.mu.Lock()
	delete(s.h.subs, id)
	s.h.mu.Unlock()
	s.unsub()
}

// refresh applies another client's announcement (the Announcer's apply).
func (h *handle) refresh(changes []engine.Change) {
	registry.mu.Lock()
	live := registry.clients[h.id] == h
	registry.mu.Unlock()
	if !live || h.c == nil {
		return
	}
	if err := h.c.Refresh(context.Background(), changes); err != nil && !isDestroyed(err) {
		consoleError("datafn: applying another client's changes failed: %v", err)
	}
}

func (h *handle) closeAnnouncer() {
	if h.ann != nil {
		h.ann.Close()
	}
}

// close is RawClient.close(): the client is gone from the registry at once,
// then the engine closes (waiting for calls in progress).
func (h *handle) close(ctx context.Context) error {
	if !unregister(h) {
		return nil
	}
	err := h.c.Close(ctx)
	h.closeAnnouncer()
	return err
}

// errDestroyed is the engine's error for calls on a closed client (§9.4).
func errDestroyed() error {
	return protocol.Errorf(protocol.CodeInvalid, "$", "Client has been destroyed")
}

func isDestroyed(err error) bool {
	pe := protocol.As(err)
	return pe.Code == protocol.CodeInvalid && pe.Message == "Client has been destroyed"
}

// handlerDepth counts JavaScript event handlers running right now. The page
// has one thread, and a handler runs synchronously inside the engine's
// event dispatcher, so a bridge call that sees it positive was made from a
// handler and must not wait for event delivery (the dispatcher is busy
// with that handler).
var handlerDepth atomic.Int32
