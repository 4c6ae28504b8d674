//go:build js && wasm

package jsbridge

import "syscall/js"

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
	s := <-ch
	return s.v, s.err
}

func arg0(args []js.Value) js.Value {
	if len(args) == 0 {
		return js.Undefined()
	}
	return args[0]
}
