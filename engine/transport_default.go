//go:build !(js && wasm)

package engine

import "context"

// defaultTransport is the net/http transport natively.
func defaultTransport(remote string, token func(context.Context) (string, error)) Transport {
	return NewHTTPTransport(remote, token)
}
