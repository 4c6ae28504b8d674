package dfql

import (
	"testing"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// mutationCodes are the codes ParseMutation may reject with (§5.3).
var mutationCodes = map[protocol.Code]bool{
	protocol.CodeInvalid: true, protocol.CodeUnknownResource: true, protocol.CodeUnknownField: true,
	protocol.CodeUnsupported: true, protocol.CodeLimitExceeded: true,
}

// FuzzMutation feeds a mutation document and a stored record through
// ParseMutation, Apply (both /mutation and /push semantics) and Reapply. A
// rejection carries a mutation code, a path and a message. An accepted
// mutation has a resource of the schema and a valid id; Apply is
// deterministic, does not modify the stored row, fails only with a code and
// a path, and its outcome is consistent: a resulting row has the mutation's
// id, a delete leaves no row, no change leaves the stored row as it was, and
// every other change leaves a row.
func FuzzMutation(f *testing.F) {
	f.Add(`{"resource":"task","version":1,"operation":"insert","id":"task:1","record":{"title":"A","prio":2},"clientId":"c","mutationId":"m"}`,
		`{"title":"old","status":"done"}`, int64(1700000000000))
	f.Add(`{"resource":"note","version":1,"operation":"merge","id":"n:1","record":{"body":"x"},"if":{"body":{"$eq":"y"}}}`,
		`{"body":"y","createdAt":5,"updatedAt":6}`, int64(7))
	s := fixture(f)
	f.Fuzz(func(t *testing.T, doc, stored string, now int64) {
		mv, err := value.ParseString(doc)
		if err != nil {
			return
		}
		m, perr := ParseMutation(s, mv)
		if perr != nil {
			checkRejection(t, perr, mutationCodes)
			again, perr2 := ParseMutation(s, mv)
			if again != nil || perr2 == nil || perr2.Body().Code != perr.Code || perr2.Path != perr.Path {
				t.Fatalf("ParseMutation is not deterministic: %v, then %v", perr, perr2)
			}
			return
		}
		if m.Resource == nil || s.Resource(m.Resource.Name) != m.Resource || m.Resource.ValidateID(value.Str(m.ID)) != nil {
			t.Fatalf("accepted mutation with resource %v and id %q", m.Resource, m.ID)
		}
		var cur *schema.Row
		if sv, err := value.ParseString(stored); err == nil && sv.Kind() == value.Object {
			r := m.Resource.RowFromObject(sv.With("id", value.Str(m.ID)))
			cur = &r
		}
		before := fuzzRowJSON(m.Resource, cur)
		for _, push := range []bool{false, true} {
			out, aerr := Apply(m.Resource, cur, m, now, push)
			if fuzzRowJSON(m.Resource, cur) != before {
				t.Fatalf("Apply modified the stored row: %s, now %s", before, fuzzRowJSON(m.Resource, cur))
			}
			out2, aerr2 := Apply(m.Resource, cur, m, now, push)
			if outcomeJSON(m.Resource, out, aerr) != outcomeJSON(m.Resource, out2, aerr2) {
				t.Fatalf("Apply is not deterministic:\n%s\n%s", outcomeJSON(m.Resource, out, aerr), outcomeJSON(m.Resource, out2, aerr2))
			}
			if aerr != nil {
				checkRejection(t, aerr, map[protocol.Code]bool{protocol.CodeConflict: true, protocol.CodeNotFound: true})
				continue
			}
			if out.Row != nil && out.Row.ID != m.ID {
				t.Fatalf("row id %q, mutation id %q", out.Row.ID, m.ID)
			}
			switch out.ChangeOp {
			case "":
				if out.Row != cur {
					t.Fatal("no change, but not the stored row")
				}
			case OpDelete:
				if out.Row != nil {
					t.Fatal("a row left after a delete")
				}
			default:
				if out.Row == nil {
					t.Fatalf("no row after %q", out.ChangeOp)
				}
			}
			if out.ChangeOp != "" && out.ChangeOp != OpDelete && out.ChangeData.Kind() != value.Object {
				t.Fatalf("change %q without data", out.ChangeOp)
			}
		}
		r := Reapply(m.Resource, cur, m.Op, m.ID, m.Record, now)
		if r != nil && r.ID != m.ID {
			t.Fatalf("Reapply row id %q, mutation id %q", r.ID, m.ID)
		}
		if fuzzRowJSON(m.Resource, r) != fuzzRowJSON(m.Resource, Reapply(m.Resource, cur, m.Op, m.ID, m.Record, now)) {
			t.Fatal("Reapply is not deterministic")
		}
	})
}

// checkRejection requires an error with an allowed code, a message and a
// path.
func checkRejection(t *testing.T, e *protocol.Error, codes map[protocol.Code]bool) {
	t.Helper()
	if !codes[e.Code] || e.Message == "" || e.Path == "" {
		t.Fatalf("bad rejection: %#v", e)
	}
}

func fuzzRowJSON(res *schema.Resource, r *schema.Row) string {
	if r == nil {
		return "<nil>"
	}
	return string(res.AppendRowJSON(nil, r))
}

func outcomeJSON(res *schema.Resource, o Outcome, err *protocol.Error) string {
	if err != nil {
		return string(protocol.ErrorEnvelope(err))
	}
	return fuzzRowJSON(res, o.Row) + " " + o.ChangeOp + " " + o.ChangeData.String()
}
