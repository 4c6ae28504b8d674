package dfql

import (
	"runtime"
	"slices"
	"sync"

	"github.com/datafn/datafn-go/schema"
)

// parallelMin is the table size from which a row query scans in parallel.
// A scan is bound by memory latency, so two cores nearly halve it; below
// this size the goroutines cost more than they save.
const parallelMin = 32 << 10

// maxScanners caps the goroutines of one scan.
const maxScanners = 4

// scan filters rows, counts the matches and keeps, in order, the matches
// inside the cursor window: all of them, or the first k when k > 0.
func (q *Query) scan(rows []*schema.Row, ord rowOrder, k int) (int, []*schema.Row) {
	n := min(runtime.GOMAXPROCS(0), maxScanners)
	if n < 2 || len(rows) < parallelMin {
		sel := newSelector(ord, k)
		count := q.scanPart(rows, sel)
		return count, sel.sorted()
	}
	sels := make([]*selector, n)
	counts := make([]int, n)
	var wg sync.WaitGroup
	size := (len(rows) + n - 1) / n
	for i := range sels {
		part := rows[min(i*size, len(rows)):min((i+1)*size, len(rows))]
		sels[i] = newSelector(ord, k)
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[i] = q.scanPart(part, sels[i])
		}()
	}
	wg.Wait()
	// The first k of the whole are among the first k of every part.
	var all []*schema.Row
	count := 0
	for i, sel := range sels {
		count += counts[i]
		all = append(all, sel.rows...)
	}
	slices.SortFunc(all, ord.cmp)
	if k > 0 && len(all) > k {
		all = all[:k]
	}
	return count, all
}

// scanPart feeds the matching rows of one part into sel and counts matches.
func (q *Query) scanPart(rows []*schema.Row, sel *selector) int {
	m := compileFilter(q.Filter)
	count := 0
	for _, r := range rows {
		if !m.match(r) {
			continue
		}
		count++
		if q.Cursor != nil {
			c := q.cmpPos(r, q.Cursor.Values)
			if (q.Cursor.After && c <= 0) || (!q.Cursor.After && c >= 0) {
				continue
			}
		}
		sel.add(r)
	}
	return count
}
