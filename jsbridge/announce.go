//go:build js && wasm

package jsbridge

import (
	"sync"
	"syscall/js"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/value"
)

// Announcer carries committed storage changes between clients of one
// database (protocol.md §12.10, D39) over the BroadcastChannel
// "datafn:<dbName>": Announce is a client's Deps.Announce, and every other
// Announcer on that channel, in this page or another tab, hands the changes
// to its apply function (the other client's Refresh). A BroadcastChannel
// never delivers to the object that posted, so a client does not refresh
// from its own writes.
//
// Messages are one JSON string, {"changes":[{"resource":"task","ids":["a"]},
// {"resource":"note","ids":null}]}, ids null meaning "everything".
type Announcer struct {
	apply func([]engine.Change)

	mu      sync.Mutex
	ch      js.Value // undefined where BroadcastChannel is missing
	onMsg   js.Func
	closed  bool
	queue   [][]engine.Change
	running bool
}

// ChannelName is the BroadcastChannel name of a database.
func ChannelName(dbName string) string { return "datafn:" + dbName }

// NewAnnouncer opens the channel of dbName. apply runs on its own goroutine,
// once per received message, in arrival order, one at a time.
func NewAnnouncer(dbName string, apply func([]engine.Change)) *Announcer {
	a := &Announcer{apply: apply, ch: js.Undefined()}
	bc := js.Global().Get("BroadcastChannel")
	if bc.Type() != js.TypeFunction {
		return a
	}
	a.ch = bc.New(ChannelName(dbName))
	a.onMsg = js.FuncOf(func(_ js.Value, args []js.Value) any {
		if changes, ok := decodeChanges(arg0(args).Get("data")); ok {
			a.enqueue(changes)
		}
		return nil
	})
	a.ch.Call("addEventListener", "message", a.onMsg)
	return a
}

// Announce posts changes to the other clients; after Close it does nothing.
// A failure to post is dropped: the other clients then answer from their
// cached rows until the next announcement, which is all D39 can promise.
func (a *Announcer) Announce(changes []engine.Change) {
	if len(changes) == 0 {
		return
	}
	msg := encodeChanges(changes)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || a.ch.IsUndefined() {
		return
	}
	_, _ = CallMethod(a.ch, "postMessage", msg)
}

// Close closes the channel; queued changes are dropped.
func (a *Announcer) Close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	a.closed = true
	a.queue = nil
	if !a.ch.IsUndefined() {
		a.ch.Call("removeEventListener", "message", a.onMsg)
		a.ch.Call("close")
		a.onMsg.Release()
	}
}

// enqueue runs on the event loop: it must not block, so apply runs on a
// goroutine that drains the queue and then ends.
func (a *Announcer) enqueue(changes []engine.Change) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	a.queue = append(a.queue, changes)
	if !a.running {
		a.running = true
		go a.drain()
	}
}

func (a *Announcer) drain() {
	for {
		a.mu.Lock()
		if len(a.queue) == 0 || a.closed {
			a.running = false
			a.mu.Unlock()
			return
		}
		next := a.queue[0]
		a.queue = a.queue[1:]
		a.mu.Unlock()
		a.apply(next)
	}
}

func encodeChanges(changes []engine.Change) string {
	list := make([]value.Value, len(changes))
	for i, c := range changes {
		ids := value.NullValue
		if c.IDs != nil {
			elems := make([]value.Value, len(c.IDs))
			for j, id := range c.IDs {
				elems[j] = value.Str(id)
			}
			ids = value.Arr(elems)
		}
		list[i] = value.Obj([]string{"resource", "ids"}, []value.Value{value.Str(c.Resource), ids})
	}
	return value.Obj([]string{"changes"}, []value.Value{value.Arr(list)}).String()
}

// decodeChanges reads a message; anything else on the channel is ignored.
func decodeChanges(data js.Value) ([]engine.Change, bool) {
	if data.Type() != js.TypeString {
		return nil, false
	}
	v, err := value.ParseString(data.String())
	if err != nil || v.Get("changes").Kind() != value.Array {
		return nil, false
	}
	var out []engine.Change
	for _, c := range v.Get("changes").Elems() {
		res, ids := c.Get("resource"), c.Get("ids")
		if res.Kind() != value.String {
			return nil, false
		}
		ch := engine.Change{Resource: res.Str()}
		if ids.Kind() == value.Array {
			ch.IDs = []string{}
			for _, id := range ids.Elems() {
				if id.Kind() != value.String {
					return nil, false
				}
				ch.IDs = append(ch.IDs, id.Str())
			}
		} else if !ids.IsNull() {
			return nil, false
		}
		out = append(out, ch)
	}
	return out, true
}
