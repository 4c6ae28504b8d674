//go:build js && wasm

package engine

import (
	"context"
)

// defaultTransport: the browser build has no net/http; the bridge must pass
// Deps.Transport. Without it every call fails as a network failure.
func defaultTransport(string, func(context.Context) (string, error)) Transport {
	return NewTransport(noPoster{})
}

type noPoster struct{}

func (noPoster) Post(context.Context, string, []byte) (int, string, []byte, error) {
	return 0, "", nil, errNetwork()
}
