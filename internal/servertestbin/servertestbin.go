//go:build !js

// Package servertestbin builds the datafn-server binary once for the test
// binaries that run it as a separate process (cmd/datafn-server and
// reliability/).
package servertestbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Main builds the main package at pkgDir (relative to the test's package
// directory) into a temporary directory, sets *binary to its path, runs the
// tests and exits with their code. A failed build exits 1 with the
// compiler's output.
func Main(m *testing.M, pkgDir string, binary *string) {
	dir, err := os.MkdirTemp("", "datafn-server-test")
	if err != nil {
		fmt.Fprintf(os.Stderr, "servertestbin: %v\n", err)
		os.Exit(1)
	}
	*binary = filepath.Join(dir, "datafn-server")
	out, err := exec.Command("go", "build", "-o", *binary, pkgDir).CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
