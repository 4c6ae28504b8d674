package memstore

import (
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestIDSetMatchesASortedMap adds and removes ids in random order, enough
// to split chunks and empty them, and compares every range with a scan.
func TestIDSetMatchesASortedMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var s idSet
	want := map[string]bool{}
	id := func() string { return "r:" + strconv.Itoa(rng.IntN(5000)) }
	check := func() {
		all := make([]string, 0, len(want))
		for k := range want {
			all = append(all, k)
		}
		sort.Strings(all)
		require.Equal(t, all, s.rangeIDs(nil, nil))
		for range 20 {
			a, h := id(), id()
			var exp []string
			for _, k := range all {
				if k > a && k <= h {
					exp = append(exp, k)
				}
			}
			got := s.rangeIDs(&a, &h)
			require.Equal(t, len(exp), len(got), "(%s, %s]", a, h)
			require.True(t, len(exp) == 0 || slices.Equal(exp, got), "(%s, %s]", a, h)
		}
		for _, c := range s.chunks {
			require.NotEmpty(t, c)
			require.Less(t, len(c), idChunkMax)
		}
	}
	for round := range 6 {
		for range 3000 {
			k := id()
			if round%2 == 0 || rng.IntN(3) == 0 {
				s.add(k)
				want[k] = true
			} else {
				s.remove(k)
				delete(want, k)
			}
		}
		check()
	}
	for k := range want {
		s.remove(k)
	}
	require.Empty(t, s.chunks)
}
