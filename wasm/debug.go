//go:build js && wasm

package main

import (
	"context"
	"syscall/js"

	"github.com/datafn/datafn-go/jsbridge"
	"github.com/datafn/datafn-go/protocol"
)

// debugAPI is __datafnRaw.debug, for tests and benchmarks only (BRIDGE.md):
//
//   - stats() returns {clients, subscriptions}, the live entries of the
//     registry, so that tests can check that close and unsubscribe let go of
//     them.
//   - applyPull(clientId, body) applies body (a Uint8Array or a string: the
//     bytes of a POST /pull response) as one pull window of the live client
//     with that clientId, without the network (engine.Client.DebugApplyPull);
//     the Promise resolves once the window's transaction is committed. The
//     bytes are copied into Go before it returns, like a fetch body.
func debugAPI() js.Value {
	d := jsObject.New()
	d.Set("stats", js.FuncOf(func(js.Value, []js.Value) any {
		registry.mu.Lock()
		defer registry.mu.Unlock()
		s := jsObject.New()
		s.Set("clients", len(registry.clients))
		s.Set("subscriptions", len(registry.subs))
		return s
	}))
	d.Set("applyPull", js.FuncOf(func(_ js.Value, args []js.Value) any {
		id, body := arg(args, 0), arg(args, 1)
		var b []byte
		switch {
		case body.Type() == js.TypeString:
			b = []byte(body.String())
		case body.InstanceOf(js.Global().Get("Uint8Array")):
			b = make([]byte, body.Get("length").Int())
			js.CopyBytesToGo(b, body)
		}
		h := byClientID(id)
		return jsbridge.Promise(func() (any, error) {
			if h == nil {
				return nil, protocol.Errorf(protocol.CodeInvalid, "$", "applyPull: no live client with that clientId")
			}
			if b == nil {
				return nil, protocol.Errorf(protocol.CodeInvalid, "$", "applyPull: body must be a Uint8Array or a string")
			}
			return nil, h.c.DebugApplyPull(context.Background(), b)
		})
	}))
	return d
}

// byClientID returns the live client whose clientId is id, nil if none.
func byClientID(id js.Value) *handle {
	if id.Type() != js.TypeString {
		return nil
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	for _, h := range registry.clients {
		if h.c.ClientID() == id.String() {
			return h
		}
	}
	return nil
}
