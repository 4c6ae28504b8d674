package engine

import "sync"

// doubts are the mutations that a request may have applied on the server
// without the client learning of it: the request failed after it was sent
// (lost response, timeout, an unreadable or proxy error answer). Such a
// mutation may have been applied before changes that a later pull brought,
// while the client re-applied it on top of them (§12.5). When the server
// finally acknowledges it (as a deduplicated replay, §8.5), the local row
// can therefore differ from the server's, and no later pull would repair
// it: the server's change lies below the client's cursor. So acknowledged
// doubtful entries join the restore set, which fetches the server's rows
// (§12.9). Doubts live in memory: a reload between the failed request and
// the acknowledgement loses them.
//
// Doubts also keep push compaction stable (§12.8.2 step 6): a write left
// out as covered by a later delete stays covered by it while the delete is
// pending. Otherwise a later cycle, seeing the row exist again (a newer
// local insert), would send the write after the server had already applied
// its delete in an attempt whose answer was lost: the server would then
// apply the client's writes out of changelog order and resurrect the row.
type doubts struct {
	mu     sync.Mutex
	ids    map[string]bool   // mutationIds
	covers map[string]string // mutationId of a left-out write → its delete's
}

// markCovered remembers the covered writes of a batch about to be sent.
func (d *doubts) markCovered(b *pushBatch) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, c := range b.coveredBy {
		if c >= 0 {
			if d.covers == nil {
				d.covers = map[string]string{}
			}
			d.covers[b.muts[i].mutationID] = b.muts[c].mutationID
		}
	}
}

// coveredBy is the mutationId of the delete that covered mutationID when
// it was last left out of a request.
func (d *doubts) coveredBy(mutationID string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	del, ok := d.covers[mutationID]
	return del, ok
}

// mark records mutationIds whose request failed after it was sent.
func (d *doubts) mark(ids ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ids == nil {
		d.ids = map[string]bool{}
	}
	for _, id := range ids {
		d.ids[id] = true
	}
}

// take reports whether mutationID was in doubt and forgets it.
func (d *doubts) take(mutationID string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	ok := d.ids[mutationID]
	delete(d.ids, mutationID)
	delete(d.covers, mutationID)
	return ok
}
