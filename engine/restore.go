package engine

import (
	"context"

	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// restoreChunk is the most ids one restore query asks for (§12.9).
const restoreChunk = 100

// restore fetches the server's version of every record in the restore set
// and writes it locally (§12.9). Each chunk is one lane unit; a failed fetch
// leaves its ids (and later ones) in the set and is returned.
func (s *syncer) restore(ctx context.Context) error {
	var set []RestoreKey
	if err := s.c.view(ctx, func(tx ReadTx) error {
		var err error
		set, err = tx.RestoreSet()
		return err
	}); err != nil || len(set) == 0 {
		return err
	}
	byRes := map[string][]string{}
	for _, k := range set {
		byRes[k.Resource] = append(byRes[k.Resource], k.ID)
	}
	for _, r := range sortedKeys(byRes) {
		ids := byRes[r]
		for len(ids) > 0 {
			n := min(len(ids), restoreChunk)
			if err := s.unit(ctx, nil, func() error { return s.restoreChunk(ctx, r, ids[:n]) }); err != nil {
				return err
			}
			ids = ids[n:]
		}
	}
	return nil
}

func (s *syncer) restoreChunk(ctx context.Context, resource string, ids []string) error {
	res := s.c.schema.Resource(resource)
	if res == nil || res.RemoteOnly {
		// The resource left the schema: its ids are dropped from the set.
		return s.c.update(ctx, func(tx *cacheTx) error { return removeRestores(tx, resource, ids) })
	}
	in := make([]value.Value, len(ids))
	for i, id := range ids {
		in[i] = value.Str(id)
	}
	q := obj(kv{"resource", value.Str(resource)}, kv{"version", value.Num(float64(res.Version))},
		kv{"filters", obj(kv{"id", obj(kv{"$in", value.Arr(in)})})}, kv{"limit", value.Num(restoreChunk)})
	rctx, cancel := s.c.reqCtx(ctx)
	result, err := s.c.transport.Query(rctx, q)
	cancel()
	if err != nil {
		return err
	}
	if !rowsFit(res, ids, result.Data) {
		return errShape()
	}
	return s.c.update(ctx, func(tx *cacheTx) error {
		got := map[string]bool{}
		touched := map[RestoreKey]bool{}
		for _, row := range result.Data {
			id := row.Get("id").Str()
			got[id] = true
			if err := tx.PutRow(resource, row); err != nil {
				return err
			}
		}
		for _, id := range ids {
			touched[RestoreKey{resource, id}] = true
			if !got[id] {
				if err := tx.DeleteRow(resource, id); err != nil {
					return err
				}
			}
		}
		if err := reapplyPending(tx, s.c.schema, touched); err != nil {
			return err
		}
		return removeRestores(tx, resource, ids)
	})
}

func removeRestores(tx WriteTx, resource string, ids []string) error {
	for _, id := range ids {
		if err := tx.RemoveRestore(RestoreKey{resource, id}); err != nil {
			return err
		}
	}
	return nil
}

// rowsFit reports whether the rows a restore query returned are rows of the
// requested ids whose schema fields have their types: a broken answer is
// refused (the ids stay in the restore set) rather than stored.
func rowsFit(res *schema.Resource, ids []string, rows []value.Value) bool {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	for _, row := range rows {
		id := row.Get("id")
		if row.Kind() != value.Object || id.Kind() != value.String || !want[id.Str()] {
			return false
		}
		for _, k := range row.Keys() {
			if f := res.Field(k); f != nil && !f.Holds(row.Get(k)) {
				return false
			}
		}
	}
	return true
}
