//go:build js && wasm

package jsbridge

import (
	"context"
	"syscall/js"
)

type settled struct {
	v   js.Value
	err error
}

// Await waits for p, a JS promise, thenable or plain value, to settle and
// returns its value or its rejection as ErrorFromJS makes it. Only the calling
// goroutine waits: the event loop keeps running. It must therefore not be
// called on the goroutine of a js.Func callback (that goroutine is the event
// loop; the page would hang), only from goroutines such as the one Promise
// starts.
func Await(p js.Value) (js.Value, error) {
	s := <-watch(p)
	return s.v, s.err
}

// AwaitContext is Await that gives up when ctx is done: it then calls abort
// (AbortController.abort for fetch) and returns ctx's error at once. The
// settlement callbacks release themselves whenever p settles, so nothing is
// released early (go.dev/issue/57098) and a p that never settles cannot hang
// the caller.
func AwaitContext(ctx context.Context, p js.Value, abort func()) (js.Value, error) {
	ch := watch(p)
	select {
	case s := <-ch:
		return s.v, s.err
	case <-ctx.Done():
		abort()
		return js.Undefined(), ctx.Err()
	}
}

// watch subscribes to p's settlement; the channel receives exactly once.
func watch(p js.Value) <-chan settled {
	ch := make(chan settled, 1)
	var onValue, onReason js.Func
	// Exactly one of the two fires; each releases both.
	onValue = js.FuncOf(func(_ js.Value, args []js.Value) any {
		onValue.Release()
		onReason.Release()
		ch <- settled{v: arg0(args)}
		return nil
	})
	onReason = js.FuncOf(func(_ js.Value, args []js.Value) any {
		onValue.Release()
		onReason.Release()
		ch <- settled{err: ErrorFromJS(arg0(args))}
		return nil
	})
	// Promise.resolve adopts thenables and wraps plain values.
	jsPromise.Call("resolve", p).Call("then", onValue, onReason)
	return ch
}

// Call calls fn (a JS function) with args and returns its result; a JS
// exception becomes an error (ErrorFromJS) instead of a Go panic, which on a
// goroutine other than a Promise's would end the whole program. Use it for
// user-supplied functions.
func Call(fn js.Value, args ...any) (js.Value, error) {
	return protect(func() js.Value { return fn.Invoke(args...) })
}

// CallMethod is Call for obj[name](...args).
func CallMethod(obj js.Value, name string, args ...any) (js.Value, error) {
	return protect(func() js.Value { return obj.Call(name, args...) })
}

func protect(f func() js.Value) (v js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = js.Undefined(), recoveredError(r)
		}
	}()
	return f(), nil
}

// recoveredError turns a recovered panic of a JS call into an error: the
// thrown value for a js.Error, a Go panic value otherwise.
func recoveredError(r any) error {
	if jerr, ok := r.(js.Error); ok {
		return ErrorFromJS(jerr.Value)
	}
	return panicError(r, nil)
}

func arg0(args []js.Value) js.Value {
	if len(args) == 0 {
		return js.Undefined()
	}
	return args[0]
}
