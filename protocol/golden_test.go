package protocol

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The files under testdata/ are the JSON examples of protocol.md, copied
// verbatim (§4.2, §5.7, §6.2, §7.1–§7.9, §11.5 and the Appendix A items named
// in the file names). Four are assembled from the pieces an item states
// because the spec elides parts: clone_response_cl1 (CL-1 writes the rows as
// "…"), pull_response_pl1_delete (the second half of PL-1), transact_result_t2
// (T-2) and transact_request_t1 (T-1 names the steps in prose).

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// roundTrip decodes raw into a T, refusing keys T does not know, re-encodes
// it and requires the same JSON.
func roundTrip[T any](t *testing.T, raw []byte) T {
	t.Helper()
	var x T
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&x))
	out, err := json.Marshal(x)
	require.NoError(t, err)
	require.JSONEq(t, string(raw), string(out))
	return x
}

// envelopeOf round-trips an envelope and its result as a T, then rebuilds the
// whole body with the envelope helpers from the typed result.
func envelopeOf[T any](t *testing.T, raw []byte) {
	t.Helper()
	env := roundTrip[Envelope](t, raw)
	require.False(t, env.Result.IsAbsent(), "envelope has no result")
	result := roundTrip[T](t, env.Result.JSON())
	var rebuilt []byte
	var err error
	if env.OK {
		require.Nil(t, env.Error)
		rebuilt, err = OKEnvelope(result)
	} else {
		require.NotNil(t, env.Error)
		rebuilt, err = PartialEnvelope(env.Err(), result)
	}
	require.NoError(t, err)
	require.JSONEq(t, string(raw), string(rebuilt))
}

// errorEnvelope round-trips an error-only envelope and rebuilds it with
// ErrorEnvelope.
func errorEnvelope(t *testing.T, raw []byte) {
	t.Helper()
	env := roundTrip[Envelope](t, raw)
	require.False(t, env.OK)
	require.True(t, env.Result.IsAbsent())
	require.JSONEq(t, string(raw), string(ErrorEnvelope(env.Err())))
}

func TestGolden(t *testing.T) {
	cases := []struct {
		file  string
		check func(*testing.T, []byte)
	}{
		{"envelope_ok.json", func(t *testing.T, b []byte) { roundTrip[Envelope](t, b) }},
		{"envelope_error.json", errorEnvelope},
		{"error_invalid_json_env1.json", errorEnvelope},
		{"error_internal_st2.json", errorEnvelope},
		{"error_forbidden_auth2.json", errorEnvelope},
		{"status_response.json", envelopeOf[StatusResult]},
		{"query_result_rows.json", func(t *testing.T, b []byte) { roundTrip[QueryResult](t, b) }},
		{"query_result_groups.json", func(t *testing.T, b []byte) { roundTrip[QueryResult](t, b) }},
		{"query_response.json", envelopeOf[QueryResult]},
		{"mutation_result.json", func(t *testing.T, b []byte) { roundTrip[MutationResult](t, b) }},
		{"mutation_response_m1.json", envelopeOf[MutationResult]},
		{"mutation_conflict_m3.json", envelopeOf[MutationResult]},
		{"mutation_missing_id_m4.json", envelopeOf[MutationResult]},
		{"transact_request.json", func(t *testing.T, b []byte) { roundTrip[TransactRequest](t, b) }},
		{"transact_request_t1.json", func(t *testing.T, b []byte) { roundTrip[TransactRequest](t, b) }},
		{"transact_response_t1.json", envelopeOf[TransactResult]},
		{"transact_result_t2.json", func(t *testing.T, b []byte) { roundTrip[TransactResult](t, b) }},
		{"transact_step_invalid_t5.json", func(t *testing.T, b []byte) { roundTrip[StepResult](t, b) }},
		{"seed_request.json", func(t *testing.T, b []byte) { roundTrip[SeedRequest](t, b) }},
		{"seed_response.json", envelopeOf[SeedResult]},
		{"clone_request_full.json", func(t *testing.T, b []byte) { roundTrip[CloneRequest](t, b) }},
		{"clone_request_page.json", func(t *testing.T, b []byte) { roundTrip[CloneRequest](t, b) }},
		{"clone_request_page_h9.json", func(t *testing.T, b []byte) { roundTrip[CloneRequest](t, b) }},
		{"clone_response.json", envelopeOf[CloneResult]},
		{"clone_response_cl1.json", envelopeOf[CloneResult]},
		{"pull_request.json", func(t *testing.T, b []byte) { roundTrip[PullRequest](t, b) }},
		{"pull_request_pl1.json", func(t *testing.T, b []byte) { roundTrip[PullRequest](t, b) }},
		{"pull_response.json", envelopeOf[PullResult]},
		{"pull_response_pl1.json", envelopeOf[PullResult]},
		{"pull_response_pl1_delete.json", envelopeOf[PullResult]},
		{"push_request.json", func(t *testing.T, b []byte) { roundTrip[PushRequest](t, b) }},
		{"push_response_pu1.json", envelopeOf[PushResult]},
		{"push_partial_pu4.json", envelopeOf[PushResult]},
		{"push_error_pu10.json", func(t *testing.T, b []byte) { roundTrip[PushError](t, b) }},
		{"reconcile_request.json", func(t *testing.T, b []byte) { roundTrip[ReconcileRequest](t, b) }},
		{"reconcile_response.json", envelopeOf[ReconcileResult]},
		{"changelog_entry.json", func(t *testing.T, b []byte) { roundTrip[ChangelogEntry](t, b) }},
		{"event_ev1.json", func(t *testing.T, b []byte) { roundTrip[Event](t, b) }},
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	require.Len(t, files, len(cases), "every testdata file has a case")
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) { c.check(t, readGolden(t, c.file)) })
	}
}

