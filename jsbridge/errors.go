//go:build js && wasm

package jsbridge

import (
	"errors"
	"syscall/js"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

var jsError = js.Global().Get("Error")

// JSError is a JavaScript exception or rejection reason that carries no
// protocol code: a TypeError from fetch, a DOMException from IndexedDB, a
// thrown string. Match DOM failures on Name ("TransactionInactiveError").
type JSError struct {
	// Name is the error's name property ("TypeError"), empty for a value
	// that is not an object.
	Name string
	// Message is the error's message, or String(value) for a non-object.
	Message string
	// Value is the original JS value, for callers that need more of it.
	Value js.Value
}

func (e *JSError) Error() string {
	if e.Name == "" {
		return e.Message
	}
	return e.Name + ": " + e.Message
}

// ErrorToJS makes the JS Error a rejection carries (contracts.md §3): code and
// message from a *protocol.Error anywhere in err's chain, details {path,
// ...Extra} with path never empty. Any other error becomes INTERNAL with
// err's text as message and path "$". A panic's Go stack is kept as goStack.
func ErrorToJS(err error) js.Value {
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		pe = &protocol.Error{Code: protocol.CodeInternal, Message: err.Error(), Path: "$"}
	}
	body := pe.Body()
	e := jsError.New(body.Message)
	e.Set("code", string(body.Code))
	e.Set("details", detailsToJS(body.Details))
	var p *panicErr
	if errors.As(err, &p) {
		e.Set("goStack", string(p.stack))
	}
	return e
}

// detailsToJS crosses the details map as one JSON string. Extra values are
// arbitrary Go values; one that value.FromPlain cannot convert leaves
// details with only its path rather than losing the whole error.
func detailsToJS(d map[string]any) js.Value {
	v, ok := value.FromPlain(d)
	if !ok {
		v, _ = value.FromPlain(map[string]any{"path": d["path"]})
	}
	return jsJSON.Call("parse", string(v.JSON()))
}

// ErrorFromJS converts a thrown or rejected JS value to a Go error; the
// result is never nil. An object with a string code (what ErrorToJS makes,
// and what the JS API documents) becomes a *protocol.Error with its path and
// other detail keys; anything else, a DOMException's numeric code included,
// becomes a *JSError.
func ErrorFromJS(v js.Value) error {
	if !isObject(v) {
		return &JSError{Message: js.Global().Call("String", v).String(), Value: v}
	}
	code := v.Get("code")
	if code.Type() == js.TypeString && code.String() != "" {
		return protocolFromJS(code.String(), v)
	}
	return &JSError{Name: stringProp(v, "name"), Message: stringProp(v, "message"), Value: v}
}

func protocolFromJS(code string, v js.Value) *protocol.Error {
	e := &protocol.Error{Code: protocol.Code(code), Message: stringProp(v, "message"), Path: "$"}
	details := v.Get("details")
	if !isObject(details) {
		return e
	}
	parsed, err := value.ParseString(jsJSON.Call("stringify", details).String())
	if err != nil {
		return e
	}
	d, _ := value.ToAny(parsed).(map[string]any)
	for k, x := range d {
		if k == "path" {
			if s, ok := x.(string); ok && s != "" {
				e.Path = s
			}
			continue
		}
		if e.Extra == nil {
			e.Extra = make(map[string]any, len(d))
		}
		e.Extra[k] = x
	}
	return e
}

func isObject(v js.Value) bool {
	t := v.Type()
	return t == js.TypeObject || t == js.TypeFunction
}

// stringProp reads a property that should be a string, "" when it is not.
func stringProp(v js.Value, name string) string {
	p := v.Get(name)
	if p.Type() != js.TypeString {
		return ""
	}
	return p.String()
}
