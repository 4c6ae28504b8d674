//go:build js && wasm

package main

import (
	_ "embed"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/jsbridge"
)

// The tests drive globalThis.__datafnRaw through syscall/js exactly as
// index.js does: JSON strings in, promises and parsed objects out.

func TestMain(m *testing.M) {
	export()
	os.Exit(m.Run())
}

// schemaS is the fixture schema S of protocol.md Appendix A, also given to
// the test server by the Makefile.
//
//go:embed testdata/schema.json
var schemaS string

func raw() js.Value { return js.Global().Get("__datafnRaw") }

// config renders a client config around schema S; rest are more members.
func config(rest ...string) string {
	return `{"schema":` + schemaS + strings.Join(append([]string{""}, rest...), ",") + `}`
}

const localOnly = `"storage":{"type":"memory"}`

// openClient creates a client and closes it when the test ends.
func openClient(t *testing.T, cfg string, hooks js.Value) js.Value {
	t.Helper()
	if hooks.IsUndefined() {
		hooks = js.Global().Get("Object").New()
	}
	c := await(t, raw().Call("createClient", cfg, hooks))
	t.Cleanup(func() { _, _ = jsbridge.Await(c.Call("close")) })
	return c
}

// await waits for p and fails the test on a rejection.
func await(t *testing.T, p js.Value) js.Value {
	t.Helper()
	v, err := jsbridge.Await(p)
	require.NoError(t, err)
	return v
}

// awaitValue is jsbridge.Await, for helpers that return the error.
func awaitValue(p js.Value) (js.Value, error) { return jsbridge.Await(p) }

// rejection waits for p and returns its rejection reason, failing the test
// if p resolves.
func rejection(t *testing.T, p js.Value) js.Value {
	t.Helper()
	caught := jsFunc([]string{"p"}, `return p.then((v) => ({resolved: v}), (e) => ({reason: e}));`).Invoke(p)
	out, err := jsbridge.Await(caught)
	require.NoError(t, err)
	require.True(t, out.Get("resolved").IsUndefined(), "resolved with %s; want a rejection", jsonOf(out.Get("resolved")))
	return out.Get("reason")
}

// requireError checks a rejection's code, message and details.
func requireError(t *testing.T, e js.Value, code, message, details string) {
	t.Helper()
	require.True(t, e.InstanceOf(js.Global().Get("Error")), "not an Error: %s", jsonOf(e))
	require.Equal(t, code, e.Get("code").String())
	require.Equal(t, message, e.Get("message").String())
	require.Equal(t, details, jsonOf(e.Get("details")))
}

// jsFunc compiles a JS function from its parameter names and body.
func jsFunc(params []string, body string) js.Value {
	args := make([]any, 0, len(params)+1)
	for _, p := range params {
		args = append(args, p)
	}
	return js.Global().Get("Function").New(append(args, body)...)
}

func jsonOf(v js.Value) string {
	if v.IsUndefined() {
		return "undefined"
	}
	return js.Global().Get("JSON").Call("stringify", v).String()
}

// recorder is a JS event handler that keeps what it receives.
type recorder struct{ obj js.Value }

func newRecorder() recorder {
	return recorder{jsFunc(nil, `const r = {events: []}; r.handler = (e) => { r.events.push(e); }; return r;`).Invoke()}
}

func (r recorder) handler() js.Value { return r.obj.Get("handler") }
func (r recorder) events() js.Value  { return r.obj.Get("events") }

// fetchCounter wraps globalThis.fetch for one test and records every URL.
func fetchCounter(t *testing.T) js.Value {
	t.Helper()
	c := jsFunc(nil, `
		const orig = globalThis.fetch, urls = [];
		globalThis.fetch = (url, init) => { urls.push(String(url)); return orig(url, init); };
		return {urls, restore: () => { globalThis.fetch = orig; }};`).Invoke()
	t.Cleanup(func() { c.Call("restore") })
	return c
}

// setOnline overrides navigator.onLine and dispatches the window event, as
// the browser does when the network comes and goes.
func setOnline(t *testing.T, online bool) {
	t.Helper()
	nav := js.Global().Get("navigator")
	jsFunc([]string{"n", "v"}, `Object.defineProperty(n, "onLine", {get: () => v, configurable: true});`).
		Invoke(nav, online)
	t.Cleanup(func() { jsFunc([]string{"n"}, `delete n.onLine;`).Invoke(nav) })
	name := "offline"
	if online {
		name = "online"
	}
	js.Global().Call("dispatchEvent", js.Global().Get("Event").New(name))
}

// eventually polls cond until it holds or ten seconds pass. The sleep only
// yields to the event loop between polls.
func eventually(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: "+msg, args...)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func suffix() string { return strconv.FormatUint(rand.Uint64(), 36) }

func stats() string { return jsonOf(raw().Get("debug").Call("stats")) }
