package memstore

import (
	"slices"
	"sort"
)

// idSet is the sorted set of the row ids of one resource, so that RowIDs
// reads a range without scanning the table. It is a list of sorted chunks
// (a two-level B-tree): inserting or removing moves at most one chunk's
// entries and the chunk headers, whatever the order ids arrive in.
type idSet struct {
	chunks [][]string // each sorted and non-empty; chunk i's ids < chunk i+1's
}

// idChunkMax is the size at which a chunk splits in two.
const idChunkMax = 512

// chunkFor is the index of the chunk id belongs in: the last chunk whose
// first id is <= id (0 when there is none).
func (s *idSet) chunkFor(id string) int {
	i := sort.Search(len(s.chunks), func(i int) bool { return s.chunks[i][0] > id })
	return max(i-1, 0)
}

func (s *idSet) add(id string) {
	if len(s.chunks) == 0 {
		s.chunks = [][]string{{id}}
		return
	}
	ci := s.chunkFor(id)
	c := s.chunks[ci]
	j, found := slices.BinarySearch(c, id)
	if found {
		return
	}
	c = slices.Insert(c, j, id)
	if len(c) < idChunkMax {
		s.chunks[ci] = c
		return
	}
	half := len(c) / 2
	lo := c[:half:half]
	hi := append(make([]string, 0, idChunkMax), c[half:]...)
	s.chunks[ci] = lo
	s.chunks = slices.Insert(s.chunks, ci+1, hi)
}

func (s *idSet) remove(id string) {
	if len(s.chunks) == 0 {
		return
	}
	ci := s.chunkFor(id)
	c := s.chunks[ci]
	j, found := slices.BinarySearch(c, id)
	if !found {
		return
	}
	c = slices.Delete(c, j, j+1)
	if len(c) == 0 {
		s.chunks = slices.Delete(s.chunks, ci, ci+1)
		return
	}
	s.chunks[ci] = c
}

// rangeIDs returns the ids with after < id <= hi (nil: open), ascending.
func (s *idSet) rangeIDs(after, hi *string) []string {
	out := []string{}
	ci, j := 0, 0
	if after != nil && len(s.chunks) > 0 {
		ci = s.chunkFor(*after)
		j = sort.SearchStrings(s.chunks[ci], *after)
		if j < len(s.chunks[ci]) && s.chunks[ci][j] == *after {
			j++
		}
	}
	for ; ci < len(s.chunks); ci, j = ci+1, 0 {
		for _, id := range s.chunks[ci][j:] {
			if hi != nil && id > *hi {
				return out
			}
			out = append(out, id)
		}
	}
	return out
}
