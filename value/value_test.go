package value

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

func TestParseRoundTrip(t *testing.T) {
	cases := []struct{ in, out string }{
		{`null`, `null`},
		{` true `, `true`},
		{`false`, `false`},
		{`0`, `0`},
		{`-0`, `0`},
		{`1.0`, `1`},
		{`1700000000000`, `1700000000000`},
		{`-12.5e3`, `-12500`},
		{`1.6666666666666667`, `1.6666666666666667`},
		{`1e21`, `1e+21`},
		{`1e-7`, `1e-7`},
		{`123456789012345678`, `123456789012345680`},
		{`"a\"b\\c\n\u00e9\ud83d\ude00"`, `"a\"b\\c\né😀"`},
		{`"\ud800"`, `"` + "\ufffd" + `"`},
		{`[]`, `[]`},
		{`[1,[2,{"a":[]}]]`, `[1,[2,{"a":[]}]]`},
		{`{}`, `{}`},
		{`{"b":1,"a":2}`, `{"b":1,"a":2}`},
		{`{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},
		{"\"\u2028\"", `"\u2028"`},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			v, err := ParseString(c.in)
			require.NoError(t, err)
			require.Equal(t, c.out, v.String())
		})
	}
}

func TestParseRejects(t *testing.T) {
	bad := []string{
		``, `{`, `[1,]`, `{"a":1,}`, `01`, `1.`, `.5`, `-`, `1e`, `+1`, `nul`, `tru`, `"abc`, "\"a\x01\"",
		`"\x"`, `"\u12"`, `{"a" 1}`, `{1:2}`, `[1 2]`, `1 2`, `NaN`, `1e400`, "\"\xff\"", `'a'`,
		strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1),
	}
	for _, b := range bad {
		_, err := ParseString(b)
		require.Error(t, err, "input %q", b)
		require.ErrorIs(t, err, ErrSyntax)
	}
	_, err := ParseString(strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth))
	require.NoError(t, err)
}

func TestEqual(t *testing.T) {
	p := MustParse
	require.True(t, Equal(p(`2`), p(`2.0`)))
	require.False(t, Equal(p(`2`), p(`"2"`)))
	require.False(t, Equal(p(`true`), p(`1`)))
	require.False(t, Equal(p(`0`), p(`null`)))
	require.True(t, Equal(p(`null`), Value{}))
	require.True(t, Equal(p(`{"a":[1,{"b":null}]}`), p(`{"a":[1,{}]}`)), "absent equals null inside objects")
	require.False(t, Equal(p(`[1,2]`), p(`[2,1]`)))
	require.False(t, ScalarEqual(p(`[1]`), p(`[1]`)))
	require.True(t, ScalarEqual(p(`"x"`), p(`"x"`)))
}

func TestCompareCodePointOrder(t *testing.T) {
	// protocol.md §3.4 example.
	in := []string{"apple", "Banana", "cherry", "Äpfel", "Ａ", "😀", ""}
	vals := make([]Value, len(in))
	for i, s := range in {
		vals[i] = Str(s)
	}
	vals = append(vals, NullValue, Value{})
	sort.SliceStable(vals, func(i, j int) bool { return Compare(vals[i], vals[j]) < 0 })
	var got []string
	for _, v := range vals {
		got = append(got, v.String())
	}
	require.Equal(t, []string{`""`, `"Banana"`, `"apple"`, `"cherry"`, `"Äpfel"`, `"Ａ"`, `"😀"`, `null`, `null`}, got)
	require.Equal(t, -1, Compare(Boolean(false), Boolean(true)))
	require.Equal(t, -1, Compare(Num(-1), Num(0)))
	_, ok := SameTypeCompare(Num(1), Str("1"))
	require.False(t, ok)
	_, ok = SameTypeCompare(NullValue, NullValue)
	require.False(t, ok)
}

func TestObjectEditing(t *testing.T) {
	o := MustParse(`{"a":1,"b":2}`)
	require.Equal(t, `{"a":1,"b":3}`, o.With("b", Num(3)).String())
	require.Equal(t, `{"a":1,"b":2,"c":true}`, o.With("c", Boolean(true)).String())
	require.Equal(t, `{"b":2}`, o.With("a", Value{}).String())
	require.Equal(t, `{"a":1,"b":2}`, o.String(), "With does not modify the receiver")
	require.Equal(t, `2`, MustParse(`{"m":{"x":{"y":2}}}`).Path([]string{"m", "x", "y"}).String())
	require.True(t, MustParse(`{"m":1}`).Path([]string{"m", "x"}).IsAbsent())
}

func TestEncodingJSONInterop(t *testing.T) {
	type wrap struct {
		V Value `json:"v"`
	}
	var w wrap
	require.NoError(t, json.Unmarshal([]byte(`{"v":{"k":[1,"x",null]}}`), &w))
	out, err := json.Marshal(w)
	require.NoError(t, err)
	require.JSONEq(t, `{"v":{"k":[1,"x",null]}}`, string(out))
	v, err := FromAny(map[string]any{"n": 1.5})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"n": 1.5}, ToAny(v))
}

// FuzzParse checks that Parse never panics, and that whatever it accepts
// re-encodes to JSON that encoding/json agrees is the same document.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"\u00e9\ud83d\ude00"`, `-1.5e-7`, `[]`, `{"a":1,"a":2}`, `"\ud800x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		if err != nil {
			return
		}
		out := v.JSON()
		again, err := Parse(out)
		require.NoError(t, err, "re-parse of %s", out)
		require.Equal(t, string(out), again.String())
		var a any
		require.NoError(t, json.Unmarshal(out, &a), "encoding/json rejects %s", out)
	})
}

func TestInterner(t *testing.T) {
	in := NewInterner(8)
	a := in.Value(MustParse(`"active"`))
	b := in.Value(Str(string([]byte("active"))))
	require.Equal(t, "active", b.Str())
	require.Same(t, unsafe.StringData(a.Str()), unsafe.StringData(b.Str()), "short strings share one copy")
	long := Str("longer than eight")
	require.Equal(t, long, in.Value(long))
	require.Equal(t, Num(3), in.Value(Num(3)))
}
