package value

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// decodeWhole reads a document with the Decoder as one value.
func decodeWhole(data []byte, intern int) (Value, error) {
	d := NewDecoder(data)
	if intern > 0 {
		d.InternStrings(intern)
	}
	v, err := d.ReadValue()
	if err != nil {
		return Value{}, err
	}
	return v, d.ReadEnd()
}

func TestDecoderMatchesParse(t *testing.T) {
	docs := []string{
		`null`, ` true `, `-12.5e3`, `123456789012345678`, `"a\"b\\c\n\u00e9\ud83d\ude00"`, `"\ud800"`,
		`[]`, `{}`, `[1,[2,{"a":[]}]]`, `{"b":1,"a":2}`, `{"a":1,"b":2,"a":3}`, `{"a":{"x":1,"x":[2]},"b":["s","s"]}`,
		strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth),
	}
	for _, doc := range docs {
		for _, intern := range []int{0, 16} {
			want := MustParse(doc)
			got, err := decodeWhole([]byte(doc), intern)
			require.NoError(t, err, doc)
			require.Equal(t, want.String(), got.String(), doc)
			require.True(t, Equal(want, got))
		}
	}
}

func TestDecoderRejectsWhatParseRejects(t *testing.T) {
	bad := []string{
		``, `{`, `[1,]`, `{"a":1,}`, `01`, `1.`, `-`, `nul`, `"abc`, "\"a\x01\"", `"\x"`, `{"a" 1}`, `{1:2}`,
		`[1 2]`, `1 2`, `1e400`, "\"\xff\"", "[\"\xff\",\"\xff\"]",
		strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1),
	}
	for _, b := range bad {
		for _, intern := range []int{0, 16} {
			_, err := decodeWhole([]byte(b), intern)
			require.ErrorIs(t, err, ErrSyntax, "input %q", b)
		}
	}
}

func TestDecoderTokens(t *testing.T) {
	d := NewDecoder([]byte(` [ {"id":"a","skip":{"deep":[1,2]},"n":1} , {} ] `))
	require.NoError(t, d.ReadArrayStart())
	var seen []string
	for {
		more, err := d.ReadArrayNext()
		require.NoError(t, err)
		if !more {
			break
		}
		require.NoError(t, d.ReadObjectStart())
		for {
			k, ok, err := d.ReadObjectKey()
			require.NoError(t, err)
			if !ok {
				break
			}
			if k == "skip" {
				require.NoError(t, d.Skip())
				continue
			}
			v, err := d.ReadValue()
			require.NoError(t, err)
			seen = append(seen, k+"="+v.String())
		}
		seen = append(seen, "|")
	}
	require.NoError(t, d.ReadEnd())
	require.Equal(t, []string{`id="a"`, `n=1`, "|", "|"}, seen)
}

func TestDecoderTokenErrors(t *testing.T) {
	objectKeys := func(doc string) error {
		d := NewDecoder([]byte(doc))
		if err := d.ReadObjectStart(); err != nil {
			return err
		}
		for {
			_, ok, err := d.ReadObjectKey()
			if err != nil || !ok {
				if err == nil {
					err = d.ReadEnd()
				}
				return err
			}
			if err := d.Skip(); err != nil {
				return err
			}
		}
	}
	for _, doc := range []string{`[]`, `{"a":1,}`, `{"a":1 "b":2}`, `{,"a":1}`, `{"a"}`, `{"a":1`, `{"a":1} x`, `{"a":}`} {
		require.ErrorIs(t, objectKeys(doc), ErrSyntax, doc)
	}
	require.NoError(t, objectKeys(` {"a":1, "b" : [2]} `))

	d := NewDecoder([]byte(`[1`))
	require.NoError(t, d.ReadArrayStart())
	more, err := d.ReadArrayNext()
	require.NoError(t, err)
	require.True(t, more)
	require.NoError(t, d.Skip())
	_, err = d.ReadArrayNext()
	require.ErrorIs(t, err, ErrSyntax)
	require.ErrorIs(t, d.ReadEnd(), ErrSyntax)

	_, err = NewDecoder([]byte(`1`)).ReadArrayNext()
	require.ErrorIs(t, err, ErrSyntax, "no open container")
}

func TestDecoderExactSlicesAndInterning(t *testing.T) {
	v, err := decodeWhole([]byte(`{"a":["active","active","x\u0041",[1,2,3]],"b":"active","c":"`+strings.Repeat("z", 40)+`"}`), 16)
	require.NoError(t, err)
	arr := v.Get("a")
	require.Equal(t, len(arr.Elems()), cap(arr.Elems()))
	require.Equal(t, len(v.Keys()), cap(v.Keys()))
	require.Equal(t, 3, cap(arr.Index(3).Elems()))
	s1, s2, s3 := arr.Index(0).Str(), arr.Index(1).Str(), v.Get("b").Str()
	require.Equal(t, unsafe.StringData(s1), unsafe.StringData(s2))
	require.Equal(t, unsafe.StringData(s1), unsafe.StringData(s3))
	require.Equal(t, "xA", arr.Index(2).Str())
	require.Len(t, v.Get("c").Str(), 40)
}

func FuzzDecoder(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"\u00e9"`, `[]`, `{"a":1,"a":2}`, `["x","x"]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want, werr := Parse(data)
		got, gerr := decodeWhole(data, 8)
		require.Equal(t, werr == nil, gerr == nil, "Parse: %v, Decoder: %v", werr, gerr)
		if werr == nil {
			require.Equal(t, want.String(), got.String())
		}
	})
}

func TestDecoderSharesSmallCompounds(t *testing.T) {
	d := NewDecoder([]byte(`[["a"],["a"],{"k":"]"},{"k":"]"},["\"]"],["\"]"],["a" ],[["b"]],[["b"]]]`))
	d.InternStrings(16)
	v, err := d.ReadValue()
	require.NoError(t, err)
	require.NoError(t, d.ReadEnd())
	require.Equal(t, `[["a"],["a"],{"k":"]"},{"k":"]"},["\"]"],["\"]"],["a"],[["b"]],[["b"]]]`, v.String())
	same := func(i, j int) bool { return &v.Index(i).Elems()[0] == &v.Index(j).Elems()[0] }
	require.True(t, same(0, 1))
	require.True(t, same(2, 3))
	require.True(t, same(4, 5))
	require.False(t, same(0, 6), "different text, different value")
	require.True(t, same(7, 8))
}

func TestDecoderKeyBytes(t *testing.T) {
	d := NewDecoder([]byte(`{"plain":1,"\u0069d":2,"é":3}`))
	require.NoError(t, d.ReadObjectStart())
	var keys []string
	for {
		k, ok, err := d.ReadObjectKeyBytes()
		require.NoError(t, err)
		if !ok {
			break
		}
		keys = append(keys, string(k))
		require.NoError(t, d.Skip())
	}
	require.NoError(t, d.ReadEnd())
	require.Equal(t, []string{"plain", "id", "é"}, keys)

	for _, doc := range []string{"{\"\xff\":1}", `{"a\x":1}`, `{"a":1,}`, `{"a"1}`} {
		d := NewDecoder([]byte(doc))
		require.NoError(t, d.ReadObjectStart())
		var err error
		for err == nil {
			var ok bool
			if _, ok, err = d.ReadObjectKeyBytes(); err == nil && ok {
				err = d.Skip()
			} else if err == nil {
				err = d.ReadEnd()
				require.Error(t, err, doc)
			}
		}
		require.ErrorIs(t, err, ErrSyntax, doc)
	}
}
