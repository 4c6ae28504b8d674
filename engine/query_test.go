package engine_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

func hydrating(tx engine.WriteTx) error { return tx.SetHydration("task", engine.Hydrating) }

func TestH4_HydratingWithoutPendingSendsQueryAsIs(t *testing.T) {
	e := newEnv(t, "")
	e.seed(hydrating)
	e.tr.query = func(value.Value) (protocol.QueryResult, error) { return protocol.RowResult(nil, value.NullValue), nil }
	e.query("task", `{"select":["id","title"],"filters":{"status":"active"}}`)
	require.JSONEq(t, `{"resource":"task","version":1,"select":["id","title"],"filters":{"status":"active"}}`, e.tr.ops("query")[0].body)
}

func TestH5_HydratingOverlay(t *testing.T) {
	e := newEnv(t, "")
	e.seed(hydrating)
	e.seed(func(tx engine.WriteTx) error {
		if err := tx.PutRow("task", value.MustParse(`{"id":"task:1","title":"local","status":"active"}`)); err != nil {
			return err
		}
		return tx.PutRow("task", value.MustParse(`{"id":"task:9","title":"aaa","status":"active"}`))
	})
	e.seed(entry(`{"resource":"task","operation":"merge","id":"task:1","record":{"title":"local"},"clientId":"c1","mutationId":"m1"}`, 1))
	e.seed(entry(`{"resource":"task","operation":"delete","id":"task:2","clientId":"c1","mutationId":"m2"}`, 1))
	e.seed(entry(`{"resource":"task","operation":"insert","id":"task:9","record":{"title":"aaa"},"clientId":"c1","mutationId":"m3"}`, 1))
	server := rows(`[{"id":"task:1","title":"server"},{"id":"task:2","title":"b"},{"id":"task:3","title":"c"}]`)
	e.tr.query = func(q value.Value) (protocol.QueryResult, error) {
		r := protocol.RowResult(server, value.MustParse(`{"title":"c","id":"task:3"}`))
		n := int64(3)
		r.Count = &n
		return r, nil
	}
	got := e.query("task", `{"select":["status"],"sort":["title"],"limit":2,"count":true}`)
	require.JSONEq(t, `{"resource":"task","version":1,"select":["status","id","title"],"sort":["title"],"limit":2,"count":true}`,
		e.tr.ops("query")[0].body, "sort fields and id are added to select")
	require.Equal(t, `{"data":[{"id":"task:9","status":"active"},{"id":"task:3"}],"nextCursor":{"title":"c","id":"task:3"},"count":3}`, got)

	got = e.query("task", `{"sort":["title"]}`)
	require.Equal(t, `{"data":[{"id":"task:9","title":"aaa","status":"active"},{"id":"task:3","title":"c"},`+
		`{"id":"task:1","title":"local","status":"active"}],"nextCursor":{"title":"c","id":"task:3"},"count":3}`, got)

	for _, q := range []string{`{"offset":1}`, `{"sort":["title"],"cursor":{"after":{"title":"a","id":"task:0"}}}`} {
		got = e.query("task", q)
		require.Equal(t, `{"data":[{"id":"task:1","title":"server"},{"id":"task:2","title":"b"},{"id":"task:3","title":"c"}],`+
			`"nextCursor":{"title":"c","id":"task:3"},"count":3}`, got, "returned unchanged")
	}
}

func TestH6_ReadyQueriesStayLocal(t *testing.T) {
	e := newEnv(t, "")
	e.seed(ready("0", "task"))
	e.seed(func(tx engine.WriteTx) error {
		return tx.PutRow("task", value.MustParse(`{"id":"task:1","title":"A","status":"active"}`))
	})
	require.Equal(t, `{"data":[{"id":"task:1","title":"A"}],"nextCursor":null}`, e.query("task", `{"select":["title"]}`))
	require.Empty(t, e.tr.ops())
}

func TestH7_NotStartedUnreachableRejects(t *testing.T) {
	e := newEnv(t, "")
	_, err := e.table("task").Query(bg, value.MustParse(`{}`))
	requireProto(t, err, protocol.CodeTransport, "Transport error: network request failed", "$")
}

func TestTR5_HandleOverridesResourceAndVersion(t *testing.T) {
	e := newEnv(t, "")
	e.tr.query = func(value.Value) (protocol.QueryResult, error) { return protocol.RowResult(nil, value.NullValue), nil }
	e.query("task", `{"resource":"x","version":9,"filters":{"status":"done"}}`)
	require.JSONEq(t, `{"resource":"task","version":1,"filters":{"status":"done"}}`, e.tr.ops("query")[0].body)
}

func TestEmptyInShortCircuit(t *testing.T) {
	e := newEnv(t, "")
	require.Equal(t, `{"data":[],"nextCursor":null,"count":0}`, e.query("task", `{"filters":{"status":{"$in":[]}},"count":true}`))
	require.Equal(t, `{"groups":[],"nextCursor":null}`,
		e.query("task", `{"filters":{"status":[]},"groupBy":["status"]}`))
	require.Empty(t, e.tr.ops())
}

func TestQueryValidationRejects(t *testing.T) {
	e := newEnv(t, "")
	_, err := e.table("task").Query(bg, value.MustParse(`{"select":["nope"]}`))
	requireProto(t, err, protocol.CodeUnknownField, "Unknown field: select[0]", "select[0]")
	require.Empty(t, e.tr.ops())
}

func TestRemoteOnlyWithoutRemote(t *testing.T) {
	e := localEnv(t)
	_, err := e.table("report").Query(bg, value.MustParse(`{}`))
	requireProto(t, err, protocol.CodeInvalid, "Remote-only resource requires a remote: report", "resource")
}

func TestP1c_LimitAboveMaxLimit(t *testing.T) {
	e := newEnv(t, "")
	var all []value.Value
	for i := 0; i < 600; i++ {
		all = append(all, value.MustParse(fmt.Sprintf(`{"id":"task:%04d","title":"t"}`, i)))
	}
	e.tr.query = func(q value.Value) (protocol.QueryResult, error) {
		start := 0
		if a := q.Get("cursor").Get("after"); !a.IsAbsent() {
			for all[start].Get("id").Str() <= a.Get("id").Str() {
				start++
			}
		}
		n := int(q.Get("limit").Num())
		page := all[start : start+n]
		return protocol.RowResult(page, value.MustParse(`{"id":"`+page[n-1].Get("id").Str()+`"}`)), nil
	}
	r, err := e.table("task").Query(bg, value.MustParse(`{"limit":500}`))
	require.NoError(t, err)
	require.Len(t, r.Data, 500)
	require.Equal(t, "task:0499", r.Data[499].Get("id").Str())
	calls := e.tr.ops("query")
	require.Len(t, calls, 5)
	require.JSONEq(t, `{"resource":"task","version":1,"limit":100}`, calls[0].body)
	require.JSONEq(t, `{"resource":"task","version":1,"limit":100,"cursor":{"after":{"id":"task:0099"}}}`, calls[1].body)

	// On a ready table the same query is answered locally, uncapped.
	e.seed(ready("0", "task"))
	e.seed(func(tx engine.WriteTx) error {
		for _, r := range all {
			if err := tx.PutRow("task", r); err != nil {
				return err
			}
		}
		return nil
	})
	r, err = e.table("task").Query(bg, value.MustParse(`{"limit":500}`))
	require.NoError(t, err)
	require.Len(t, r.Data, 500)
	require.Len(t, e.tr.ops("query"), 5)
}