// The partial-failure envelopes are derived from their results: the envelope
// error is the result's first error (§6.2, §7.3, §7.8).
func TestPartialEnvelopeFromResult(t *testing.T) {
	t.Run("M-3", func(t *testing.T) {
		raw := readGolden(t, "mutation_conflict_m3.json")
		r := MutationFailure("m-2", Errorf(CodeConflict, "id", "Record already exists"))
		b, err := PartialEnvelope(r.Err(), r)
		require.NoError(t, err)
		require.JSONEq(t, string(raw), string(b))
		require.Equal(t, 409, r.Err().HTTPStatus())
	})
	t.Run("M-4", func(t *testing.T) {
		raw := readGolden(t, "mutation_missing_id_m4.json")
		r := MutationFailure("", Invalid("$", "missing clientId or mutationId"))
		b, err := PartialEnvelope(r.Err(), r)
		require.NoError(t, err)
		require.JSONEq(t, string(raw), string(b))
	})
	t.Run("PU-4", func(t *testing.T) {
		raw := readGolden(t, "push_partial_pu4.json")
		id := "m3"
		r := PushResult{
			Errors:       []PushError{NewPushError(&id, Errorf(CodeConflict, "if", "Guard condition not met"))},
			Cursor:       "2",
			CursorBefore: "2",
		}
		b, err := PartialEnvelope(r.Err(), r)
		require.NoError(t, err)
		require.JSONEq(t, string(raw), string(b))
	})
}

func TestOKEnvelopeFromTypes(t *testing.T) {
	t.Run("M-1", func(t *testing.T) {
		b, err := OKEnvelope(MutationSuccess("m-1", "task:1"))
		require.NoError(t, err)
		require.JSONEq(t, string(readGolden(t, "mutation_response_m1.json")), string(b))
	})
	t.Run("ST-1", func(t *testing.T) {
		s := StatusResult{
			SchemaHash:   "sha256:9f2c…(64 hex digits)",
			Capabilities: ServerCapabilities(),
			Limits:       ServerLimits(),
			ServerTimeMs: 1700000000000,
		}
		b, err := OKEnvelope(s)
		require.NoError(t, err)
		require.JSONEq(t, string(readGolden(t, "status_response.json")), string(b))
	})
	t.Run("PU-1", func(t *testing.T) {
		r := PushResult{OK: true, Applied: []string{"m1", "m2"}, Cursor: "2", CursorBefore: "0",
			Cursors: map[string]string{"task": "2"}}
		b, err := OKEnvelope(r)
		require.NoError(t, err)
		require.JSONEq(t, string(readGolden(t, "push_response_pu1.json")), string(b))
	})
	t.Run("SEED-1", func(t *testing.T) {
		b, err := OKEnvelope(SeedResult{OK: true})
		require.NoError(t, err)
		require.JSONEq(t, string(readGolden(t, "seed_response.json")), string(b))
	})
}
