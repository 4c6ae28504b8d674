package schema

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

const benchRows = 100_000

// rowsJSON is a JSON array of n task rows of schema S with all 7 fields,
// each about 340 bytes, dominated by a random 200-character title.
func rowsJSON(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "
	title := make([]byte, 200)
	tags := []string{`[]`, `["home"]`, `["home","urgent"]`, `["work"]`}
	colors := []string{"red", "blue", "green"}
	buf := []byte{'['}
	for i := range n {
		for j := range title {
			title[j] = letters[rng.IntN(len(letters))]
		}
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = fmt.Appendf(buf, `{"id":"task:%08d","title":"%s","status":"%s","prio":%d,"tags":%s,"meta":{"color":"%s"},"due":%d,"code":"%c%c"}`,
			i, title, []string{"active", "done"}[rng.IntN(2)], rng.IntN(6), tags[rng.IntN(len(tags))],
			colors[rng.IntN(len(colors))], 1700000000000+rng.Int64N(1e10), 'A'+rng.IntN(26), 'A'+rng.IntN(26))
	}
	return append(buf, ']')
}

func BenchmarkDecodeRows(b *testing.B) {
	task := benchTask(b)
	data := rowsJSON(benchRows)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rows, err := task.DecodeRows(data)
		if err != nil || len(rows) != benchRows {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendRowJSON(b *testing.B) {
	task := benchTask(b)
	data := rowsJSON(benchRows)
	rows, err := task.DecodeRows(data)
	require.NoError(b, err)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = buf[:0]
		for i := range rows {
			buf = task.AppendRowJSON(buf, &rows[i])
		}
	}
}

// BenchmarkRowsResident reports the live heap held by 100,000 decoded rows
// per row, against their JSON size.
func BenchmarkRowsResident(b *testing.B) {
	task := benchTask(b)
	data := rowsJSON(benchRows)
	var perRow float64
	for b.Loop() {
		perRow = residentPerRow(b, task, data, benchRows)
	}
	jsonPerRow := float64(len(data)) / benchRows
	b.ReportMetric(perRow, "bytes/row")
	b.ReportMetric(jsonPerRow, "json-bytes/row")
	b.ReportMetric(perRow/jsonPerRow, "ratio")
}

// TestRowsResidentMemory holds the memory target: resident rows take at most
// 2.5 times their JSON size.
func TestRowsResidentMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("measures 20,000 rows")
	}
	const n = 20_000
	task := fixture(t).Resource("task")
	data := rowsJSON(n)
	perRow := residentPerRow(t, task, data, n)
	ratio := perRow / (float64(len(data)) / n)
	t.Logf("%.0f resident bytes/row, %.0f JSON bytes/row, ratio %.2f", perRow, float64(len(data))/n, ratio)
	require.LessOrEqual(t, ratio, 2.5)
}

func residentPerRow(tb testing.TB, r *Resource, data []byte, n int) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rows, err := r.DecodeRows(data)
	require.NoError(tb, err)
	runtime.GC()
	runtime.ReadMemStats(&after)
	require.Len(tb, rows, n)
	// data must stay live too, or the second GC frees it and hides the
	// rows' cost.
	runtime.KeepAlive(rows)
	runtime.KeepAlive(data)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

func benchTask(b *testing.B) *Resource {
	s, err := Parse([]byte(fixtureS))
	require.NoError(b, err)
	return s.Resource("task")
}
