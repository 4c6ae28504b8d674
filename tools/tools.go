//go:build tools

// Package tools pins the programs the test suite runs but the library does
// not import: wasmbrowsertest, the `go test -exec` runner that executes
// GOOS=js GOARCH=wasm test binaries in headless Chromium. The Makefile builds
// it with `go build -o ../.bin/wasmbrowsertest github.com/agnivade/wasmbrowsertest`.
package tools

import (
	_ "github.com/agnivade/wasmbrowsertest"
)
