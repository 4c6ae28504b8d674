package schema

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema/schematest"
	"github.com/datafn/datafn-go/value"
)

// FuzzSchema parses arbitrary schema documents (the server's --schema file,
// the client's config.schema). A rejection is SCHEMA_INVALID with a path and
// the "Invalid schema: " message (or one of the capability codes of §2.5),
// the same on every run. An accepted schema
// has canonical normalised JSON (§2.8: sorted keys, re-encoding changes
// nothing), its hash is that of the normalised bytes, and parsing again or
// through FromValue gives the same hash.
func FuzzSchema(f *testing.F) {
	f.Add([]byte(schematest.S))
	f.Add([]byte(`{"resources":[{"name":"a","version":1,"fields":[{"name":"x","type":"json","readonly":true}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			pe := requireSchemaErr(t, err)
			_, err2 := Parse(data)
			pe2 := requireSchemaErr(t, err2)
			require.Equal(t, pe.Body(), pe2.Body(), "Parse is deterministic")
			return
		}
		norm := s.NormalizedJSON()
		require.Equal(t, hashOf(norm), s.Hash)
		doc, err := value.Parse(norm)
		require.NoError(t, err, "normalised schema is not JSON: %s", norm)
		require.Equal(t, string(norm), doc.String(), "normalised JSON is not canonical")
		s2, err := Parse(data)
		require.NoError(t, err)
		require.Equal(t, string(norm), string(s2.NormalizedJSON()), "Parse is deterministic")
		require.Equal(t, s.Hash, s2.Hash)
		s3, err := FromValue(value.MustParse(string(data)))
		require.NoError(t, err)
		require.Equal(t, s.Hash, s3.Hash, "FromValue agrees with Parse")
	})
}

func requireSchemaErr(t *testing.T, err error) *protocol.Error {
	t.Helper()
	var pe *protocol.Error
	require.True(t, errors.As(err, &pe), "not a *protocol.Error: %T %v", err, err)
	require.NotEmpty(t, pe.Path)
	switch pe.Code {
	case protocol.CodeSchemaInvalid:
		require.True(t, strings.HasPrefix(pe.Message, "Invalid schema: "), pe.Message)
	case protocol.CodeInvalidCapability, protocol.CodeInvalidCapConfig, protocol.CodeCapFieldCollision,
		protocol.CodeCapDependency:
		require.NotEmpty(t, pe.Message)
	default:
		t.Fatalf("unexpected code %s: %s", pe.Code, pe.Message)
	}
	return pe
}

// recordOps are the operations FuzzRecord validates with; op picks one.
var recordOps = []string{OpInsert, OpMerge, OpReplace, OpDelete, "upsert"}

// FuzzRecord validates a mutation id and record against a resource of a
// fuzzed schema (schema S when the document is not a valid schema). Every
// rejection carries a mutation error code and a path under id, record or
// operation. An accepted record comes back cleaned: only writable fields,
// each passing CheckField, and validating the cleaned record again gives it
// back unchanged.
func FuzzRecord(f *testing.F) {
	f.Add("", uint8(0), uint8(0), "task:1", []byte(`{"title":"A","status":"done","prio":2,"tags":["x"],"meta":{"k":1},"due":1700000000000,"code":"AB"}`))
	f.Add("", uint8(1), uint8(1), "n:1", []byte(`{"body":"x","createdAt":5}`))
	fallback, err := Parse([]byte(schematest.S))
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, schemaDoc string, resIdx, opIdx uint8, id string, recordDoc []byte) {
		s, err := Parse([]byte(schemaDoc))
		if err != nil {
			s = fallback
		}
		res := s.Resources[int(resIdx)%len(s.Resources)]
		op := recordOps[int(opIdx)%len(recordOps)]
		if perr := res.ValidateID(value.Str(id)); perr != nil {
			requireMutationErr(t, perr)
			require.True(t, perr.Path == "id", perr.Path)
		}
		record, err := value.Parse(recordDoc)
		if err != nil {
			return
		}
		clean, perr := res.ValidateRecord(op, id, record)
		if perr != nil {
			requireMutationErr(t, perr)
			require.True(t, perr.Path == "record" || perr.Path == "operation" || strings.HasPrefix(perr.Path, "record."), perr.Path)
			return
		}
		if op == OpDelete {
			require.True(t, clean.IsAbsent())
			return
		}
		require.Equal(t, value.Object, clean.Kind())
		for i, k := range clean.Keys() {
			require.True(t, res.Writable(k), "cleaned record keeps %q", k)
			require.Nil(t, res.CheckField(res.Field(k), clean.Elems()[i], "record."+k))
		}
		again, perr := res.ValidateRecord(op, id, clean)
		require.Nil(t, perr, "cleaned record %s is rejected", clean)
		require.Equal(t, clean.String(), again.String())
	})
}

func requireMutationErr(t *testing.T, pe *protocol.Error) {
	t.Helper()
	switch pe.Code {
	case protocol.CodeInvalid, protocol.CodeUnknownField, protocol.CodeUnsupported:
	default:
		t.Fatalf("unexpected code %s: %s", pe.Code, pe.Message)
	}
	require.NotEmpty(t, pe.Message)
	require.NotEmpty(t, pe.Path)
}

// FuzzDecodeRow compares the streaming row decoders of schema S's task with
// a reference built on value.Parse: the same rows are accepted, with the
// same id and field values (the last of repeated keys wins, a non-string id
// fails), and DecodeRows agrees with DecodeRow element by element.
func FuzzDecodeRow(f *testing.F) {
	f.Add([]byte(`{"id":"task:1","title":"A","status":"active","prio":2,"tags":["x","y"],"meta":{"k":[1]},"extra":true}`))
	f.Add([]byte(`[{"id":"task:1","title":"A"},{"title":"B","id":"task:2","title":"C"}]`))
	s, err := Parse([]byte(schematest.S))
	require.NoError(f, err)
	res := s.Resource("task")
	f.Fuzz(func(t *testing.T, data []byte) {
		want, wantOK := referenceRow(res, data)
		got, err := res.DecodeRow(data)
		require.Equal(t, wantOK, err == nil, "DecodeRow(%q): %v", data, err)
		if wantOK {
			requireSameRow(t, want, got)
		}
		v, perr := value.Parse(data)
		rows, err := res.DecodeRows(data)
		if perr != nil || v.Kind() != value.Array {
			require.Error(t, err)
			return
		}
		ok := true
		var wantRows []Row
		for _, e := range v.Elems() {
			r, rok := referenceRow(res, e.JSON())
			ok = ok && rok
			wantRows = append(wantRows, r)
		}
		require.Equal(t, ok, err == nil, "DecodeRows(%q): %v", data, err)
		if ok {
			require.Len(t, rows, len(wantRows))
			for i := range rows {
				requireSameRow(t, wantRows[i], rows[i])
			}
		}
	})
}

// referenceRow decodes one record object the slow way.
func referenceRow(res *Resource, data []byte) (Row, bool) {
	v, err := value.Parse(data)
	if err != nil || v.Kind() != value.Object {
		return Row{}, false
	}
	row := Row{Vals: make([]value.Value, len(res.Fields))}
	hasID := false
	for i, k := range v.Keys() {
		x := v.Elems()[i]
		if k == "id" {
			if x.Kind() != value.String {
				return Row{}, false
			}
			row.ID, hasID = x.Str(), true
		} else if j := res.FieldIndex(k); j >= 0 {
			row.Vals[j] = x
		}
	}
	return row, hasID
}

func requireSameRow(t *testing.T, want, got Row) {
	t.Helper()
	require.Equal(t, want.ID, got.ID)
	require.Equal(t, len(want.Vals), len(got.Vals))
	for i := range want.Vals {
		require.Equal(t, want.Vals[i].String(), got.Vals[i].String(), "field %d", i)
		require.Equal(t, want.Vals[i].IsAbsent(), got.Vals[i].IsAbsent(), "field %d", i)
	}
}
