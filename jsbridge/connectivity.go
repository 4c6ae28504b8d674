//go:build js && wasm

package jsbridge

import (
	"sync"
	"syscall/js"

	"github.com/datafn/datafn-go/engine"
)

// Connectivity is the browser's engine.Connectivity (protocol.md §12.11):
// navigator.onLine, the global "online", "offline" and "focus" events and
// document "visibilitychange" to "visible". Listeners exist only between
// Subscribe and its unsubscribe, which the engine calls while it runs.
type Connectivity struct{}

// NewConnectivity returns the browser's connectivity source.
func NewConnectivity() Connectivity { return Connectivity{} }

// IsOnline is navigator.onLine, true where it is unavailable.
func (Connectivity) IsOnline() bool {
	nav := js.Global().Get("navigator")
	if !isObject(nav) {
		return true
	}
	on := nav.Get("onLine")
	return on.Type() != js.TypeBoolean || on.Bool()
}

// listener is one addEventListener registration.
type listener struct {
	target js.Value
	name   string
	fn     js.Func
}

// Subscribe adds the listeners and returns the function that removes them
// (calling it again does nothing). fn runs on the event loop, so it must not
// block; the engine's only posts a message to its loop.
func (Connectivity) Subscribe(fn func(engine.ConnEvent)) func() {
	global := js.Global()
	doc := global.Get("document")
	var ls []listener
	add := func(target js.Value, name string, handle func()) {
		if !isObject(target) {
			return // a worker has no document
		}
		l := listener{target: target, name: name, fn: js.FuncOf(func(js.Value, []js.Value) any {
			handle()
			return nil
		})}
		target.Call("addEventListener", name, l.fn)
		ls = append(ls, l)
	}
	add(global, "online", func() { fn(engine.Online) })
	add(global, "offline", func() { fn(engine.Offline) })
	add(global, "focus", func() { fn(engine.Focus) })
	add(doc, "visibilitychange", func() {
		if doc.Get("visibilityState").String() == "visible" {
			fn(engine.Visible)
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			for _, l := range ls {
				l.target.Call("removeEventListener", l.name, l.fn)
				l.fn.Release()
			}
		})
	}
}
