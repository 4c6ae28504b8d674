//go:build js && wasm

package jsbridge

import (
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
)

// override replaces obj[prop] with a getter returning v for one test.
func override(t *testing.T, obj js.Value, prop string, v any) {
	t.Helper()
	jsFunc([]string{"o", "p", "v"}, `Object.defineProperty(o, p, {get: () => v, configurable: true});`).
		Invoke(obj, prop, v)
	t.Cleanup(func() { jsFunc([]string{"o", "p"}, `delete o[p];`).Invoke(obj, prop) })
}

func dispatch(target js.Value, name string) {
	target.Call("dispatchEvent", js.Global().Get("Event").New(name))
}

func TestConnectivityIsOnlineFollowsNavigator(t *testing.T) {
	nav := js.Global().Get("navigator")
	override(t, nav, "onLine", false)
	require.False(t, NewConnectivity().IsOnline())
	override(t, nav, "onLine", true)
	require.True(t, NewConnectivity().IsOnline())
}

func TestConnectivityEvents(t *testing.T) {
	win, doc := js.Global(), js.Global().Get("document")
	var got []engine.ConnEvent
	unsubscribe := NewConnectivity().Subscribe(func(e engine.ConnEvent) { got = append(got, e) })
	dispatch(win, "offline")
	dispatch(win, "online")
	dispatch(win, "focus")
	override(t, doc, "visibilityState", "hidden")
	dispatch(doc, "visibilitychange")
	override(t, doc, "visibilityState", "visible")
	dispatch(doc, "visibilitychange")
	require.Equal(t, []engine.ConnEvent{engine.Offline, engine.Online, engine.Focus, engine.Visible}, got)

	unsubscribe()
	unsubscribe() // harmless
	dispatch(win, "offline")
	dispatch(doc, "visibilitychange")
	require.Len(t, got, 4, "events arrived after unsubscribe")
}
