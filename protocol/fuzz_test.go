package protocol

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/value"
)

// FuzzCursor checks ParseCursor and CursorValue against the rule of §7.7
// written the obvious way: ASCII digits only, fitting a signed 64-bit
// integer. An accepted cursor formats back to the same number, without the
// leading zeros.
func FuzzCursor(f *testing.F) {
	for _, s := range []string{"0", "42", "007", "9223372036854775807", "9223372036854775808", "-1", "+1", " 1", "1e3", "", "١"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := ParseCursor(s)
		digits := s != "" && strings.Trim(s, "0123456789") == ""
		want, err := strconv.ParseInt(s, 10, 64)
		require.Equal(t, digits && err == nil, ok, "ParseCursor(%q)", s)
		v, vok := CursorValue(value.Str(s))
		require.Equal(t, ok, vok)
		require.Equal(t, n, v)
		if !ok {
			require.Zero(t, n)
			return
		}
		require.Equal(t, want, n)
		out := FormatCursor(n)
		require.Equal(t, strings.TrimLeft(s, "0"), strings.TrimLeft(out, "0"), "FormatCursor(%d)", n)
		again, ok := ParseCursor(out)
		require.True(t, ok)
		require.Equal(t, n, again)
		_, numOK := CursorValue(value.Num(float64(n)))
		require.False(t, numOK, "a number is never a cursor")
	})
}

// wireKinds are the wire types FuzzWire decodes into; kind picks one.
var wireKinds = []func() any{
	func() any { return new(Envelope) },
	func() any { return new(ErrorBody) },
	func() any { return new(StatusResult) },
	func() any { return new(SeedRequest) },
	func() any { return new(SeedResult) },
	func() any { return new(CloneRequest) },
	func() any { return new(CloneResult) },
	func() any { return new(PullRequest) },
	func() any { return new(PullResult) },
	func() any { return new(PushRequest) },
	func() any { return new(PushResult) },
	func() any { return new(ReconcileRequest) },
	func() any { return new(ReconcileResult) },
	func() any { return new(QueryResult) },
	func() any { return new(TransactRequest) },
	func() any { return new(TransactResult) },
	func() any { return new(MutationResult) },
	func() any { return new(PushError) },
	func() any { return new(Event) },
	func() any { return new(ChangelogEntry) },
}

// FuzzWire decodes arbitrary JSON into one of the wire types with
// encoding/json, as the client does with server results. Whatever decodes
// must encode, and the encoding is a fixed point: decoding it again and
// encoding gives the same bytes. An envelope's error survives the trip
// through FromBody and ErrorEnvelope with its code, message and path, and
// every error envelope is valid JSON with details.path.
func FuzzWire(f *testing.F) {
	f.Add(uint8(0), []byte(`{"ok":false,"error":{"code":"DFQL_INVALID","message":"Invalid DFQL: x","details":{"path":"filters.x","resource":"task"}}}`))
	f.Add(uint8(6), []byte(`{"ok":true,"data":{"task":[{"id":"task:1"}]},"cursors":{"task":"3"},"next":{"task":null},"paginated":true}`))
	f.Add(uint8(10), []byte(`{"ok":false,"applied":["m1"],"errors":[{"mutationId":null,"code":"DFQL_INVALID","message":"x","path":"$"}],"cursor":"5","cursorBefore":"4","cursors":{"task":"5"}}`))
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		mk := wireKinds[int(kind)%len(wireKinds)]
		x := mk()
		if json.Unmarshal(data, x) != nil {
			return
		}
		first, err := json.Marshal(x)
		require.NoError(t, err, "%T decoded from %q does not encode", x, data)
		y := mk()
		require.NoError(t, json.Unmarshal(first, y), "%T: own encoding %s does not decode", y, first)
		second, err := json.Marshal(y)
		require.NoError(t, err)
		require.Equal(t, string(first), string(second), "%T from %q", x, data)
		var body *ErrorBody
		switch x := x.(type) {
		case *Envelope:
			body = x.Error
		case *ErrorBody:
			body = x
		}
		if body != nil {
			checkErrorBody(t, *body)
		}
	})
}

// checkErrorBody takes a decoded wire error through FromBody and back.
func checkErrorBody(t *testing.T, b ErrorBody) {
	e := FromBody(b)
	require.NotEmpty(t, e.Path)
	if p, ok := b.Details["path"].(string); ok && p != "" {
		require.Equal(t, p, e.Path)
	}
	env, err := value.Parse(ErrorEnvelope(e))
	require.NoError(t, err, "ErrorEnvelope is not JSON")
	got := env.Get("error")
	require.False(t, env.Get("ok").Bool())
	require.Equal(t, string(b.Code), got.Get("code").Str())
	require.Equal(t, b.Message, got.Get("message").Str())
	require.Equal(t, e.Path, got.Get("details").Get("path").Str())
	again := FromBody(b)
	require.Equal(t, e.Body(), again.Body(), "FromBody is deterministic")
}
