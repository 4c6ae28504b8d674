//go:build js && wasm

package main

import (
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/require"
)

// unreachable is a remote fetch refuses at once (port 9 is on the browser's
// list of unsafe ports), so sync work fails without touching the network.
const unreachable = `"sync":{"remote":"http://127.0.0.1:9/datafn"}`

func TestEV6_OnlineOfflineEventsBecomeConnectivityChanged(t *testing.T) {
	c := openClient(t, config(localOnly, unreachable), js.Undefined())
	rec := newRecorder()
	c.Call("subscribe", `{"type":"connectivity_changed"}`, rec.handler())
	setOnline(t, false) // before start: isOnline starts as navigator.onLine
	await(t, c.Call("syncStart"))
	require.False(t, await(t, c.Call("status")).Get("isOnline").Bool())
	require.Equal(t, 0, rec.events().Length(), "an event fired without a change")

	setOnline(t, true)
	eventually(t, func() bool { return rec.events().Length() == 1 }, "connectivity_changed on online")
	setOnline(t, false)
	eventually(t, func() bool { return rec.events().Length() == 2 }, "connectivity_changed on offline")
	setOnline(t, false) // no change, no event
	require.Equal(t, `[{"isOnline":true},{"isOnline":false}]`,
		jsonOf(js.Global().Get("Array").Call("from", rec.events(), jsFunc([]string{"e"}, `return e.context;`))))
	require.False(t, await(t, c.Call("status")).Get("isOnline").Bool())

	c.Call("syncStop")
	setOnline(t, true) // the listeners are gone once stopped
	require.False(t, await(t, c.Call("status")).Get("running").Bool())
	require.Equal(t, 2, rec.events().Length(), "an event fired after sync.stop()")
}

// TestSyncStopFromAnEventHandler: a handler runs inside the engine's event
// dispatcher; stopping from there must not wait for its own delivery.
func TestSyncStopFromAnEventHandler(t *testing.T) {
	c := openClient(t, config(localOnly, unreachable), js.Undefined())
	stopper := jsFunc([]string{"c"}, `const r = {calls: 0};
		r.handler = () => { r.calls++; c.syncStop(); }; return r;`).Invoke(c)
	c.Call("subscribe", `{"type":"connectivity_changed"}`, stopper.Get("handler"))
	await(t, c.Call("syncStart"))
	setOnline(t, false)
	eventually(t, func() bool { return stopper.Get("calls").Int() == 1 }, "the handler ran")
	eventually(t, func() bool { return !await(t, c.Call("status")).Get("running").Bool() }, "sync stopped")
}
