package sqlq

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLike(t *testing.T) {
	cases := []struct {
		s, p string
		like bool
		ilk  bool
	}{
		{"apple", "_pple", true, true},
		{"apple", "A%", false, true},
		{"Äpfel", "a%", false, false}, // no accent folding
		{"Äpfel", "ä%", false, true},
		{"Ａ", "a", false, false}, // no width folding
		{"😀", "_", true, true},
		{"😀x", "_", false, false},
		{"", "%", true, true},
		{"", "_", false, false},
		{"", "", true, true},
		{"a", "", false, false},
		{"abcabc", "%abc", true, true},
		{"abcab", "%abc", false, false},
		{"a%b", "a%b", true, true},
		{"aXXb", "a%%b", true, true},
		{"mississippi", "m%iss%pi", true, true},
		{"mississippi", "m%iss%pix", false, false},
		{`a\b`, `a\b`, true, true},
		{"ab", "a_%", true, true},
		{"a", "a_%", false, false},
	}
	for _, c := range cases {
		require.Equal(t, c.like, Like(c.s, c.p), "%q like %q", c.s, c.p)
		require.Equal(t, c.ilk, ILike(c.s, c.p), "%q ilike %q", c.s, c.p)
	}
}
