//go:build !js

package server_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/server"
)

// FuzzJWT signs a fuzzed header and claims set with a fuzzed secret and
// checks JWTAuth against a reference written from §6.5: the header's alg
// must be "HS256"; the claims must be a JSON object whose exp (seconds, a
// number) lies after now and whose nbf (a number) does not lie after it; the
// namespace is ns, else sub, a non-empty string of at most 255 code points.
// Claim names are case-sensitive (RFC 7519 §4). The raw authorization
// string, and the token with its signature cut or its payload swapped, are
// never accepted unless they carry a valid signature.
func FuzzJWT(f *testing.F) {
	f.Add([]byte(`{"alg":"HS256","typ":"JWT"}`), []byte(`{"ns":"team-a","exp":4102444800}`), "s3cret", int64(1700000000000), "Bearer x.y.z")
	f.Add([]byte(`{"alg":"HS256"}`), []byte(`{"sub":"u1","nbf":1700000001,"EXP":1}`), "k", int64(1700000000000), "bearer a.b")
	f.Fuzz(func(t *testing.T, header, claims []byte, secret string, nowMs int64, raw string) {
		if secret == "" {
			secret = "k"
		}
		auth := server.JWTAuth{Secret: []byte(secret)}
		tok := sign(secret, header, claims)
		wantNS, wantOK := referenceJWT(header, claims, nowMs)
		ns, ok := auth.Namespace("Bearer "+tok, nowMs)
		require.Equal(t, wantOK, ok, "header %s claims %s now %d", header, claims, nowMs)
		if ok {
			require.Equal(t, wantNS, ns)
		}
		ns2, ok2 := auth.Namespace("BEARER "+tok, nowMs)
		require.Equal(t, ok, ok2, "the scheme is case-insensitive")
		if ok {
			require.Equal(t, ns, ns2)
		}
		for _, bad := range []string{tok, "Bearer " + tok[:strings.LastIndexByte(tok, '.')], "Bearer  " + tok,
			"Bearer " + tok + ".", "Bearer " + swapPayload(tok, claims)} {
			_, ok := auth.Namespace(bad, nowMs)
			require.False(t, ok, "accepted %q", bad)
		}
		if _, ok := auth.Namespace(raw, nowMs); ok {
			scheme, t2, _ := strings.Cut(raw, " ")
			parts := strings.Split(t2, ".")
			require.True(t, strings.EqualFold(scheme, "Bearer") && len(parts) == 3, "accepted %q", raw)
			require.Equal(t, parts[2], sig(secret, parts[0]+"."+parts[1]), "accepted %q without its signature", raw)
		}
	})
}

func sig(secret, signed string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(signed))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func sign(secret string, header, claims []byte) string {
	signed := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(claims)
	return signed + "." + sig(secret, signed)
}

// swapPayload keeps the header and signature of tok with another payload.
func swapPayload(tok string, claims []byte) string {
	parts := strings.Split(tok, ".")
	parts[1] = base64.RawURLEncoding.EncodeToString(append([]byte(`{"ns":"other",`), claims...))
	return strings.Join(parts, ".")
}

// referenceJWT decides a correctly signed token from its decoded parts.
func referenceJWT(header, claims []byte, nowMs int64) (string, bool) {
	var h map[string]any
	if json.Unmarshal(header, &h) != nil || h["alg"] != "HS256" {
		return "", false
	}
	var c map[string]any
	if json.Unmarshal(claims, &c) != nil {
		return "", false
	}
	now := float64(nowMs) / 1000
	if exp, present := c["exp"]; present && exp != nil {
		if n, ok := exp.(float64); !ok || !(n > now) {
			return "", false
		}
	}
	if nbf, present := c["nbf"]; present && nbf != nil {
		if n, ok := nbf.(float64); !ok || n > now {
			return "", false
		}
	}
	for _, k := range []string{"ns", "sub"} {
		if s, ok := c[k].(string); ok && s != "" {
			if utf8.RuneCountInString(s) > 255 {
				return "", false
			}
			return s, true
		}
	}
	return "", false
}

