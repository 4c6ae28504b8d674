//go:build js

// Package sqlite is the embedded server.Store on SQLite. The driver
// (modernc.org/sqlite) does not build for js/wasm; there Open fails, so that
// packages importing this one (the server command) still build everywhere.
package sqlite

import (
	"errors"

	"github.com/datafn/datafn-go/server"
)

// ErrUnsupported is returned by Open where SQLite is not available.
var ErrUnsupported = errors.New("sqlite: not available on js/wasm")

// Open always fails on js/wasm.
func Open(path string) (server.Store, error) { return nil, ErrUnsupported }
