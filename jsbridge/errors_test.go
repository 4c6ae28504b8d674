//go:build js && wasm

package jsbridge

import (
	"errors"
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/protocol"
)

func TestErrorFromJSProtocolError(t *testing.T) {
	e := jsFunc(nil, `
		const e = new Error("Unknown field: colour");
		e.code = "DFQL_UNKNOWN_FIELD";
		e.details = {path: "$.filters.colour", resource: "todos", n: 3};
		return e;`).Invoke()
	err := ErrorFromJS(e)
	var pe *protocol.Error
	require.ErrorAs(t, err, &pe)
	require.Equal(t, &protocol.Error{
		Code:    protocol.CodeUnknownField,
		Message: "Unknown field: colour",
		Path:    "$.filters.colour",
		Extra:   map[string]any{"resource": "todos", "n": float64(3)},
	}, pe)
}

func TestErrorFromJSWithoutDetailsHasRootPath(t *testing.T) {
	e := jsFunc(nil, `return {code: "TRANSPORT_ERROR", message: "Transport error: network request failed"};`).Invoke()
	require.Equal(t, &protocol.Error{
		Code:    protocol.CodeTransport,
		Message: "Transport error: network request failed",
		Path:    "$",
	}, ErrorFromJS(e))
}

func TestErrorFromJSOtherValues(t *testing.T) {
	cases := []struct {
		name     string
		src      string
		wantName string
		wantMsg  string
	}{
		{"type error", `return new TypeError("Failed to fetch");`, "TypeError", "Failed to fetch"},
		{"dom exception has a numeric code", `return new DOMException("gone", "TransactionInactiveError");`,
			"TransactionInactiveError", "gone"},
		{"string", `return "plain reason";`, "", "plain reason"},
		{"undefined", `return undefined;`, "", "undefined"},
		{"null", `return null;`, "", "null"},
		{"number", `return 7;`, "", "7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ErrorFromJS(jsFunc(nil, tc.src).Invoke())
			var je *JSError
			require.ErrorAs(t, err, &je)
			require.Equal(t, tc.wantName, je.Name)
			require.Equal(t, tc.wantMsg, je.Message)
		})
	}
}

func TestErrorRoundTrip(t *testing.T) {
	in := protocol.Invalid("$.sort[0]", "sort field %q is not sortable", "tags")
	in.Extra = map[string]any{"resource": "todos"}
	_, err := Await(Promise(func() (any, error) { return nil, in }))
	var pe *protocol.Error
	require.ErrorAs(t, err, &pe)
	require.Equal(t, &protocol.Error{
		Code:    protocol.CodeInvalid,
		Message: `Invalid DFQL: sort field "tags" is not sortable`,
		Path:    "$.sort[0]",
		Extra:   map[string]any{"resource": "todos"},
	}, pe)
}

func TestErrorToJSEmptyPathBecomesRoot(t *testing.T) {
	e := ErrorToJS(&protocol.Error{Code: protocol.CodeConflict, Message: "Conflict"})
	require.Equal(t, `{"path":"$"}`, jsonOf(e.Get("details")))
	require.True(t, e.Get("goStack").IsUndefined())
}

func TestErrorToJSUnencodableExtraKeepsPath(t *testing.T) {
	e := ErrorToJS(&protocol.Error{Code: protocol.CodeInternal, Message: "x", Path: "$.a",
		Extra: map[string]any{"ch": make(chan int)}})
	require.Equal(t, `{"path":"$.a"}`, jsonOf(e.Get("details")))
}

func TestAwait(t *testing.T) {
	t.Run("resolved promise", func(t *testing.T) {
		v, err := Await(jsFunc(nil, `return new Promise((r) => setTimeout(() => r("later"), 0));`).Invoke())
		require.NoError(t, err)
		require.Equal(t, "later", v.String())
	})
	t.Run("plain value", func(t *testing.T) {
		v, err := Await(js.ValueOf(5))
		require.NoError(t, err)
		require.Equal(t, 5, v.Int())
	})
	t.Run("thenable", func(t *testing.T) {
		v, err := Await(jsFunc(nil, `return {then(ok) { ok("thenable"); }};`).Invoke())
		require.NoError(t, err)
		require.Equal(t, "thenable", v.String())
	})
	t.Run("rejected with a TypeError", func(t *testing.T) {
		_, err := Await(jsFunc(nil, `return Promise.reject(new TypeError("Failed to fetch"));`).Invoke())
		require.EqualError(t, err, "TypeError: Failed to fetch")
		var pe *protocol.Error
		require.False(t, errors.As(err, &pe))
	})
}