// FuzzTokens loads a fuzzed tokens file (--auth tokens:FILE) and checks it
// against the rule of contracts.md: a JSON object of non-empty token strings
// to namespaces of 1 to 255 code points. Every token of a loaded file maps to
// its namespace with any case of "Bearer"; a fuzzed authorization header is
// accepted exactly when it is "Bearer <token>" for a listed token.
func FuzzTokens(f *testing.F) {
	f.Add([]byte(`{"tokA":"nsA","tokB":"nsB"}`), "Bearer tokA")
	f.Add([]byte(`{"t":""}`), "bearer t")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, file []byte, authorization string) {
		path := filepath.Join(dir, "tokens.json")
		require.NoError(t, os.WriteFile(path, file, 0o600))
		auth, err := server.LoadTokens(path)
		var want map[string]string
		wantOK := json.Unmarshal(file, &want) == nil
		for tok, ns := range want {
			wantOK = wantOK && tok != "" && ns != "" && utf8.RuneCountInString(ns) <= 255
		}
		require.Equal(t, wantOK, err == nil, "LoadTokens(%q): %v", file, err)
		if err != nil {
			require.Contains(t, err.Error(), path, "the error names the file")
			return
		}
		require.Len(t, auth, len(want))
		for tok, ns := range want {
			for _, scheme := range []string{"Bearer ", "bearer ", "BeArEr "} {
				got, ok := auth.Namespace(scheme+tok, 0)
				require.True(t, ok, "%q", scheme+tok)
				require.Equal(t, ns, got)
			}
			_, ok := auth.Namespace(tok, 0)
			require.False(t, ok, "a token without a scheme")
		}
		got, ok := auth.Namespace(authorization, 0)
		scheme, tok, _ := strings.Cut(authorization, " ")
		wantNS, listed := want[tok]
		require.Equal(t, strings.EqualFold(scheme, "Bearer") && listed, ok, "%q", authorization)
		if ok {
			require.Equal(t, wantNS, got)
		}
	})
}

// TestJWTClaimNamesAreCaseSensitive pins the fix of a FuzzJWT finding:
// encoding/json matched "EXP", "Ns" and "ALG" to exp, ns and alg.
func TestJWTClaimNamesAreCaseSensitive(t *testing.T) {
	auth := server.JWTAuth{Secret: []byte("k")}
	now := int64(1700000000000)
	cases := []struct {
		header, claims, ns string
	}{
		{`{"alg":"HS256"}`, `{"sub":"u1","EXP":1}`, "u1"},
		{`{"alg":"HS256"}`, `{"sub":"u1","Ns":"other"}`, "u1"},
		{`{"alg":"HS256"}`, `{"ns":"a","NBF":4102444800}`, "a"},
		{`{"ALG":"HS256"}`, `{"ns":"a"}`, ""},
		{`{"alg":"HS256","ALG":"none"}`, `{"ns":"a"}`, "a"},
	}
	for _, c := range cases {
		ns, ok := auth.Namespace("Bearer "+sign("k", []byte(c.header), []byte(c.claims)), now)
		require.Equal(t, c.ns != "", ok, "%s %s", c.header, c.claims)
		require.Equal(t, c.ns, ns)
	}
}

// TestJWTSignatureSpelledOneWay pins the fix of a FuzzJWT finding: the last
// character of a base64url signature has unused bits, and a lenient decoder
// accepted a token whose signature was altered in them.
func TestJWTSignatureSpelledOneWay(t *testing.T) {
	auth := server.JWTAuth{Secret: []byte("k")}
	tok := sign("k", []byte(`{"alg":"HS256"}`), []byte(`{"ns":"a"}`))
	_, ok := auth.Namespace("Bearer "+tok, 0)
	require.True(t, ok)
	last := tok[len(tok)-1]
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		if byte(c) == last {
			continue
		}
		_, ok := auth.Namespace("Bearer "+tok[:len(tok)-1]+string(c), 0)
		require.False(t, ok, "signature ending in %c accepted", c)
	}
}
