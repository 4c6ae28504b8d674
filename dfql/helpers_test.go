package dfql

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/schema/schematest"
	"github.com/datafn/datafn-go/value"
)

// fixtureS is schema S of protocol.md Appendix A.
const fixtureS = schematest.S

// dataQ is data set Q of Appendix A, in insertion order.
var dataQ = []string{
	`{"title":"apple","prio":2,"tags":["home","urgent"],"meta":{"color":"red","size":3},"due":1700000000000}`,
	`{"title":"Banana","status":"done","prio":null,"tags":[],"meta":{"color":"blue"}}`,
	`{"title":"cherry","prio":1,"tags":["work"]}`,
	`{"title":"Äpfel","tags":["urgent"],"due":null}`,
	`{"title":"😀","status":"done","prio":5}`,
	`{"title":"Ａ","prio":2}`,
	`{"title":""}`,
}

func fixture(t testing.TB) *schema.Schema {
	t.Helper()
	s, err := schema.Parse([]byte(fixtureS))
	require.NoError(t, err)
	return s
}

// mustMutation parses a mutation JSON or fails the test.
func mustMutation(t testing.TB, s *schema.Schema, doc string) *Mutation {
	t.Helper()
	m, err := ParseMutation(s, value.MustParse(doc))
	require.Nil(t, err, "mutation %s", doc)
	return m
}

// store is a tiny in-memory table keyed by id, for applying mutations.
type store map[string]*schema.Row

// apply runs a mutation against the store with /mutation or /push semantics.
func (st store) apply(t testing.TB, s *schema.Schema, doc string, now int64, push bool) (Outcome, *protocol.Error) {
	t.Helper()
	m := mustMutation(t, s, doc)
	out, err := Apply(m.Resource, st[m.ID], m, now, push)
	if err == nil {
		if out.Row == nil {
			delete(st, m.ID)
		} else {
			st[m.ID] = out.Row
		}
	}
	return out, err
}

// rowsQ builds data set Q through Apply of the Q inserts.
func rowsQ(t testing.TB, s *schema.Schema) []*schema.Row {
	t.Helper()
	st := store{}
	var rows []*schema.Row
	for i, rec := range dataQ {
		doc := fmt.Sprintf(`{"resource":"task","version":1,"operation":"insert","id":"task:%d","record":%s,"clientId":"seed","mutationId":"q%d"}`, i+1, rec, i+1)
		out, err := st.apply(t, s, doc, 1, false)
		require.Nil(t, err)
		rows = append(rows, out.Row)
	}
	return rows
}

// run parses and evaluates a query, returning its JSON result or error.
func run(t testing.TB, s *schema.Schema, rows []*schema.Row, q string, opt Options) (string, *protocol.Error) {
	t.Helper()
	pq, err := ParseQuery(s, value.MustParse(q), opt)
	if err != nil {
		return "", err
	}
	return string(pq.AppendResultJSON(nil, pq.Eval(rows))), nil
}

// ids extracts the ids of a row result as "[1,2]" for task:1, task:2.
func ids(t testing.TB, result string) string {
	t.Helper()
	v := value.MustParse(result)
	var parts []string
	for _, r := range v.Get("data").Elems() {
		parts = append(parts, strings.TrimPrefix(r.Get("id").Str(), "task:"))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

var server = Options{MaxLimit: 100}

func mustValue(s string) value.Value { return value.MustParse(s) }
