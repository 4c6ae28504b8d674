//go:build js && wasm

package main

import (
	"context"
	"encoding/json"
	"syscall/js"

	"github.com/datafn/datafn-go/protocol"
)

// jsHandler delivers events to a JavaScript function as one parsed object
// per call (§10.1: absent members left out, dates as epoch ms). It runs on
// the engine's dispatcher goroutine, never inside the call that caused the
// event (§10.4). A throwing handler panics here and the engine's dispatcher
// recovers and reports it, so the next handler still runs.
type jsHandler struct{ fn js.Value }

// HandleEvent implements engine.Handler.
func (h jsHandler) HandleEvent(_ context.Context, ev protocol.Event) {
	b, err := json.Marshal(ev)
	if err != nil {
		consoleError("datafn: cannot encode a %s event: %v", ev.Type, err)
		return
	}
	obj := jsJSON.Call("parse", string(b))
	handlerDepth.Add(1)
	defer handlerDepth.Add(-1)
	h.fn.Invoke(obj)
}
