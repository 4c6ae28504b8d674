package engine

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func urlParseRemote(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// validRemote decides as url.Parse does, on hand-picked URLs and on random
// ones built from the characters that matter to the parser.
func TestValidRemoteMatchesURLParse(t *testing.T) {
	corpus := []string{
		"", "http:", "http://", "http:///x", "http://h", "HTTP://H", "https://h/", "ftp://h", "httpſ://h", ":http://h",
		"http://127.0.0.1:8080", "http://h:", "http://h:80x", "http://h:80:90", "http://[::1]", "http://[::1]:8080",
		"http://[::1]x", "http://[::1", "http://x[::1]", "http://[1.2.3.4]", "http://[::ffff:1.2.3.4]", "http://[fe80::1%25en0]",
		"http://[fe80::1%25]", "http://[fe80::1%en0]", "http://[1:2:3:4:5:6:7:8]", "http://[1:2:3:4:5:6:7:8:9]", "http://[1::2::3]",
		"http://[::1.2.3.4]", "http://[1:2:3:4:5:6:1.2.3.4]", "http://[1:2:3:4:5:6:7:1.2.3.4]", "http://[::01.2.3.4]", "http://[12345::]",
		"http://u:p@h", "http://u@p@h", "http://u%zz@h", "http://u^@h", "http://h%41", "http://h%c3%a9", "http://h%25", "http://h%",
		"http://hé", "http://h h", "http://h\t", "http://h/\x7f", "http://h/%zz", "http://h/p?q=%zz", "http://h#%zz", "http://h#\x01",
		"http://h/a b", "http:h", "http:/h", "//h", "http://h?x", "http://?h", "http://h#frag", "http://@h", "http://u@",
		"http://<h>", "http://h\"", "http://[::1]:", "http://[::]", "http://[:]", "http://[::1%25%41]", "http://[::1%25%0a]",
		"http://[::1%25%20]", "http://[::1%25a%2]", "http://[::1]%3a80",
	}
	for _, s := range corpus {
		require.Equal(t, urlParseRemote(s), validRemote(s), "%q", s)
	}
	pieces := []string{"http", "https", "HTTPS", ":", "//", "/", "[", "]", "::", "1", "ff", "fe80", ".", "0", "255", "256", "%", "%25",
		"%41", "%c3", "%2", "@", "?", "#", "h", "x", " ", "é", "\x01", "!", "<", "_", "~", "^", "8080", ":80"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		var b strings.Builder
		if r.IntN(4) > 0 {
			b.WriteString([]string{"http://", "https://", "HTTP://", "http:/"}[r.IntN(4)])
		}
		for n := r.IntN(9); n > 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		require.Equal(t, urlParseRemote(s), validRemote(s), "%q", s)
	}
}
