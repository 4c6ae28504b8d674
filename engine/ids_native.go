//go:build !(js && wasm)

package engine

import (
	"crypto/rand"
	"log"
)

// randomBytes fills b from crypto/rand.
func randomBytes(b []byte) { _, _ = rand.Read(b) }

// defaultLogf is Deps.Logf when none is given.
func defaultLogf(format string, args ...any) { log.Printf(format, args...) }
