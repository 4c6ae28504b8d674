package protocol

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/value"
)

func TestParseCursor(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		// PL-6: refused.
		{"-1", 0, false},
		{"abc", 0, false},
		{"", 0, false},
		// Only plain ASCII digits.
		{"+1", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"1.5", 0, false},
		{"1e3", 0, false},
		{"0x1f", 0, false},
		{"1_000", 0, false},
		{"١", 0, false}, // ARABIC-INDIC DIGIT ONE
		{"9223372036854775808", 0, false},
		{"99999999999999999999999", 0, false},
		// Accepted.
		{"0", 0, true},
		{"5", 5, true},
		{"42", 42, true},
		{"9223372036854775807", math.MaxInt64, true},
		// Leading zeros are decimal digits whose value fits (§7.7).
		{"007", 7, true},
		{"00000000000000000000000000000009223372036854775807", math.MaxInt64, true},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, ok := ParseCursor(c.in)
			require.Equal(t, c.ok, ok)
			require.Equal(t, c.want, got)
		})
	}
}

func TestPL6_CursorValue(t *testing.T) {
	for _, raw := range []string{`"-1"`, `"abc"`, `""`, `5`, `null`, `true`, `["1"]`} {
		_, ok := CursorValue(value.MustParse(raw))
		require.False(t, ok, raw)
	}
	n, ok := CursorValue(value.MustParse(`"12"`))
	require.True(t, ok)
	require.Equal(t, int64(12), n)
}

func TestFormatCursor(t *testing.T) {
	for _, n := range []int64{0, 1, 7, 1700000000000, math.MaxInt64} {
		s := FormatCursor(n)
		got, ok := ParseCursor(s)
		require.True(t, ok)
		require.Equal(t, n, got)
	}
	require.Equal(t, "7", FormatCursor(7))
	require.Equal(t, "0", FormatCursor(0))
}
