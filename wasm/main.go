//go:build js && wasm

// Command datafn is datafn.wasm: the datafn client engine for the browser.
// It publishes the raw bridge of BRIDGE.md as globalThis.__datafnRaw and then
// blocks forever; npm/dist/index.js wraps it into the public API.
//
// This is the one place where the engine meets the page (STYLE.md): the
// fetch transport, browser connectivity, IndexedDB storage, the Web Lock
// lane, the BroadcastChannel announcer and the user's hooks are wired here;
// every asynchronous method is a jsbridge.Promise, so a panic in Go work
// rejects instead of ending the program.
package main

import (
	"syscall/js"

	"github.com/datafn/datafn-go/jsbridge"
)

var (
	jsObject = js.Global().Get("Object")
	jsJSON   = js.Global().Get("JSON")
)

func main() {
	export()
	select {}
}

// export sets globalThis.__datafnRaw = {version: "1", createClient, debug}.
// Its functions live as long as the page, so they are never released.
func export() {
	raw := jsObject.New()
	raw.Set("version", "1")
	raw.Set("createClient", js.FuncOf(func(_ js.Value, args []js.Value) any {
		cfg, hooks := arg(args, 0), arg(args, 1)
		return jsbridge.Promise(func() (any, error) { return createClient(cfg, hooks) })
	}))
	raw.Set("debug", debugAPI())
	js.Global().Set("__datafnRaw", raw)
}

// arg is args[i], undefined when JavaScript passed fewer.
func arg(args []js.Value, i int) js.Value {
	if i >= len(args) {
		return js.Undefined()
	}
	return args[i]
}

// stringArg is args[i] when it is a string, "" otherwise; callers then fail
// on the JSON they cannot parse.
func stringArg(args []js.Value, i int) string {
	v := arg(args, i)
	if v.Type() != js.TypeString {
		return ""
	}
	return v.String()
}
