package engine

import (
	"context"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// Poster sends one protocol request: POST <remote>/<op> with a JSON body and
// the bearer token, timing out after 60 s (§9.5). It returns the status, the
// status text and the body of any response; failures to get one are
// *protocol.Error (network failure, timeout, DFQL_ABORTED). The net/http
// poster is NewHTTPTransport's; the browser's lives in jsbridge on fetch.
type Poster interface {
	Post(ctx context.Context, op string, body []byte) (status int, statusText string, resp []byte, err error)
}

// NewTransport builds the Transport on a Poster: it encodes requests and
// handles responses exactly as §9.5 says.
func NewTransport(p Poster) Transport { return &postTransport{p: p} }

type postTransport struct{ p Poster }

func (t *postTransport) call(ctx context.Context, op string, body any) (value.Value, error) {
	b, ok := appendRequest(nil, body)
	if !ok {
		return value.Value{}, protocol.Errorf(protocol.CodeInvalid, "$", "Invalid DFQL: request cannot be encoded")
	}
	status, text, resp, err := t.p.Post(ctx, op, b)
	if err != nil {
		return value.Value{}, err
	}
	return HandleResponse(op, status, text, resp)
}

func (t *postTransport) Query(ctx context.Context, q value.Value) (protocol.QueryResult, error) {
	v, err := t.call(ctx, protocol.OpQuery, q)
	if err != nil {
		return protocol.QueryResult{}, err
	}
	return DecodeQueryResult(v)
}

func (t *postTransport) Mutation(ctx context.Context, m value.Value) (protocol.MutationResult, error) {
	v, err := t.call(ctx, protocol.OpMutation, m)
	if err != nil {
		return protocol.MutationResult{}, err
	}
	return decodeMutationResult(v)
}

func (t *postTransport) Mutations(ctx context.Context, ms []value.Value) ([]protocol.MutationResult, error) {
	v, err := t.call(ctx, protocol.OpMutation, value.Arr(ms))
	if err != nil {
		return nil, err
	}
	if v.Kind() != value.Array || v.Len() != len(ms) {
		return nil, errShape()
	}
	out := make([]protocol.MutationResult, v.Len())
	for i, e := range v.Elems() {
		if out[i], err = decodeMutationResult(e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (t *postTransport) Clone(ctx context.Context, req protocol.CloneRequest) (protocol.CloneResult, error) {
	var r protocol.CloneResult
	v, err := t.call(ctx, protocol.OpClone, req)
	if err == nil {
		err = decodeSyncResult(v, &r, "data")
	}
	if err == nil && !cursorsValid(r.Cursors) {
		err = errShape()
	}
	return r, err
}

func (t *postTransport) Pull(ctx context.Context, req protocol.PullRequest) (protocol.PullResult, error) {
	var r protocol.PullResult
	v, err := t.call(ctx, protocol.OpPull, req)
	if err == nil {
		err = decodeSyncResult(v, &r, "")
	}
	if err == nil && !cursorsValid(r.Cursors) {
		err = errShape()
	}
	return r, err
}

func (t *postTransport) Push(ctx context.Context, req protocol.PushRequest) (protocol.PushResult, error) {
	var r protocol.PushResult
	v, err := t.call(ctx, protocol.OpPush, req)
	if err != nil {
		return r, err
	}
	if v.Kind() != value.Object || v.Get("applied").Kind() != value.Array || v.Get("ok").Kind() != value.Bool {
		return r, errShape()
	}
	if err := decodeInto(v, &r); err != nil {
		return r, err
	}
	if _, ok := protocol.ParseCursor(r.Cursor); !ok && r.Cursor != "" {
		return r, errShape()
	}
	return r, nil
}

// HandleResponse applies the response table and the envelope rules of §9.5
// and returns the result value of a successful call.
func HandleResponse(op string, status int, statusText string, body []byte) (value.Value, error) {
	v, err := value.Parse(body)
	if err != nil {
		if status < 200 || status > 299 {
			return value.Value{}, protocol.Errorf(protocol.CodeTransport, "$", "HTTP Error %d: %s", status, statusText)
		}
		return value.Value{}, errShape()
	}
	if v.Kind() != value.Object {
		return value.Value{}, errShape()
	}
	ok, result, errBody := v.Get("ok"), v.Get("result"), v.Get("error")
	switch {
	case ok.Kind() == value.Bool && ok.Bool() && !result.IsAbsent():
		return result, nil
	case ok.Kind() == value.Bool && !ok.Bool() && errBody.Kind() == value.Object:
		if !result.IsAbsent() && (op == protocol.OpMutation || op == protocol.OpPush) {
			return result, nil // partial failure: the result tells the story
		}
		return value.Value{}, errorFromBody(errBody)
	case op == protocol.OpQuery && ok.IsAbsent() && v.Has("nextCursor") && (v.Has("data") || v.Has("groups")):
		return v, nil
	}
	return value.Value{}, errShape()
}

// errorFromBody turns a wire error {code, message, details} into an error
// carrying exactly the server's code, message and details (TR-4).
func errorFromBody(b value.Value) error {
	code, msg := b.Get("code"), b.Get("message")
	if code.Kind() != value.String || msg.Kind() != value.String {
		return errShape()
	}
	e := &protocol.Error{Code: protocol.Code(code.Str()), Message: msg.Str(), Path: "$"}
	d := b.Get("details")
	for i, k := range d.Keys() {
		x := d.Elems()[i]
		if k == "path" && x.Kind() == value.String {
			e.Path = x.Str()
			continue
		}
		if e.Extra == nil {
			e.Extra = map[string]any{}
		}
		e.Extra[k] = value.ToAny(x)
	}
	return e
}

// DecodeQueryResult reads a row or grouped query result.
func DecodeQueryResult(v value.Value) (protocol.QueryResult, error) {
	var r protocol.QueryResult
	data, groups := v.Get("data"), v.Get("groups")
	switch {
	case v.Kind() != value.Object:
		return r, errShape()
	case data.Kind() == value.Array:
		r.Data = append([]value.Value{}, data.Elems()...)
	case groups.Kind() == value.Array:
		r.Groups = append([]value.Value{}, groups.Elems()...)
	default:
		return r, errShape()
	}
	for _, row := range r.Data {
		if row.Kind() != value.Object || (row.Has("id") && row.Get("id").Kind() != value.String) {
			return r, errShape()
		}
	}
	r.NextCursor = v.Get("nextCursor")
	switch r.NextCursor.Kind() {
	case value.Null, value.Object:
	default:
		if !r.NextCursor.IsAbsent() {
			return r, errShape()
		}
		r.NextCursor = value.NullValue
	}
	if c := v.Get("count"); c.IsInteger() {
		n := int64(c.Num())
		r.Count = &n
	}
	return r, nil
}

func decodeMutationResult(v value.Value) (protocol.MutationResult, error) {
	var r protocol.MutationResult
	if v.Kind() != value.Object || v.Get("ok").Kind() != value.Bool || v.Get("mutationId").Kind() != value.String {
		return r, errShape()
	}
	return r, decodeInto(v, &r)
}

// decodeSyncResult decodes a /clone or /pull result: a result with ok:false
// and an error is that error; a result without ok is accepted (§9.5).
func decodeSyncResult(v value.Value, dst any, required string) error {
	if v.Kind() != value.Object {
		return errShape()
	}
	if ok := v.Get("ok"); ok.Kind() == value.Bool && !ok.Bool() && v.Get("error").Kind() == value.Object {
		return errorFromBody(v.Get("error"))
	}
	if v.Get("cursors").Kind() != value.Object || (required != "" && v.Get(required).Kind() != value.Object) {
		return errShape()
	}
	// Rows the engine would have to skip while the cursors move past them
	// would be lost until the next clone: such a result is refused whole.
	for _, k := range [...]string{"data", "records", "merged"} {
		if !rowLists(v.Get(k), true) {
			return errShape()
		}
	}
	if !rowLists(v.Get("deleted"), false) {
		return errShape()
	}
	return decodeInto(v, dst)
}

// rowLists reports whether m is absent or an object of arrays, each element
// an object with a string "id" (rows) or a string (ids).
func rowLists(m value.Value, rows bool) bool {
	if m.IsAbsent() {
		return true
	}
	if m.Kind() != value.Object {
		return false
	}
	for _, k := range m.Keys() {
		list := m.Get(k)
		if list.Kind() != value.Array {
			return false
		}
		for _, e := range list.Elems() {
			if rows && (e.Kind() != value.Object || e.Get("id").Kind() != value.String) {
				return false
			}
			if !rows && e.Kind() != value.String {
				return false
			}
		}
	}
	return true
}

func cursorsValid(c map[string]string) bool {
	for _, s := range c {
		if _, ok := protocol.ParseCursor(s); !ok {
			return false
		}
	}
	return true
}
