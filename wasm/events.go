//go:build js && wasm

package main

import (
	"context"
	"syscall/js"

	"github.com/datafn/datafn-go/engine"
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
	obj := jsJSON.Call("parse", string(engine.AppendEventJSON(nil, ev)))
	handlerDepth.Add(1)
	defer handlerDepth.Add(-1)
	h.fn.Invoke(obj)
}
