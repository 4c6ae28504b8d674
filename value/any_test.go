package value

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// FromPlain gives what FromAny (through encoding/json) gives.
func TestFromPlainMatchesFromAny(t *testing.T) {
	nested, err := ParseString(`{"b":[1,"x",null,{"c":true}],"a":-0.5,"<&>":"\u2028"}`)
	require.NoError(t, err)
	cases := []any{
		nil, true, false, "", "a\"b\\c\n<&>\u2028", "bad \xff utf-8", 0.0, -1.5, 1e21, 1e-7, float32(0.25),
		7, int64(-1 << 53), int32(3), uint(4), uint64(5), uint32(6),
		[]any{}, []any(nil), []any{1.0, "x", nil, []any{false}},
		[]string{}, []string(nil), []string{"a", "b"},
		map[string]any{}, map[string]any(nil), map[string]any{"z": 1.0, "a": map[string]any{"y": nil, "b": []any{}}, "m": "x"},
		map[string]string{"b": "1", "a": "2"}, map[string]string(nil),
		nested, Value{}, map[string]any{"mutationId": nil, "resource": "task", "row": ToAny(nested)},
	}
	for _, c := range cases {
		want, err := FromAny(c)
		require.NoError(t, err, "%#v", c)
		got, ok := FromPlain(c)
		require.True(t, ok, "%#v", c)
		require.Equal(t, string(want.JSON()), string(got.JSON()), "%#v", c)
	}
}

func TestFromPlainRefusesWhatJSONCannotCarry(t *testing.T) {
	for _, c := range []any{math.NaN(), math.Inf(1), struct{}{}, []int{1}, map[string]any{"a": math.Inf(-1)}, []any{func() {}}} {
		_, ok := FromPlain(c)
		require.False(t, ok, "%#v", c)
	}
}
