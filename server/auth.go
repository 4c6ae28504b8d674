package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"
)

// DefaultNamespace is the namespace of every request with --auth none.
const DefaultNamespace = "datafn"

// maxNamespaceLen bounds namespace names (§6.5), in code points.
const maxNamespaceLen = 255

// Authenticator chooses the namespace of a request from its Authorization
// header (§6.5). nowMs is the server clock; ok=false refuses the request.
type Authenticator interface {
	Namespace(authorization string, nowMs int64) (ns string, ok bool)
}

// ParseAuth builds the Authenticator of an --auth mode: "none",
// "tokens:FILE" or "jwt-hs256:ENVVAR". getenv reads environment variables.
func ParseAuth(mode string, getenv func(string) string) (Authenticator, error) {
	kind, arg, _ := strings.Cut(mode, ":")
	switch {
	case mode == "none":
		return NoAuth{}, nil
	case kind == "tokens" && arg != "":
		return LoadTokens(arg)
	case kind == "jwt-hs256" && arg != "":
		secret := getenv(arg)
		if secret == "" {
			return nil, fmt.Errorf("auth: environment variable %s is empty", arg)
		}
		return JWTAuth{Secret: []byte(secret)}, nil
	}
	return nil, fmt.Errorf("auth: unknown mode %q (want none, tokens:FILE or jwt-hs256:ENVVAR)", mode)
}

// NoAuth puts every request in DefaultNamespace and ignores credentials.
type NoAuth struct{}

// Namespace implements Authenticator.
func (NoAuth) Namespace(string, int64) (string, bool) { return DefaultNamespace, true }

// TokenAuth maps bearer tokens to namespaces.
type TokenAuth map[string]string

// LoadTokens reads a JSON object token → namespace (non-empty strings).
func LoadTokens(path string) (TokenAuth, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("auth: tokens file %s: %w", path, err)
	}
	for tok, ns := range m {
		if tok == "" || !validNamespace(ns) {
			return nil, fmt.Errorf("auth: tokens file %s: tokens and namespaces must be non-empty strings of at most 255 characters", path)
		}
	}
	return TokenAuth(m), nil
}

// Namespace implements Authenticator.
func (t TokenAuth) Namespace(authorization string, _ int64) (string, bool) {
	tok, ok := bearer(authorization)
	if !ok {
		return "", false
	}
	ns, ok := t[tok]
	return ns, ok
}

// JWTAuth accepts HS256 JWTs signed with Secret; the namespace is the ns
// claim, else sub.
type JWTAuth struct {
	Secret []byte
}

// Namespace implements Authenticator.
func (j JWTAuth) Namespace(authorization string, nowMs int64) (string, bool) {
	tok, ok := bearer(authorization)
	if !ok {
		return "", false
	}
	claims, err := j.verify(tok)
	if err != nil {
		return "", false
	}
	return claims.namespace(nowMs)
}

var errBadToken = errors.New("auth: bad token")

// b64 decodes JWT segments. Strict: the unused bits of the last character
// must be zero, so that one signature has one spelling and a token cannot be
// altered without breaking it.
var b64 = base64.RawURLEncoding.Strict()

// jwtClaims are the claims JWTAuth reads; nil when absent or null.
type jwtClaims struct {
	NS, Sub, Exp, Nbf any
}

// verify checks the header and signature and decodes the claims.
func (j JWTAuth) verify(tok string) (*jwtClaims, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errBadToken
	}
	var header map[string]any
	if err := decodeSegment(parts[0], &header); err != nil || header["alg"] != "HS256" {
		return nil, errBadToken
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return nil, errBadToken
	}
	mac := hmac.New(sha256.New, j.Secret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return nil, errBadToken
	}
	// A map, not a struct: encoding/json matches struct fields without
	// regard to case, and claim names are case-sensitive (RFC 7519 §4), so
	// "EXP" or "Ns" must not stand in for exp or ns.
	var m map[string]any
	if err := decodeSegment(parts[1], &m); err != nil {
		return nil, errBadToken
	}
	return &jwtClaims{NS: m["ns"], Sub: m["sub"], Exp: m["exp"], Nbf: m["nbf"]}, nil
}

// namespace applies exp/nbf (seconds, no skew) and picks ns, else sub.
func (c *jwtClaims) namespace(nowMs int64) (string, bool) {
	now := float64(nowMs) / 1000
	if c.Exp != nil {
		exp, ok := c.Exp.(float64)
		if !ok || !(exp > now) {
			return "", false
		}
	}
	if c.Nbf != nil {
		nbf, ok := c.Nbf.(float64)
		if !ok || nbf > now {
			return "", false
		}
	}
	if ns, ok := c.NS.(string); ok && ns != "" {
		return ns, validNamespace(ns)
	}
	if sub, ok := c.Sub.(string); ok && sub != "" {
		return sub, validNamespace(sub)
	}
	return "", false
}

func decodeSegment(seg string, v any) error {
	data, err := b64.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// bearer extracts the token of "Bearer <token>".
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return tok, true
}

func validNamespace(ns string) bool {
	return ns != "" && utf8.RuneCountInString(ns) <= maxNamespaceLen
}
