package protocol

import (
	"bytes"
	"encoding/json"

	"github.com/datafn/datafn-go/value"
)

// Envelope is the body of every response (§6.2):
//
//	{ "ok": true, "result": … }
//	{ "ok": false, "error": { "code", "message", "details": { "path", … } } }
//	{ "ok": false, "error": …, "result": … }   (partial failure: /mutation, /push)
//
// Result stays a raw value.Value because its shape depends on the operation
// (an object, or an array for batches) and a partial-failure envelope carries
// both an error and a result. Decode it further with the endpoint's type.
type Envelope struct {
	OK bool `json:"ok"`
	// Result is Absent when the envelope has no result; omitzero (not
	// omitempty, which never omits a struct) leaves the key out then.
	Result value.Value `json:"result,omitzero"`
	Error  *ErrorBody  `json:"error,omitempty"`
}

// Err is the envelope's error as an *Error, or nil when it has none.
func (e *Envelope) Err() *Error {
	if e.Error == nil {
		return nil
	}
	return FromBody(*e.Error)
}

// OKEnvelope encodes {"ok":true,"result":result}.
func OKEnvelope(result any) ([]byte, error) {
	r, err := encodeResult(result)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(r)+24)
	out = append(out, `{"ok":true,"result":`...)
	out = append(out, r...)
	return append(out, '}'), nil
}

// ErrorEnvelope encodes {"ok":false,"error":…} for e. details.path is always
// present (e.Body guarantees it). It cannot fail: should an Extra value not
// encode, the envelope degrades to an opaque INTERNAL error rather than to
// a body that is not an envelope.
func ErrorEnvelope(e *Error) []byte {
	body, err := encodeErrorBody(e)
	if err != nil {
		return internalEnvelope()
	}
	out := make([]byte, 0, len(body)+24)
	out = append(out, `{"ok":false,"error":`...)
	out = append(out, body...)
	return append(out, '}')
}

// PartialEnvelope encodes the partial-failure envelope of /mutation and
// /push: {"ok":false,"error":e,"result":result} (§6.2).
func PartialEnvelope(e *Error, result any) ([]byte, error) {
	body, err := encodeErrorBody(e)
	if err != nil {
		return nil, err
	}
	r, err := encodeResult(result)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(body)+len(r)+36)
	out = append(out, `{"ok":false,"error":`...)
	out = append(out, body...)
	out = append(out, `,"result":`...)
	out = append(out, r...)
	return append(out, '}'), nil
}

func encodeErrorBody(e *Error) ([]byte, error) {
	if e == nil {
		// A nil error here is a caller bug; answering with an opaque
		// INTERNAL keeps the wire valid.
		e = Internal(nil)
	}
	return marshal(e.Body())
}

func internalEnvelope() []byte {
	return []byte(`{"ok":false,"error":{"code":"INTERNAL","message":"Internal error","details":{"path":"$"}}}`)
}

// encodeResult encodes a result; a value.Value skips encoding/json, whose
// re-validation of Marshaler output would scan large rows twice.
func encodeResult(result any) ([]byte, error) {
	if v, ok := result.(value.Value); ok {
		return value.AppendJSON(nil, v), nil
	}
	return marshal(result)
}

// marshal is json.Marshal without HTML escaping: JavaScript servers send
// "<" as is, and so do we.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// orEmpty returns s, or an empty slice when s is nil, so that lists encode
// as [] and never as null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// orEmptyMap returns m, or an empty map when m is nil, so that maps encode
// as {} and never as null.
func orEmptyMap[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	return m
}

// listsOrEmpty returns m with every nil list replaced by an empty one (and an
// empty map for nil m). It copies m only when a list needs replacing, so the
// common case costs one scan and no allocation.
func listsOrEmpty[T any](m map[string][]T) map[string][]T {
	if m == nil {
		return map[string][]T{}
	}
	for _, l := range m {
		if l != nil {
			continue
		}
		out := make(map[string][]T, len(m))
		for k, l := range m {
			out[k] = orEmpty(l)
		}
		return out
	}
	return m
}
