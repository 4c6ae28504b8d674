package engine

import (
	"slices"
	"strconv"
	"strings"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// The JSON the client writes and reads without encoding/json, whose
// reflection is about 0.7 MB of datafn.wasm and whose re-validation of
// MarshalJSON output was most of the time of handing query results to
// JavaScript. Every encoder writes what encoding/json writes for the same
// value (members in struct order, omitempty/omitzero members left out, map
// keys sorted), except that strings are escaped like value.AppendString
// (no HTML escaping), which parses to the same value. The decoders accept
// what json.Unmarshal accepts into the protocol types (unknown members
// ignored, member names matched exactly or else ignoring case, null leaving
// a member unset) and fail where it fails (a member of the wrong JSON type).

// member appends the key of an object member, after a comma unless it is the
// object's first.
func member(dst []byte, key string) []byte {
	if dst[len(dst)-1] != '{' {
		dst = append(dst, ',')
	}
	dst = value.AppendString(dst, key)
	return append(dst, ':')
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

// appendStrings appends ss as an array; nil as [] when orEmpty, else null.
func appendStrings(dst []byte, ss []string, orEmpty bool) []byte {
	if ss == nil && !orEmpty {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = value.AppendString(dst, s)
	}
	return append(dst, ']')
}

// appendValues appends vs as an array; nil as [] when orEmpty, else null.
func appendValues(dst []byte, vs []value.Value, orEmpty bool) []byte {
	if vs == nil && !orEmpty {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, v := range vs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = value.AppendJSON(dst, v)
	}
	return append(dst, ']')
}

// appendStringMap appends m as an object with sorted keys; nil as {} when
// orEmpty, else null.
func appendStringMap[S ~string](dst []byte, m map[string]S, orEmpty bool) []byte {
	if m == nil && !orEmpty {
		return append(dst, "null"...)
	}
	dst = append(dst, '{')
	for _, k := range sortedKeys(m) {
		dst = member(dst, k)
		dst = value.AppendString(dst, string(m[k]))
	}
	return append(dst, '}')
}

// AppendQueryResultJSON appends r as protocol.QueryResult.MarshalJSON
// writes it.
func AppendQueryResultJSON(dst []byte, r protocol.QueryResult) []byte {
	dst = append(dst, '{')
	if r.Groups == nil {
		dst = member(dst, "data")
		dst = appendValues(dst, r.Data, true)
	} else {
		if r.Data != nil {
			dst = member(dst, "data")
			dst = appendValues(dst, r.Data, false)
		}
		dst = member(dst, "groups")
		dst = appendValues(dst, r.Groups, false)
	}
	dst = member(dst, "nextCursor")
	dst = value.AppendJSON(dst, r.NextCursor)
	if r.Count != nil {
		dst = member(dst, "count")
		dst = strconv.AppendInt(dst, *r.Count, 10)
	}
	return append(dst, '}')
}

// AppendMutationResultJSON appends r as protocol.MutationResult.MarshalJSON
// writes it.
func AppendMutationResultJSON(dst []byte, r protocol.MutationResult) []byte {
	dst = append(dst, `{"ok":`...)
	dst = appendBool(dst, r.OK)
	dst = member(dst, "mutationId")
	dst = value.AppendString(dst, r.MutationID)
	dst = member(dst, "affectedIds")
	dst = appendStrings(dst, r.AffectedIDs, true)
	dst = member(dst, "errors")
	dst = append(dst, '[')
	for i, e := range r.Errors {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"code":`...)
		dst = value.AppendString(dst, string(e.Code))
		dst = member(dst, "message")
		dst = value.AppendString(dst, e.Message)
		dst = member(dst, "path")
		dst = value.AppendString(dst, e.Path)
		dst = member(dst, "retryable")
		dst = appendBool(dst, e.Retryable)
		dst = append(dst, '}')
	}
	dst = append(dst, ']')
	dst = member(dst, "deduped")
	dst = appendBool(dst, r.Deduped)
	return append(dst, '}')
}

// AppendMutationResultsJSON appends rs as an array (nil as []).
func AppendMutationResultsJSON(dst []byte, rs []protocol.MutationResult) []byte {
	dst = append(dst, '[')
	for i, r := range rs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendMutationResultJSON(dst, r)
	}
	return append(dst, ']')
}

// AppendStatusJSON appends st as encoding/json writes a Status.
func AppendStatusJSON(dst []byte, st Status) []byte {
	dst = append(dst, `{"isOnline":`...)
	dst = appendBool(dst, st.IsOnline)
	dst = member(dst, "running")
	dst = appendBool(dst, st.Running)
	dst = member(dst, "pending")
	dst = strconv.AppendInt(dst, int64(st.Pending), 10)
	dst = member(dst, "hydration")
	dst = appendStringMap(dst, st.Hydration, false)
	dst = member(dst, "cursors")
	dst = appendStringMap(dst, st.Cursors, false)
	dst = member(dst, "lastError")
	if e := st.LastError; e == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, `{"code":`...)
		dst = value.AppendString(dst, string(e.Code))
		dst = member(dst, "message")
		dst = value.AppendString(dst, e.Message)
		dst = member(dst, "phase")
		dst = value.AppendString(dst, e.Phase)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// AppendChangelogJSON appends entries as an array (nil as []) of
// protocol.ChangelogEntry as encoding/json writes it.
func AppendChangelogJSON(dst []byte, entries []ChangelogEntry) []byte {
	dst = append(dst, '[')
	for i, e := range entries {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"seq":`...)
		dst = strconv.AppendInt(dst, e.Seq, 10)
		dst = member(dst, "clientId")
		dst = value.AppendString(dst, e.ClientID)
		dst = member(dst, "mutationId")
		dst = value.AppendString(dst, e.MutationID)
		dst = member(dst, "mutation")
		dst = value.AppendJSON(dst, e.Mutation)
		dst = member(dst, "timestampMs")
		dst = strconv.AppendInt(dst, e.TimestampMs, 10)
		if e.UserID != "" {
			dst = member(dst, "userId")
			dst = value.AppendString(dst, e.UserID)
		}
		dst = member(dst, "timestamp")
		dst = value.AppendString(dst, e.Timestamp)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// AppendEventJSON appends ev as encoding/json writes a protocol.Event.
func AppendEventJSON(dst []byte, ev protocol.Event) []byte {
	dst = append(dst, `{"type":`...)
	dst = value.AppendString(dst, ev.Type)
	if ev.Resource != "" {
		dst = member(dst, "resource")
		dst = value.AppendString(dst, ev.Resource)
	}
	if ev.IDs != nil {
		dst = member(dst, "ids")
		dst = appendStrings(dst, ev.IDs, true)
	}
	if ev.MutationID != "" {
		dst = member(dst, "mutationId")
		dst = value.AppendString(dst, ev.MutationID)
	}
	if ev.ClientID != "" {
		dst = member(dst, "clientId")
		dst = value.AppendString(dst, ev.ClientID)
	}
	dst = member(dst, "timestampMs")
	dst = strconv.AppendInt(dst, ev.TimestampMs, 10)
	if !ev.Context.IsAbsent() {
		dst = member(dst, "context")
		dst = value.AppendJSON(dst, ev.Context)
	}
	if ev.Action != "" {
		dst = member(dst, "action")
		dst = value.AppendString(dst, ev.Action)
	}
	if ev.Fields != nil {
		dst = member(dst, "fields")
		dst = appendStrings(dst, ev.Fields, true)
	}
	if !ev.Record.IsAbsent() {
		dst = member(dst, "record")
		dst = value.AppendJSON(dst, ev.Record)
	}
	if ev.System {
		dst = append(dst, `,"system":true`...)
	}
	if ev.FromRemoteTab {
		dst = append(dst, `,"fromRemoteTab":true`...)
	}
	return append(dst, '}')
}

// appendRequest appends a request body as encoding/json (with the request
// types' MarshalJSON) writes it; ok is false for a type it does not know.
func appendRequest(dst []byte, body any) (out []byte, ok bool) {
	switch r := body.(type) {
	case value.Value:
		return value.AppendJSON(dst, r), true
	case protocol.CloneRequest:
		dst = append(dst, `{"clientId":`...)
		dst = value.AppendString(dst, r.ClientID)
		if r.Tables != nil {
			dst = member(dst, "tables")
			dst = appendStrings(dst, r.Tables, true)
		}
		if p := r.Page; p != nil {
			dst = member(dst, "page")
			dst = append(dst, `{"table":`...)
			dst = value.AppendString(dst, p.Table)
			dst = member(dst, "afterId")
			if p.AfterID == nil {
				dst = append(dst, "null"...)
			} else {
				dst = value.AppendString(dst, *p.AfterID)
			}
			dst = member(dst, "limit")
			dst = strconv.AppendInt(dst, int64(p.Limit), 10)
			dst = append(dst, '}')
		}
		if r.IncludeJoins {
			dst = append(dst, `,"includeJoins":true`...)
		}
		return append(dst, '}'), true
	case protocol.PullRequest:
		dst = append(dst, `{"clientId":`...)
		dst = value.AppendString(dst, r.ClientID)
		dst = member(dst, "cursors")
		dst = appendStringMap(dst, r.Cursors, true)
		if r.Limit != 0 {
			dst = member(dst, "limit")
			dst = strconv.AppendInt(dst, int64(r.Limit), 10)
		}
		if r.IncludeJoins {
			dst = append(dst, `,"includeJoins":true`...)
		}
		return append(dst, '}'), true
	case protocol.PushRequest:
		dst = append(dst, `{"clientId":`...)
		dst = value.AppendString(dst, r.ClientID)
		dst = member(dst, "mutations")
		dst = appendValues(dst, r.Mutations, true)
		return append(dst, '}'), true
	}
	return dst, false
}

// pushErrorsValue is the wire form of a result's errors.
func pushErrorsValue(errs []protocol.PushError) value.Value {
	out := make([]value.Value, len(errs))
	for i, e := range errs {
		id := value.NullValue
		if e.MutationID != nil {
			id = value.Str(*e.MutationID)
		}
		out[i] = value.Obj([]string{"mutationId", "code", "message", "path", "retryable"},
			[]value.Value{id, value.Str(string(e.Code)), value.Str(e.Message), value.Str(e.Path), value.Boolean(e.Retryable)})
	}
	return value.Arr(out)
}

// Decoding.

// decodeMembers calls set(i, x) for every member x of obj whose key is
// names[i], exactly or else ignoring case, in the order of obj. null decodes
// to nothing; any other non-object fails.
func decodeMembers(obj value.Value, names []string, set func(i int, x value.Value) bool) bool {
	if obj.Kind() == value.Null {
		return true
	}
	if obj.Kind() != value.Object {
		return false
	}
	vals := obj.Elems()
	for j, k := range obj.Keys() {
		x := vals[j]
		if x.IsAbsent() {
			continue
		}
		i := slices.Index(names, k)
		if i < 0 {
			i = slices.IndexFunc(names, func(n string) bool { return strings.EqualFold(n, k) })
		}
		if i >= 0 && !set(i, x) {
			return false
		}
	}
	return true
}

func decodeBool(x value.Value, dst *bool) bool {
	switch x.Kind() {
	case value.Null:
		return true
	case value.Bool:
		*dst = x.Bool()
		return true
	}
	return false
}

func decodeString[S ~string](x value.Value, dst *S) bool {
	switch x.Kind() {
	case value.Null:
		return true
	case value.String:
		*dst = S(x.Str())
		return true
	}
	return false
}

// decodeList decodes an array with elem; null gives nil.
func decodeList[T any](x value.Value, dst *[]T, elem func(value.Value, *T) bool) bool {
	switch x.Kind() {
	case value.Null:
		*dst = nil
		return true
	case value.Array:
		out := make([]T, x.Len())
		for i, e := range x.Elems() {
			if !elem(e, &out[i]) {
				return false
			}
		}
		*dst = out
		return true
	}
	return false
}

// decodeMap decodes an object with elem; null gives nil.
func decodeMap[T any](x value.Value, dst *map[string]T, elem func(value.Value, *T) bool) bool {
	switch x.Kind() {
	case value.Null:
		*dst = nil
		return true
	case value.Object:
		out := make(map[string]T, x.Len())
		vals := x.Elems()
		for i, k := range x.Keys() {
			if vals[i].IsAbsent() {
				continue
			}
			var t T
			if !elem(vals[i], &t) {
				return false
			}
			out[k] = t
		}
		*dst = out
		return true
	}
	return false
}

func decodeValue(x value.Value, dst *value.Value) bool {
	*dst = x
	return true
}

func decodeValues(x value.Value, dst *[]value.Value) bool {
	return decodeList(x, dst, decodeValue)
}

func decodeStrings(x value.Value, dst *[]string) bool {
	return decodeList(x, dst, decodeString[string])
}

func decodeStringPtr(x value.Value, dst **string) bool {
	switch x.Kind() {
	case value.Null:
		*dst = nil
		return true
	case value.String:
		s := x.Str()
		*dst = &s
		return true
	}
	return false
}

func decodeMutationError(x value.Value, e *protocol.MutationError) bool {
	return decodeMembers(x, []string{"code", "message", "path", "retryable"}, func(i int, x value.Value) bool {
		switch i {
		case 0:
			return decodeString(x, &e.Code)
		case 1:
			return decodeString(x, &e.Message)
		case 2:
			return decodeString(x, &e.Path)
		}
		return decodeBool(x, &e.Retryable)
	})
}

func decodePushError(x value.Value, e *protocol.PushError) bool {
	return decodeMembers(x, []string{"mutationId", "code", "message", "path", "retryable"}, func(i int, x value.Value) bool {
		switch i {
		case 0:
			return decodeStringPtr(x, &e.MutationID)
		case 1:
			return decodeString(x, &e.Code)
		case 2:
			return decodeString(x, &e.Message)
		case 3:
			return decodeString(x, &e.Path)
		}
		return decodeBool(x, &e.Retryable)
	})
}

func decodeMutationResultInto(v value.Value, r *protocol.MutationResult) bool {
	return decodeMembers(v, []string{"ok", "mutationId", "affectedIds", "errors", "deduped"}, func(i int, x value.Value) bool {
		switch i {
		case 0:
			return decodeBool(x, &r.OK)
		case 1:
			return decodeString(x, &r.MutationID)
		case 2:
			return decodeStrings(x, &r.AffectedIDs)
		case 3:
			return decodeList(x, &r.Errors, decodeMutationError)
		}
		return decodeBool(x, &r.Deduped)
	})
}

func decodeCloneResultInto(v value.Value, r *protocol.CloneResult) bool {
	return decodeMembers(v, []string{"ok", "data", "cursors", "next", "paginated"}, func(i int, x value.Value) bool {
		switch i {
		case 0:
			return decodeBool(x, &r.OK)
		case 1:
			return decodeMap(x, &r.Data, decodeValues)
		case 2:
			return decodeMap(x, &r.Cursors, decodeString[string])
		case 3:
			return decodeMap(x, &r.Next, decodeStringPtr)
		}
		return decodeBool(x, &r.Paginated)
	})
}

func decodePullResultInto(v value.Value, r *protocol.PullResult) bool {
	return decodeMembers(v, []string{"ok", "records", "merged", "deleted", "cursors", "hasMore"}, func(i int, x value.Value) bool {
		switch i {
		case 0:
			return decodeBool(x, &r.OK)
		case 1:
			return decodeMap(x, &r.Records, decodeValues)
		case 2:
			return decodeMap(x, &r.Merged, decodeValues)
		case 3:
			return decodeMap(x, &r.Deleted, decodeStrings)
		case 4:
			return decodeMap(x, &r.Cursors, decodeString[string])
		}
		return decodeBool(x, &r.HasMore)
	})
}

func decodePushResultInto(v value.Value, r *protocol.PushResult) bool {
	return decodeMembers(v, []string{"ok", "applied", "errors", "cursor", "cursorBefore", "cursors"}, func(i int, x value.Value) bool {
		switch i {
		case 0:
			return decodeBool(x, &r.OK)
		case 1:
			return decodeStrings(x, &r.Applied)
		case 2:
			return decodeList(x, &r.Errors, decodePushError)
		case 3:
			return decodeString(x, &r.Cursor)
		case 4:
			return decodeString(x, &r.CursorBefore)
		}
		return decodeMap(x, &r.Cursors, decodeString[string])
	})
}

// decodeInto decodes a result into dst, one of the result types above, as
// json.Unmarshal would.
func decodeInto(v value.Value, dst any) error {
	var ok bool
	switch r := dst.(type) {
	case *protocol.MutationResult:
		ok = decodeMutationResultInto(v, r)
	case *protocol.CloneResult:
		ok = decodeCloneResultInto(v, r)
	case *protocol.PullResult:
		ok = decodePullResultInto(v, r)
	case *protocol.PushResult:
		ok = decodePushResultInto(v, r)
	}
	if !ok {
		return errShape()
	}
	return nil
}
