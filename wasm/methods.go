//go:build js && wasm

package main

import (
	"context"
	"runtime/debug"
	"sync"
	"syscall/js"
	"unsafe"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/jsbridge"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// asyncMethod is a RawClient method that returns a Promise: it runs on the
// Promise's goroutine with the arguments after the bound id, and its result
// crosses as JSON bytes (nil bytes: undefined).
type asyncMethod func(ctx context.Context, c *engine.Client, args []js.Value) ([]byte, error)

var asyncMethods = map[string]asyncMethod{
	"query":  query,
	"mutate": mutate,
	"syncStart": func(ctx context.Context, c *engine.Client, _ []js.Value) ([]byte, error) {
		return nil, c.Sync().Start(ctx)
	},
	"pullNow": func(ctx context.Context, c *engine.Client, _ []js.Value) ([]byte, error) {
		return nil, c.Sync().PullNow(ctx)
	},
	"pushNow": func(ctx context.Context, c *engine.Client, _ []js.Value) ([]byte, error) {
		return nil, c.Sync().PushNow(ctx)
	},
	"cloneNow": func(ctx context.Context, c *engine.Client, _ []js.Value) ([]byte, error) {
		return nil, c.Sync().CloneNow(ctx)
	},
	"status":        status,
	"changelogList": changelogList,
}

// methods are the shared js.Funcs of every RawClient, made once.
var methods = sync.OnceValue(func() map[string]js.Func {
	out := map[string]js.Func{}
	for name, m := range asyncMethods {
		out[name] = js.FuncOf(func(_ js.Value, args []js.Value) any {
			h, rest := lookup(arg(args, 0)), args[min(1, len(args)):]
			return jsbridge.Promise(func() (any, error) {
				if h == nil {
					return nil, errDestroyed()
				}
				b, err := m(context.Background(), h.c, rest)
				if err != nil || len(b) == 0 {
					return b, err
				}
				// Parsed here rather than by jsbridge so that the bytes,
				// dead once JavaScript has its string, serve the next query.
				v := jsJSON.Call("parse", unsafe.String(&b[0], len(b)))
				putJSONBuf(b)
				return v, nil
			})
		})
	}
	out["close"] = js.FuncOf(func(_ js.Value, args []js.Value) any {
		h := lookup(arg(args, 0))
		return jsbridge.Promise(func() (any, error) {
			if h == nil {
				return []byte(nil), nil // closing twice is harmless
			}
			return []byte(nil), h.close(context.Background())
		})
	})
	out["subscribe"] = guarded(func(args []js.Value) any {
		return subscribe(lookup(arg(args, 0)), stringArg(args, 1), arg(args, 2))
	})
	out["syncStop"] = guarded(func(args []js.Value) any {
		if h := lookup(arg(args, 0)); h != nil {
			syncStop(h.c)
		}
		return js.Undefined()
	})
	return out
})

// clientIDFunc is clientId(), bound to the id string: it still answers
// after close.
var clientIDFunc = sync.OnceValue(func() js.Func {
	return guarded(func(args []js.Value) any { return arg(args, 0) })
})

// unsubscribeFunc is every unsubscribe function, bound to a subscription id.
var unsubscribeFunc = sync.OnceValue(func() js.Func {
	return guarded(func(args []js.Value) any {
		if id := arg(args, 0); id.Type() == js.TypeNumber {
			unsubscribe(id.Int())
		}
		return js.Undefined()
	})
})

// guarded is a synchronous method: Promise reports the panics of the
// others, this one reports a panic with console.error and returns it as an
// INTERNAL Error instead of ending the program.
func guarded(fn func(args []js.Value) any) js.Func {
	return js.FuncOf(func(_ js.Value, args []js.Value) (res any) {
		defer func() {
			if r := recover(); r != nil {
				err := protocol.Errorf(protocol.CodeInternal, "$", "panic: %v", r)
				consoleError("datafn: %v\n%s", err, debug.Stack())
				res = jsbridge.ErrorToJS(err)
			}
		}()
		return fn(args)
	})
}

// parseArg reads a JSON argument; index.js always sends valid JSON.
func parseArg(s, name string) (value.Value, error) {
	v, err := value.ParseString(s)
	if err != nil {
		return v, protocol.Invalid("$", "%s must be valid JSON", name)
	}
	return v, nil
}

// query is query(resource, queryJSON).
func query(ctx context.Context, c *engine.Client, args []js.Value) ([]byte, error) {
	t, err := c.Table(stringArg(args, 0))
	if err != nil {
		return nil, err
	}
	q, err := parseArg(stringArg(args, 1), "query")
	if err != nil {
		return nil, err
	}
	return t.AppendQueryJSON(ctx, getJSONBuf(), q)
}

// jsonBufs holds result buffers for reuse: a query's result is about as
// long as the previous one's, and a fresh buffer for each is garbage of
// that size (and the copies of growing it).
var jsonBufs sync.Pool

// maxPooledJSON bounds the buffers kept for reuse.
const maxPooledJSON = 8 << 20

func getJSONBuf() []byte {
	if b, ok := jsonBufs.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return nil
}

func putJSONBuf(b []byte) {
	if cap(b) <= maxPooledJSON {
		jsonBufs.Put(&b)
	}
}

// mutate is mutate(resource, mutationJSON): an array gives an array.
func mutate(ctx context.Context, c *engine.Client, args []js.Value) ([]byte, error) {
	t, err := c.Table(stringArg(args, 0))
	if err != nil {
		return nil, err
	}
	m, err := parseArg(stringArg(args, 1), "mutation")
	if err != nil {
		return nil, err
	}
	if m.Kind() == value.Array {
		rs, err := t.MutateBatch(ctx, m.Elems())
		if err != nil {
			return nil, err
		}
		return engine.AppendMutationResultsJSON(nil, rs), nil
	}
	r, err := t.Mutate(ctx, m)
	if err != nil {
		return nil, err
	}
	return engine.AppendMutationResultJSON(nil, r), nil
}

func status(ctx context.Context, c *engine.Client, _ []js.Value) ([]byte, error) {
	st, err := c.Sync().Status(ctx)
	if err != nil {
		return nil, err
	}
	return engine.AppendStatusJSON(nil, st), nil
}

// changelogList is changelogList(optionsJSON), options {limit?}: a
// non-negative integer; absent, null or 0 list every entry.
func changelogList(ctx context.Context, c *engine.Client, args []js.Value) ([]byte, error) {
	opts, err := parseArg(stringArg(args, 0), "options")
	if err != nil {
		return nil, err
	}
	limit := 0
	if l := opts.Get("limit"); !l.IsAbsent() && !l.IsNull() {
		if !l.IsInteger() || l.Num() < 0 {
			return nil, protocol.Invalid("options.limit", "limit must be a non-negative integer")
		}
		limit = int(l.Num())
	}
	entries, err := c.Changelog(ctx, limit)
	if err != nil {
		return nil, err
	}
	return engine.AppendChangelogJSON(nil, entries), nil
}

// subscribe is subscribe(filterJSON, handler): it returns the unsubscribe
// function, or, since Go cannot throw into JavaScript, the Error that
// index.js throws (closed client, invalid filter).
func subscribe(h *handle, filterJSON string, fn js.Value) js.Value {
	if h == nil {
		return jsbridge.ErrorToJS(errDestroyed())
	}
	if fn.Type() != js.TypeFunction {
		return jsbridge.ErrorToJS(protocol.Invalid("handler", "handler must be function"))
	}
	fv, err := parseArg(filterJSON, "filter")
	if err != nil {
		return jsbridge.ErrorToJS(err)
	}
	f, err := engine.ParseFilter(fv)
	if err != nil {
		return jsbridge.ErrorToJS(err)
	}
	unsub, err := h.c.Subscribe(jsHandler{fn}, f)
	if err != nil {
		return jsbridge.ErrorToJS(err)
	}
	return h.addSubscription(unsub)
}

// syncStop is sync.stop(). It waits for the sync loop, which never waits
// for JavaScript, so blocking the callback briefly is safe, except inside an
// event handler: there the wait would include the delivery of the very event
// being handled, so the stop is sent without waiting.
func syncStop(c *engine.Client) {
	if handlerDepth.Load() > 0 {
		go c.Sync().Stop()
		return
	}
	c.Sync().Stop()
}
