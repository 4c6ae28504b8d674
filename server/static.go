package server

import (
	"fmt"
	"net/http"
	"os"
	"path"
	"strings"
)

// staticFiles serves the files of one directory: no listings, and nothing
// outside the directory (os.Root refuses "..", absolute paths and symlinks
// that leave it).
type staticFiles struct {
	root *os.Root
}

func newStatic(dir string) (http.Handler, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	return &staticFiles{root: root}, nil
}

func (h *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := path.Clean("/" + r.URL.Path)
	if strings.HasSuffix(r.URL.Path, "/") {
		// A directory URL serves its index.html, never a listing.
		name = path.Join(name, "index.html")
	}
	name = strings.TrimPrefix(name, "/")
	f, err := h.root.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	http.ServeContent(w, r, info.Name(), info.ModTime(), f)
}
