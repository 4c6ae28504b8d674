package dfql

import (
	"slices"

	"github.com/datafn/datafn-go/schema"
)

// selector collects the rows of a result in order. With k > 0 it keeps only
// the k first rows in a bounded max-heap, so a page of a large table costs
// one comparison per row instead of a full sort.
type selector struct {
	ord  rowOrder
	k    int
	rows []*schema.Row
}

func newSelector(ord rowOrder, k int) *selector {
	s := &selector{ord: ord, k: k}
	if k > 0 && k <= 4096 {
		s.rows = make([]*schema.Row, 0, k)
	}
	return s
}

func (s *selector) add(r *schema.Row) {
	if s.k <= 0 || len(s.rows) < s.k {
		s.rows = append(s.rows, r)
		if s.k > 0 && len(s.rows) == s.k {
			s.heapify()
		}
		return
	}
	// rows[0] is the last of the k kept rows; r replaces it when earlier.
	if s.ord.cmp(r, s.rows[0]) < 0 {
		s.rows[0] = r
		s.down(0)
	}
}

func (s *selector) heapify() {
	for i := len(s.rows)/2 - 1; i >= 0; i-- {
		s.down(i)
	}
}

// down restores the max-heap property below i.
func (s *selector) down(i int) {
	h, n := s.rows, len(s.rows)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && s.ord.cmp(h[r], h[l]) > 0 {
			m = r
		}
		if s.ord.cmp(h[m], h[i]) <= 0 {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// sorted returns the kept rows in order.
func (s *selector) sorted() []*schema.Row {
	slices.SortFunc(s.rows, s.ord.cmp)
	return s.rows
}
