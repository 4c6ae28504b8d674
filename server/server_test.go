//go:build !js

package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/server/storetest"
)

// newStaticServer serves dir next to the protocol.
func newStaticServer(t *testing.T, dir string) *httptest.Server {
	st := openSQLite(t)
	t.Cleanup(func() { st.Close() })
	sc := storetest.Fixture(t)
	require.NoError(t, st.Migrate(context.Background(), sc))
	h, err := server.New(server.Config{Schema: sc, Store: st, StaticDir: dir})
	require.NoError(t, err)
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, url string) (int, string) {
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(data)
}

func TestStaticFiles(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "web")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.html"), []byte("<h1>app</h1>"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sub", "a.js"), []byte("x=1"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(base, "secret.txt"), []byte("secret"), 0o644))
	require.NoError(t, os.Symlink(filepath.Join(base, "secret.txt"), filepath.Join(dir, "link.txt")))
	ts := newStaticServer(t, dir)
	cases := []struct {
		path   string
		status int
		body   string
	}{
		{"/", 200, "<h1>app</h1>"},
		{"/sub/a.js", 200, "x=1"},
		{"/sub/", 404, ""},
		{"/sub", 404, ""},
		{"/../secret.txt", 404, ""},
		{"/%2e%2e/secret.txt", 404, ""},
		{"/link.txt", 404, ""},
		{"/missing", 404, ""},
	}
	for _, c := range cases {
		status, body := get(t, ts.URL+c.path)
		require.Equal(t, c.status, status, c.path)
		if c.body != "" {
			require.Equal(t, c.body, body, c.path)
		}
		require.NotContains(t, body, "secret", c.path)
	}
	status, body := get(t, ts.URL+"/datafn/nope")
	require.Equal(t, 404, status)
	require.JSONEq(t, `{"ok":false,"error":{"code":"NOT_FOUND","message":"Not found","details":{"path":"$"}}}`, body)
}

func TestNoStaticDir(t *testing.T) {
	ts := newStaticServer(t, "")
	status, _ := get(t, ts.URL+"/index.html")
	require.Equal(t, 404, status)
}

func TestParseAuth(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	require.NoError(t, os.WriteFile(good, []byte(`{"tA":"alpha","tB":"beta"}`), 0o644))
	env := func(k string) string { return map[string]string{"S": "secret"}[k] }
	a, err := server.ParseAuth("tokens:"+good, env)
	require.NoError(t, err)
	for header, want := range map[string]string{"Bearer tA": "alpha", "bearer tB": "beta", "Bearer tC": "", "tA": "", "Bearer ": ""} {
		ns, ok := a.Namespace(header, 0)
		require.Equal(t, want != "", ok, header)
		require.Equal(t, want, ns, header)
	}
	_, err = server.ParseAuth("jwt-hs256:S", env)
	require.NoError(t, err)
	ns, ok := server.NoAuth{}.Namespace("Bearer whatever", 0)
	require.True(t, ok)
	require.Equal(t, "datafn", ns)
	for name, content := range map[string]string{
		"not json":    `{`,
		"not strings": `{"tA":5}`,
		"empty ns":    `{"tA":""}`,
		"empty token": `{"":"alpha"}`,
		"not a map":   `["tA"]`,
	} {
		p := filepath.Join(dir, "bad.json")
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		_, err := server.ParseAuth("tokens:"+p, env)
		require.Error(t, err, name)
	}
	for _, mode := range []string{"", "tokens:", "tokens:" + filepath.Join(dir, "missing.json"), "jwt-hs256:", "jwt-hs256:UNSET", "basic"} {
		_, err := server.ParseAuth(mode, env)
		require.Error(t, err, mode)
	}
}
