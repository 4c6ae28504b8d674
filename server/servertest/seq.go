package servertest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/value"
)

// seqItems are A.10.
func seqItems() []item {
	return []item{{"SEQ-1", testSEQ1}, {"SEQ-2", testSEQ2}, {"SEQ-3", testSEQ3}}
}

// rawPost is a POST usable from any goroutine: no test assertions.
func (h *harness) rawPost(op, body string) (value.Value, error) {
	res, err := http.Post(h.url+"/datafn/"+op, "application/json", strings.NewReader(body))
	if err != nil {
		return value.Value{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return value.Value{}, err
	}
	if res.StatusCode != http.StatusOK {
		return value.Value{}, fmt.Errorf("%s: status %d: %s", op, res.StatusCode, data)
	}
	return value.Parse(data)
}

// puller is the reader of SEQ-1: it applies pull windows to a local copy.
type puller struct {
	rows   map[string]value.Value
	cursor int64
}

// step pulls once and applies the window; it reports hasMore.
func (p *puller) step(h *harness) (bool, error) {
	v, err := h.rawPost("pull", `{"clientId":"reader","limit":50,"cursors":{"task":"`+strconv.FormatInt(p.cursor, 10)+`"}}`)
	if err != nil {
		return false, err
	}
	res := v.Get("result")
	for _, r := range res.Get("records").Get("task").Elems() {
		p.rows[r.Get("id").Str()] = r
	}
	for _, patch := range res.Get("merged").Get("task").Elems() {
		id := patch.Get("id").Str()
		row, ok := p.rows[id]
		if !ok {
			return false, fmt.Errorf("merge of %s that the reader never received", id)
		}
		for i, k := range patch.Keys() {
			row = row.With(k, patch.Elems()[i])
		}
		p.rows[id] = row
	}
	for _, id := range res.Get("deleted").Get("task").Elems() {
		delete(p.rows, id.Str())
	}
	next, err := strconv.ParseInt(res.Get("cursors").Get("task").Str(), 10, 64)
	if err != nil || next < p.cursor {
		return false, fmt.Errorf("cursor went from %d to %q", p.cursor, res.Get("cursors").Get("task").Str())
	}
	p.cursor = next
	return res.Get("hasMore").Bool(), nil
}

// seqWriter pushes 200 single-mutation requests: inserts of new rows and
// merges of rows it inserted before, so a skipped change shows up either as
// a merge of an unknown row or as a stale value.
func seqWriter(h *harness, w int) error {
	for i := 0; i < 200; i++ {
		m := mut("task", "insert", fmt.Sprintf("task:w%d-%03d", w, i), `{"title":"v0"}`, "c1", fmt.Sprintf("w%d-%d", w, i))
		if i%3 == 2 {
			m = mut("task", "merge", fmt.Sprintf("task:w%d-%03d", w, i-2), fmt.Sprintf(`{"title":"v%d"}`, i), "c1", fmt.Sprintf("w%d-%d", w, i))
		}
		v, err := h.rawPost("push", pushBody(m))
		if err != nil {
			return err
		}
		r := v.Get("result")
		before, _ := strconv.ParseInt(r.Get("cursorBefore").Str(), 10, 64)
		after, _ := strconv.ParseInt(r.Get("cursor").Str(), 10, 64)
		if after != before+1 {
			return fmt.Errorf("push wrote seqs %d..%d, want one", before, after)
		}
	}
	return nil
}

func testSEQ1(t *testing.T, open Opener) {
	h := newHarness(t, open)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- seqWriter(h, w)
		}()
	}
	p := &puller{rows: map[string]value.Value{}}
	stop, readerErr := make(chan struct{}), make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				readerErr <- nil
				return
			default:
			}
			if _, err := p.step(h); err != nil {
				readerErr <- err
				return
			}
		}
	}()
	wg.Wait()
	close(stop)
	require.NoError(t, <-readerErr)
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for more := true; more; {
		var err error
		more, err = p.step(h)
		require.NoError(t, err)
	}
	clone := h.post("clone", `{"clientId":"c1","tables":["task"]}`).ok()
	rows := clone.Get("data").Get("task").Elems()
	require.Len(t, rows, 8*134)
	require.Len(t, p.rows, len(rows))
	for _, r := range rows {
		jsonEq(t, r.String(), p.rows[r.Get("id").Str()])
	}
	require.Equal(t, clone.Get("cursors").Get("task").Str(), strconv.FormatInt(p.cursor, 10))
}

func testSEQ2(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.insert("task:1", `{"title":"A"}`)
	bodies := []string{
		pushBody(mut("task", "insert", "task:2", `{"title":"B"}`, "c1", "s1"),
			mut("task", "merge", "task:1", `{"title":"A2"}`, "c1", "s2"),
			mut("task", "delete", "task:404", "", "c1", "s3"),
			mut("task", "insert", "task:1", `{"title":"A2"}`, "c1", "s4"),
			mut("task", "insert", "task:1", `{"title":"X"}`, "c1", "s5"),
			mut("task", "delete", "task:2", "", "c1", "s6"),
			mut("note", "insert", "n:1", `{"body":"b"}`, "c1", "s7")),
		pushBody(mut("task", "insert", "task:2", `{"title":"B"}`, "c1", "s1")),
		pushBody(mut("task", "replace", "task:9", `{"title":"R"}`, "c1", "s8")),
	}
	for _, b := range bodies {
		r := h.post("push", b)
		before, _ := strconv.ParseInt(r.at("result", "cursorBefore").Str(), 10, 64)
		after, _ := strconv.ParseInt(r.at("result", "cursor").Str(), 10, 64)
		n := h.changesAfter(before)
		require.Equal(t, int(after-before), n, r.body)
		require.Equal(t, after, h.currentSeq())
	}
}

// changesAfter counts the change rows with seq greater than seq.
func (h *harness) changesAfter(seq int64) int {
	h.t.Helper()
	var n int
	require.NoError(h.t, h.store.Read(context.Background(), h.ns, func(tx server.ReadTx) error {
		ch, err := tx.Changes(map[string]int64{"task": seq, "note": seq}, 1<<30)
		n = len(ch)
		return err
	}))
	return n
}

func testSEQ3(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.insert("task:1", `{"title":"A"}`)
	for _, m := range []string{
		mut("task", "delete", "task:404", "", "c1", "x1"),
		mut("task", "insert", "task:1", `{"title":"A"}`, "seed", "ins-task:1"),
		mut("task", "insert", "task:1", `{"title":"B"}`, "c1", "x2"),
		withGuard(mut("task", "merge", "task:1", `{"title":"B"}`, "c1", "x3"), `{"status":"done"}`),
		mut("task", "merge", "task:2", `{"status":"done"}`, "c1", "x4"),
	} {
		h.post("mutation", m)
		h.post("push", pushBody(strings.Replace(m, `"clientId":"seed"`, `"clientId":"c1"`, 1)))
		require.Equal(t, int64(1), h.currentSeq(), m)
	}
}
