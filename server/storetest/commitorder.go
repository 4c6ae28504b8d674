package storetest

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/value"
)

const (
	orderWriters       = 8
	orderWritesEach    = 40
	orderWindow        = 5 // the windowed reader's pull limit
	orderResourceCount = 2
)

// feedReader follows the change feed like a pulling client (§8.4): per
// resource cursors, a window of at most limit changes (0: unlimited), and
// checks that every change arrives once and in increasing seq order.
type feedReader struct {
	limit   int
	cursors map[string]int64
	maxSeen int64
	seen    map[int64]bool
}

func newFeedReader(limit int) *feedReader {
	return &feedReader{limit: limit, cursors: map[string]int64{"task": 0, "note": 0}, seen: map[int64]bool{}}
}

// step reads one window; it returns how many changes arrived.
func (r *feedReader) step(e *env) (int, error) {
	var got []server.Change
	err := e.store.Read(e.ctx, e.ns, func(tx server.ReadTx) error {
		after := map[string]int64{}
		for k, v := range r.cursors {
			after[k] = v
		}
		lim := 0
		if r.limit > 0 {
			lim = r.limit + 1
		}
		ch, err := tx.Changes(after, lim)
		got = ch
		return err
	})
	if err != nil {
		return 0, err
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Seq < got[j].Seq })
	if r.limit > 0 && len(got) > r.limit {
		got = got[:r.limit]
	}
	for _, c := range got {
		if r.seen[c.Seq] {
			return 0, fmt.Errorf("seq %d received twice", c.Seq)
		}
		if c.Seq <= r.maxSeen {
			return 0, fmt.Errorf("seq %d arrived after seq %d: commit order violated", c.Seq, r.maxSeen)
		}
		r.seen[c.Seq] = true
		r.maxSeen = c.Seq
		r.cursors[c.Resource] = c.Seq
	}
	return len(got), nil
}

// writeBatch is one writer transaction: n row writes, each with a change.
func writeBatch(e *env, w, i int) ([]int64, error) {
	var out []int64
	err := e.store.Write(e.ctx, e.ns, func(tx server.WriteTx) error {
		n := 1 + (w+i)%3
		for k := 0; k < n; k++ {
			res := e.sc.Resources[(w+k)%orderResourceCount]
			id := fmt.Sprintf("%s:w%d-%d-%d", res.Prefix, w, i, k)
			row := value.MustParse(fmt.Sprintf(`{"id":%q,"n":%d}`, id, i))
			if err := tx.Put(res, id, row); err != nil {
				return err
			}
			s, err := tx.AppendChange(res.Name, id, "insert", row)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		return nil
	})
	return out, err
}

// testCommitOrder is the commit-order property of §8.2 (SEQ-1 at the store
// level): 8 concurrent writers while two readers follow the feed.
func testCommitOrder(t *testing.T, open func(t *testing.T) server.Store) {
	e := setup(t, open)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		written []int64
		errs    = make(chan error, orderWriters+2)
		done    atomic.Bool
	)
	for w := 0; w < orderWriters; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < orderWritesEach; i++ {
				s, err := writeBatch(e, w, i)
				if err != nil {
					errs <- err
					return
				}
				for k := 1; k < len(s); k++ {
					if s[k] != s[k-1]+1 {
						errs <- fmt.Errorf("seqs of one write not consecutive: %v", s)
						return
					}
				}
				mu.Lock()
				written = append(written, s...)
				mu.Unlock()
			}
		}(w)
	}
	readers := []*feedReader{newFeedReader(0), newFeedReader(orderWindow)}
	var rg sync.WaitGroup
	for _, r := range readers {
		rg.Add(1)
		go func(r *feedReader) {
			defer rg.Done()
			for {
				finished := done.Load()
				n, err := r.step(e)
				if err != nil {
					errs <- err
					return
				}
				if finished && n == 0 {
					return
				}
			}
		}(r)
	}
	wg.Wait()
	done.Store(true)
	rg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	sort.Slice(written, func(i, j int) bool { return written[i] < written[j] })
	for i, s := range written {
		require.EqualValues(t, i+1, s, "seqs are dense when nothing rolls back")
	}
	for _, r := range readers {
		require.Len(t, r.seen, len(written), "reader with limit %d saw every change", r.limit)
	}
}
