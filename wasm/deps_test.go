//go:build !(js && wasm)

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWasmDoesNotLinkNetHTTP keeps net/http (~7 MB of wasm) out of
// datafn.wasm (architecture.md rule 1): the browser transport is fetch.
func TestWasmDoesNotLinkNetHTTP(t *testing.T) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	cmd := exec.Command(goBin, "list", "-deps", ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", exitText(err))
	deps := strings.Fields(string(out))
	// The listing is of the wasm build of this command, not an empty one.
	require.Contains(t, deps, "syscall/js")
	require.Contains(t, deps, "github.com/datafn/datafn-go/engine")
	require.NotContains(t, deps, "net/http")
}

// TestWasmLeavesOutHeavyPackages keeps out of datafn.wasm what it once
// linked for little use (issue #7): google/uuid, net/url, log and
// crypto/sha256 are not even imported by the wasm build (crypto/rand and
// math/big still are, by engine/mutate.go's mutation ids), and of
// encoding/json (still imported for native callers of value and protocol)
// no encoder or decoder is linked.
func TestWasmLeavesOutHeavyPackages(t *testing.T) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	list := exec.Command(goBin, "list", "-deps", ".")
	list.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := list.Output()
	require.NoError(t, err, "go list: %s", exitText(err))
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/datafn/datafn-go/engine")
	for _, p := range []string{"github.com/google/uuid", "net/url", "net/netip", "log", "crypto/sha256", "crypto/rand", "math/big"} {
		require.NotContains(t, deps, p)
	}

	// The function names of an unstripped build say what is linked.
	wasm := filepath.Join(t.TempDir(), "datafn.wasm")
	build := exec.Command(goBin, "build", "-trimpath", "-o", wasm, ".")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	_, err = build.Output()
	require.NoError(t, err, "go build: %s", exitText(err))
	bin, err := os.ReadFile(wasm)
	require.NoError(t, err)
	names := wasmFuncNames(t, bin)
	require.Contains(t, names, "github.com_datafn_datafn_go_engine.AppendQueryResultJSON")
	for _, n := range names {
		for _, bad := range []string{"encoding_json.Marshal", "encoding_json.Unmarshal", "encoding_json.__encodeState_",
			"encoding_json.__decodeState_", "encoding_json.__Encoder_", "encoding_json.__Decoder_"} {
			require.False(t, strings.HasPrefix(n, bad), "datafn.wasm links %s", n)
		}
	}
}

// wasmFuncNames reads the function names of a wasm module's name section.
func wasmFuncNames(t *testing.T, b []byte) []string {
	p := 8
	leb := func() int {
		n, shift := 0, 0
		for {
			c := b[p]
			p++
			n |= int(c&0x7f) << shift
			shift += 7
			if c < 0x80 {
				return n
			}
		}
	}
	var names []string
	for p < len(b) {
		id := b[p]
		p++
		size := leb()
		end := p + size
		if id == 0 {
			nl := leb()
			if string(b[p:p+nl]) == "name" {
				p += nl
				for p < end {
					sub := b[p]
					p++
					subEnd := leb()
					subEnd += p
					if sub == 1 {
						for n := leb(); n > 0; n-- {
							leb() // function index
							l := leb()
							names = append(names, string(b[p:p+l]))
							p += l
						}
					}
					p = subEnd
				}
			}
		}
		p = end
	}
	require.NotEmpty(t, names, "no name section")
	return names
}

func exitText(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
