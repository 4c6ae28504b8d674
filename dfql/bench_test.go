package dfql

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// benchRows makes n task rows with all seven fields set, decoded the way the
// client loads a table (schema.DecodeRows), so memory layout is realistic.
func benchRows(tb testing.TB, res *schema.Resource, n int) []*schema.Row {
	var buf []byte
	buf = append(buf, '[')
	for i := 0; i < n; i++ {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = fmt.Appendf(buf, `{"id":"task:%07d","title":"title %07d","status":%q,"prio":%d,`+
			`"tags":["t%d"],"meta":{"color":"c%d"},"due":%d,"code":"AB"}`,
			i, (i*7919)%n, []string{"active", "done"}[i%2], i%6, i%13, i%7, 1700000000000+i)
	}
	buf = append(buf, ']')
	decoded, err := res.DecodeRows(buf)
	if err != nil {
		tb.Fatal(err)
	}
	rows := make([]*schema.Row, n)
	for i := range decoded {
		rows[i] = &decoded[i]
	}
	return rows
}

// BenchmarkQuery100k is the performance requirement: 100,000 rows, filter +
// sort + limit 50, unindexed, in at most 5 ms.
func BenchmarkQuery100k(b *testing.B) {
	s := fixture(b)
	rows := benchRows(b, s.Resource("task"), 100_000)
	q, err := ParseQuery(s, value.MustParse(
		`{"resource":"task","filters":{"status":"active","prio":{"$gte":2}},"sort":["-prio","title"],"limit":50}`), server)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := q.Eval(rows)
		if len(r.Rows) != 50 {
			b.Fatal(len(r.Rows))
		}
	}
}

// TestParallelScanMatchesReference runs queries over a table large enough
// for the parallel scan and compares them with the naive pipeline.
func TestParallelScanMatchesReference(t *testing.T) {
	s := fixture(t)
	rows := benchRows(t, s.Resource("task"), parallelMin+1000)
	for _, doc := range []string{
		`{"resource":"task","filters":{"status":"active","prio":{"$gte":2}},"sort":["-prio","title"],"limit":50,"count":true}`,
		`{"resource":"task","filters":{"prio":{"$in":[1,3]}},"sort":["title"],"offset":7,"limit":20}`,
		`{"resource":"task","sort":["due"],"limit":5,"cursor":{"before":{"due":1700000020000,"id":"task:0020000"}}}`,
		`{"resource":"task","sort":["-title"],"limit":3,"cursor":{"after":{"title":"title 0020000","id":"x"}}}`,
		`{"resource":"task","filters":{"$or":[{"meta.color":"c3"},{"tags":{"$contains":"t5"}}]},"count":true}`,
	} {
		q, err := ParseQuery(s, value.MustParse(doc), server)
		require.Nil(t, err, doc)
		got := q.Eval(rows)
		want, more, count := reference(q, rows)
		require.Equal(t, count, got.Count, doc)
		require.Equal(t, rowIDs(want), rowIDs(got.Rows), doc)
		require.Equal(t, more, !got.NextCursor.IsAbsent(), doc)
	}
}
