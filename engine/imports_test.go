//go:build !(js && wasm)

package engine

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNoSyscallJS keeps the engine pure Go (architecture rule 1).
func TestNoSyscallJS(t *testing.T) {
	for _, dir := range []string{".", "memstore", "storagetest"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		require.NoError(t, err)
		for _, f := range files {
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			af, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
			require.NoError(t, err)
			for _, imp := range af.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				require.False(t, p == "syscall/js" || strings.Contains(p, "go-indexeddb"), "%s imports %s", f, p)
			}
		}
	}
}
