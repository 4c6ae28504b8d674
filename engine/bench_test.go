package engine_test

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// seedTaskRows makes task ready and writes n resident rows.
func seedTaskRows(e *env, n int) {
	e.seed(ready("0", "task"))
	e.seed(func(tx engine.WriteTx) error {
		for i := 0; i < n; i++ {
			st := []string{"active", "done"}[i%2]
			row := fmt.Sprintf(`{"id":"task:%06d","title":"t%d","status":"%s","prio":%d}`, i, i%97, st, i%5)
			if err := tx.PutRow("task", value.MustParse(row)); err != nil {
				return err
			}
		}
		return nil
	})
}

// benchLocalQuery measures a filtered, sorted, limited query (50 rows) over
// n resident rows of a ready table.
func benchLocalQuery(b *testing.B, n int) {
	e := newEnv(b, "")
	seedTaskRows(e, n)
	tb := e.table("task")
	q := value.MustParse(`{"filters":{"status":"active","prio":{"$gte":2}},"sort":["title:desc"],"limit":50}`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := tb.Query(bg, q)
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Data) != 50 {
			b.Fatalf("%d rows", len(r.Data))
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}

// BenchmarkLocalQuery measures the query over 10,000 resident rows.
func BenchmarkLocalQuery(b *testing.B) { benchLocalQuery(b, 10000) }

// BenchmarkLocalQuery100k measures the query over 100,000 resident rows.
func BenchmarkLocalQuery100k(b *testing.B) { benchLocalQuery(b, 100000) }

// BenchmarkMutateLocal measures local-path mutations through memstore:
// from the call until the changelog entry and the row are stored (§12.4
// step 2). The engine is stopped, so no push runs alongside.
func BenchmarkMutateLocal(b *testing.B) {
	e := newEnv(b, `"offlinability":true`)
	e.seed(ready("0", "task"))
	tb := e.table("task")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := value.MustParse(`{"operation":"insert","id":"task:` + strconv.Itoa(i) + `","record":{"title":"t","prio":3}}`)
		r, err := tb.Mutate(bg, m)
		if err != nil || !r.OK {
			b.Fatal(err, r)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "mutations/s")
}

// BenchmarkPullApply1000 measures applying pull windows of 1,000 rows into
// memstore: a fake transport hands out one prepared window with a rising
// cursor, so only the engine is measured (request, window application,
// re-apply check, cursors, events).
func BenchmarkPullApply1000(b *testing.B) {
	const window = 1000
	e := newEnv(b, "")
	seedTaskRows(e, window)
	recs := make([]value.Value, window)
	for i := range recs {
		recs[i] = value.MustParse(fmt.Sprintf(`{"id":"task:%06d","title":"pulled %d","status":"done","prio":%d}`, i, i, i%5))
	}
	var cursor atomic.Int64
	e.tr.pull = func(protocol.PullRequest) (protocol.PullResult, error) {
		c := strconv.FormatInt(cursor.Add(window), 10)
		return protocol.PullResult{OK: true, Records: map[string][]value.Value{"task": recs},
			Cursors: map[string]string{"task": c}}, nil
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := e.c.Sync().PullNow(bg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*window)/b.Elapsed().Seconds(), "rows/s")
}
