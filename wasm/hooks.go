//go:build js && wasm

package main

import (
	"context"
	"fmt"
	"math"
	"syscall/js"

	"github.com/datafn/datafn-go/jsbridge"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// The user's hooks (protocol.md §9.1) as engine.Deps functions. Each calls
// JavaScript synchronously from an engine goroutine; jsbridge.Call turns a
// throw into an error, since a panic there would end the program.

// tokenHook is authToken: the hooks function (returning a string or a
// promise of one) when given, else the config's string, else nil.
func tokenHook(cfgToken value.Value, fn js.Value) func(context.Context) (string, error) {
	if fn.Type() == js.TypeFunction {
		return func(ctx context.Context) (string, error) {
			v, err := jsbridge.Call(fn)
			if err == nil {
				v, err = jsbridge.AwaitContext(ctx, v, func() {})
			}
			if err != nil {
				return "", err
			}
			return tokenString(v), nil
		}
	}
	if cfgToken.Kind() == value.String {
		tok := cfgToken.Str()
		return func(context.Context) (string, error) { return tok, nil }
	}
	return nil
}

// tokenString: undefined and null mean no token; anything else is sent as
// JavaScript's String(v).
func tokenString(v js.Value) string {
	switch v.Type() {
	case js.TypeUndefined, js.TypeNull:
		return ""
	case js.TypeString:
		return v.String()
	}
	return js.Global().Call("String", v).String()
}

// nowHook is getTimestamp; nil (the engine's clock) when not given. A hook
// that throws or returns something other than a finite number is reported
// and replaced by Date.now() for that call: timestamps cannot fail.
func nowHook(fn js.Value, logf func(string, ...any)) func() int64 {
	if fn.Type() != js.TypeFunction {
		return nil
	}
	return func() int64 {
		v, err := jsbridge.Call(fn)
		if err == nil && v.Type() == js.TypeNumber && !math.IsNaN(v.Float()) && !math.IsInf(v.Float(), 0) {
			return int64(v.Float())
		}
		if err == nil {
			err = fmt.Errorf("returned %s, not a finite number", js.Global().Call("String", v).String())
		}
		logf("datafn: getTimestamp failed, using Date.now(): %v", err)
		return int64(js.Global().Get("Date").Call("now").Float())
	}
}

// idHook is generateId, called as generateId({resource, idPrefix}); nil
// (the engine's "<P>:<uuid>") when not given.
func idHook(fn js.Value) func(resource, prefix string) (string, error) {
	if fn.Type() != js.TypeFunction {
		return nil
	}
	return func(resource, prefix string) (string, error) {
		arg := jsObject.New()
		arg.Set("resource", resource)
		arg.Set("idPrefix", prefix)
		v, err := jsbridge.Call(fn, arg)
		if err != nil {
			return "", err
		}
		if v.Type() != js.TypeString {
			// Not a string, so not "<P>:...": the engine's own failure.
			return "", protocol.Errorf(protocol.CodeInvalid, "id", "Invalid id: does not match required prefix")
		}
		return v.String(), nil
	}
}

// consoleError is Deps.Logf: handler panics and background failures.
func consoleError(format string, args ...any) {
	js.Global().Get("console").Call("error", fmt.Sprintf(format, args...))
}
