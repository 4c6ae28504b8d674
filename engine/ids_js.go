//go:build js && wasm

package engine

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
)

// randomBytes fills b from the Go runtime's ChaCha8 generator (what
// math/rand/v2's top-level functions use), which the runtime seeds from
// crypto.getRandomValues: random enough for ids, without linking
// crypto/rand and its FIPS 140 module into datafn.wasm, and without
// syscall/js in the engine (architecture rule 1).
func randomBytes(b []byte) {
	var w [8]byte
	for len(b) > 0 {
		binary.LittleEndian.PutUint64(w[:], rand.Uint64())
		b = b[copy(b, w[:]):]
	}
}

// defaultLogf is Deps.Logf when none is given: stderr (the console), as
// log.Printf would print it without the date.
func defaultLogf(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if len(s) == 0 || s[len(s)-1] != '\n' {
		s += "\n"
	}
	_, _ = os.Stderr.WriteString(s)
}
