package engine

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewUUIDIsVersion4(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		u := newUUID()
		require.Regexp(t, re, u)
		require.False(t, seen[u], "repeated %s", u)
		seen[u] = true
	}
}

func TestRandomFloatInUnitInterval(t *testing.T) {
	var lo, hi bool
	for range 10000 {
		f := randomFloat()
		require.GreaterOrEqual(t, f, 0.0)
		require.Less(t, f, 1.0)
		lo, hi = lo || f < 0.5, hi || f >= 0.5
	}
	require.True(t, lo && hi, "both halves of [0, 1) drawn")
}
