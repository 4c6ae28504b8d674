package schema

import (
	"crypto/sha256"
	"testing"

	"github.com/stretchr/testify/require"
)

// sha256Sum agrees with crypto/sha256 on every length around the block and
// padding boundaries.
func TestSHA256SumMatchesCryptoSHA256(t *testing.T) {
	msg := make([]byte, 300)
	for i := range msg {
		msg[i] = byte(i*7 + 3)
	}
	for n := 0; n <= len(msg); n++ {
		require.Equal(t, sha256.Sum256(msg[:n]), sha256Sum(msg[:n]), "length %d", n)
	}
	require.Equal(t, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", hashOf([]byte("abc")))
}
