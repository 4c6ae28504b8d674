//go:build js && wasm

package jsbridge

import (
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/require"
)

// jsFunc compiles a JS function from its parameter names and body.
func jsFunc(params []string, body string) js.Value {
	args := make([]any, 0, len(params)+1)
	for _, p := range params {
		args = append(args, p)
	}
	return js.Global().Get("Function").New(append(args, body)...)
}

// reason awaits p and returns its rejection reason as a JS value, failing the
// test if p resolves.
func reason(t *testing.T, p js.Value) js.Value {
	t.Helper()
	caught := jsFunc([]string{"p"}, `return p.then(() => ({resolved: true}), (e) => ({reason: e}));`).Invoke(p)
	out, err := Await(caught)
	require.NoError(t, err)
	require.False(t, out.Get("resolved").Truthy(), "the promise resolved; want a rejection")
	return out.Get("reason")
}

// jsonOf renders a JS value with JSON.stringify, for comparisons.
func jsonOf(v js.Value) string {
	return js.Global().Get("JSON").Call("stringify", v).String()
}
