//go:build !js

package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Only net/http's own plain-text error answers are rewritten; responses of
// the handler (JSON envelopes, static files, even a plain-text 400 with
// Connection: close) pass unchanged.
func TestFramingEnvelopeOnlyNetHTTPErrors(t *testing.T) {
	for _, p := range []string{
		"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nDate: x\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.1 200 OK\r\nAccept-Ranges: bytes\r\nContent-Length: 2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi",
		"HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nno",
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nok",
		"{\"ok\":true}",
	} {
		_, ok := framingEnvelope([]byte(p))
		require.False(t, ok, "%q", p)
	}
	out, ok := framingEnvelope([]byte("HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nUnsupported transfer encoding"))
	require.True(t, ok)
	require.Equal(t, "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n"+
		"Content-Length: 131\r\n\r\n"+
		`{"ok":false,"error":{"code":"DFQL_INVALID","message":"Invalid HTTP request: Unsupported transfer encoding","details":{"path":"$"}}}`, string(out))
}
