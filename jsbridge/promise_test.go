//go:build js && wasm

package jsbridge

import (
	"errors"
	"fmt"
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/protocol"
)

func TestPromiseResolves(t *testing.T) {
	cases := []struct {
		name string
		res  any
		want string // JSON.stringify of the resolved value
		typ  js.Type
	}{
		{"string", "done", `"done"`, js.TypeString},
		{"number", 42, `42`, js.TypeNumber},
		{"bool", true, `true`, js.TypeBoolean},
		{"nil is null", nil, `null`, js.TypeNull},
		{"map", map[string]any{"a": 1}, `{"a":1}`, js.TypeObject},
		{"js value", js.ValueOf("raw"), `"raw"`, js.TypeString},
		{"json bytes", []byte(`{"a":[1,2],"b":{"c":"x"}}`), `{"a":[1,2],"b":{"c":"x"}}`, js.TypeObject},
		{"json array bytes", []byte(`[1,"two",null]`), `[1,"two",null]`, js.TypeObject},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Await(Promise(func() (any, error) { return tc.res, nil }))
			require.NoError(t, err)
			require.Equal(t, tc.typ, v.Type())
			require.Equal(t, tc.want, jsonOf(v))
		})
	}
}

func TestPromiseJSONBytesArriveAsObject(t *testing.T) {
	p := Promise(func() (any, error) { return []byte(`{"rows":[{"id":"a"},{"id":"b"}],"n":2}`), nil })
	check := jsFunc([]string{"p"}, `return p.then((v) =>
		typeof v === "object" && Array.isArray(v.rows) && v.rows[1].id === "b" && v.n === 2);`)
	ok, err := Await(check.Invoke(p))
	require.NoError(t, err)
	require.True(t, ok.Bool(), "the resolved value is not the parsed object")
}

func TestPromiseEmptyBytesResolveUndefined(t *testing.T) {
	v, err := Await(Promise(func() (any, error) { return []byte(nil), nil }))
	require.NoError(t, err)
	require.True(t, v.IsUndefined())
}

func TestPromiseRejectsWithProtocolError(t *testing.T) {
	perr := protocol.UnknownResource("$.resource", "todoz")
	wrapped := fmt.Errorf("query: %w", perr)
	for name, err := range map[string]error{"direct": perr, "wrapped": wrapped} {
		t.Run(name, func(t *testing.T) {
			e := reason(t, Promise(func() (any, error) { return nil, err }))
			require.True(t, e.InstanceOf(js.Global().Get("Error")), "the reason is not a JS Error")
			require.Equal(t, "DFQL_UNKNOWN_RESOURCE", e.Get("code").String())
			require.Equal(t, "Unknown resource: todoz", e.Get("message").String())
			require.Equal(t, "$.resource", e.Get("details").Get("path").String())
			require.Equal(t, "todoz", e.Get("details").Get("resource").String())
		})
	}
}

func TestPromiseRejectsPlainErrorAsInternal(t *testing.T) {
	e := reason(t, Promise(func() (any, error) { return nil, errors.New("disk on fire") }))
	require.Equal(t, "INTERNAL", e.Get("code").String())
	require.Equal(t, "disk on fire", e.Get("message").String())
	require.Equal(t, `{"path":"$"}`, jsonOf(e.Get("details")))
}

func TestPromisePanicBecomesRejection(t *testing.T) {
	cases := []struct {
		name string
		fn   func() (any, error)
		msg  string
	}{
		{"panic string", func() (any, error) { panic("boom") }, "panic: boom"},
		{"panic error", func() (any, error) { panic(errors.New("bad state")) }, "panic: bad state"},
		{"nil map write", func() (any, error) {
			var m map[string]int
			m["x"] = 1
			return m, nil
		}, "panic: assignment to entry in nil map"},
		{"result JS cannot hold", func() (any, error) { return struct{}{}, nil }, "panic: ValueOf: invalid value"},
		{"bytes that are not JSON", func() (any, error) { return []byte(`{`), nil }, "panic: JavaScript error: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := reason(t, Promise(tc.fn))
			require.Equal(t, "INTERNAL", e.Get("code").String())
			require.Contains(t, e.Get("message").String(), tc.msg)
			require.Equal(t, "$", e.Get("details").Get("path").String())
			require.Contains(t, e.Get("goStack").String(), "jsbridge.call")
		})
	}
}

// TestPromiseDoesNotBlockEventLoop calls a Go function from JavaScript that
// returns a Promise whose Go work waits on a channel only a later timer
// callback closes. If Promise ran the work on the callback's goroutine, the
// timer could never fire and the page would hang.
func TestPromiseDoesNotBlockEventLoop(t *testing.T) {
	release := make(chan struct{})
	goWork := js.FuncOf(func(js.Value, []js.Value) any {
		return Promise(func() (any, error) {
			<-release
			return "go done", nil
		})
	})
	defer goWork.Release()
	unblock := js.FuncOf(func(js.Value, []js.Value) any {
		close(release)
		return nil
	})
	defer unblock.Release()

	scenario := jsFunc([]string{"goWork", "unblock"}, `
		const order = [];
		const p = goWork();
		order.push("returned");
		setTimeout(() => { order.push("timer"); unblock(); }, 0);
		return p.then((v) => { order.push(v); return order; });`)
	order, err := Await(scenario.Invoke(goWork, unblock))
	require.NoError(t, err)
	require.Equal(t, `["returned","timer","go done"]`, jsonOf(order))
}
