package sqlq

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLikeToGlob(t *testing.T) {
	cases := map[string]string{
		"a%":     "a*",
		"_pple":  "?pple",
		"x*y%":   "x[*]y*",
		"q?_":    "q[?]?",
		"[z]%":   "[[]z]*",
		`a\%`:    `a\*`,
		"😀_":     "😀?",
		"100%it": "100*it",
	}
	for in, want := range cases {
		require.Equal(t, want, likeToGlob(in), in)
	}
}

func TestJSONPath(t *testing.T) {
	require.Equal(t, "$.status", JSONPath("status", nil))
	require.Equal(t, "$.meta.color", JSONPath("meta", []string{"color"}))
	require.Equal(t, `$.meta."it's"."q\"k"."a.b"."back\\slash".""`,
		JSONPath("meta", []string{"it's", `q"k`, "a.b", `back\slash`, ""}))
	require.Equal(t, `$.meta."1x"`, JSONPath("meta", []string{"1x"}))
}

func TestPgAccess(t *testing.T) {
	acc, txt := pgAccess("meta", []string{"it's", "color"})
	require.Equal(t, `(data -> 'meta' -> 'it''s' -> 'color')`, acc)
	require.Equal(t, `(data -> 'meta' -> 'it''s' ->> 'color')`, txt)
	acc, txt = pgAccess("status", nil)
	require.Equal(t, `(data -> 'status')`, acc)
	require.Equal(t, `(data ->> 'status')`, txt)
}
