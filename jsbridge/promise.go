//go:build js && wasm

// Package jsbridge is the generic glue between Go and the browser's
// JavaScript: Go work exposed as Promises, JS promises awaited from Go, and
// errors crossing the boundary in both directions with their protocol codes.
//
// Rules it enforces (architecture.md rules 4-6): a JS-facing call never blocks
// the event loop, so Go work runs in its own goroutine; results cross as one
// JSON string that JavaScript parses once, not as object trees built field by
// field; every rejection is an Error with code, message and details.path.
package jsbridge

import (
	"fmt"
	"runtime/debug"
	"syscall/js"
	"unsafe"

	"github.com/datafn/datafn-go/protocol"
)

var (
	jsPromise = js.Global().Get("Promise")
	jsJSON    = js.Global().Get("JSON")
)

// Promise returns a JS Promise settled by fn, which runs in a new goroutine
// so that the caller (usually a js.Func callback) returns at once and the
// event loop keeps running. fn's result is converted for JS by the rules of
// js.ValueOf, except that a []byte is JSON handed to JS as one string and
// parsed with JSON.parse (an empty []byte resolves to undefined). An error
// rejects with the JS Error made by ErrorToJS; a panic in fn, or a result JS
// cannot represent, rejects with an INTERNAL error instead of crashing.
func Promise(fn func() (any, error)) js.Value {
	var executor js.Func
	executor = js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go settle(fn, resolve, reject)
		return nil
	})
	// The Promise constructor calls the executor synchronously, exactly once.
	p := jsPromise.New(executor)
	executor.Release()
	return p
}

// settle runs fn and the conversion of its result under one recover, so that
// a panic in either becomes a rejection.
func settle(fn func() (any, error), resolve, reject js.Value) {
	v, err := call(fn)
	if err != nil {
		reject.Invoke(ErrorToJS(err))
		return
	}
	resolve.Invoke(v)
}

func call(fn func() (any, error)) (v js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicError(r, debug.Stack())
		}
	}()
	res, err := fn()
	if err != nil {
		return js.Undefined(), err
	}
	return resultToJS(res), nil
}

// resultToJS converts a Go result for JS. It panics, like js.ValueOf, on a
// type JS cannot represent.
func resultToJS(res any) js.Value {
	b, ok := res.([]byte)
	if !ok {
		return js.ValueOf(res)
	}
	if len(b) == 0 {
		return js.Undefined()
	}
	// One copy into a JS string, one JSON.parse: 7-9x cheaper than building
	// the object tree from Go. The JS string is decoded from b in place (the
	// result's bytes are not used again), sparing a Go copy of them.
	return jsJSON.Call("parse", unsafe.String(&b[0], len(b)))
}

// panicErr is the error a recovered panic rejects with: INTERNAL, since it is
// a bug rather than a protocol failure, keeping the Go stack for JS.
type panicErr struct {
	err   *protocol.Error
	stack []byte
}

func panicError(r any, stack []byte) error {
	e := protocol.Errorf(protocol.CodeInternal, "$", "panic: %s", panicText(r))
	return &panicErr{err: e, stack: stack}
}

func (p *panicErr) Error() string { return p.err.Error() }

func (p *panicErr) Unwrap() error { return p.err }

func panicText(r any) string {
	if jerr, ok := r.(js.Error); ok {
		return jerr.Error()
	}
	return fmt.Sprint(r)
}
