package server

import (
	"context"
	"io"
	"net/http"
	"strconv"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// request is one authenticated protocol request after §6.4 steps 1-7.
type request struct {
	ctx context.Context
	ns  string
	now int64
	// body is the parsed body with protocolVersion removed (POST only).
	body value.Value
}

// readBody runs §6.4 steps 4-7: size limit, JSON, forbidden keys and
// protocolVersion. At most MaxPayloadBytes+1 bytes are read.
func readBody(r *http.Request) (value.Value, *protocol.Error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxPayloadBytes+1))
	if len(data) > MaxPayloadBytes {
		e := protocol.LimitExceeded("$", "payload>"+strconv.Itoa(MaxPayloadBytes))
		e.Status = http.StatusRequestEntityTooLarge
		return value.Value{}, e
	}
	if err != nil {
		// A body that cannot be read completely is not a JSON document.
		return value.Value{}, protocol.Errorf(protocol.CodeInvalid, "$", "Invalid JSON")
	}
	v, err := value.Parse(data)
	if err != nil {
		return value.Value{}, protocol.Errorf(protocol.CodeInvalid, "$", "Invalid JSON")
	}
	if e := forbiddenKey(v, ""); e != nil {
		return value.Value{}, e
	}
	return stripProtocolVersion(v)
}

// forbiddenKeys may not appear anywhere in a body (§6.4 step 6).
var forbiddenKeys = map[string]bool{"__proto__": true, "constructor": true, "prototype": true}

// forbiddenKey finds the first forbidden key in document order.
func forbiddenKey(v value.Value, path string) *protocol.Error {
	switch v.Kind() {
	case value.Object:
		vals := v.Elems()
		for i, k := range v.Keys() {
			p := joinKey(path, k)
			if forbiddenKeys[k] {
				return protocol.Invalid(p, "forbidden key %s", k)
			}
			if e := forbiddenKey(vals[i], p); e != nil {
				return e
			}
		}
	case value.Array:
		for i, x := range v.Elems() {
			if e := forbiddenKey(x, joinIndex(path, i)); e != nil {
				return e
			}
		}
	}
	return nil
}

// stripProtocolVersion checks and removes protocolVersion from an object
// body or from each object element of an array body (§6.4 step 7).
func stripProtocolVersion(v value.Value) (value.Value, *protocol.Error) {
	switch v.Kind() {
	case value.Object:
		return checkVersion(v, "")
	case value.Array:
		elems := v.Elems()
		var out []value.Value
		for i, x := range elems {
			y, e := checkVersion(x, joinIndex("", i))
			if e != nil {
				return value.Value{}, e
			}
			if out == nil && y.Kind() == value.Object && y.Len() != x.Len() {
				out = append(make([]value.Value, 0, len(elems)), elems[:i]...)
			}
			if out != nil {
				out = append(out, y)
			}
		}
		if out != nil {
			return value.Arr(out), nil
		}
	}
	return v, nil
}

func checkVersion(v value.Value, prefix string) (value.Value, *protocol.Error) {
	pv := v.Get("protocolVersion")
	if pv.IsAbsent() {
		return v, nil
	}
	if pv.Kind() != value.String || pv.Str() != "1" {
		text := pv.Str()
		if pv.Kind() != value.String {
			text = pv.String()
		}
		return v, protocol.Errorf(protocol.CodeUnsupportedProtocol, joinKey(prefix, "protocolVersion"),
			"Unsupported protocol version: %s", text)
	}
	return v.With("protocolVersion", value.Value{}), nil
}

// joinKey is the path of key inside path ("" is the document itself).
func joinKey(path, key string) string {
	if path == "" || path == "$" {
		return key
	}
	return path + "." + key
}

// joinIndex is the path of element i inside path.
func joinIndex(path string, i int) string {
	if path == "$" {
		path = ""
	}
	return path + "[" + strconv.Itoa(i) + "]"
}
