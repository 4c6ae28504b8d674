package server

import (
	"sort"
	"strconv"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// pullPlan is a validated pull request.
type pullPlan struct {
	// keys and raw are the request's cursor keys and values, in order.
	keys []string
	raw  []value.Value
	// pulled maps each pulled resource name to its cursor.
	pulled map[string]int64
	// order is the pulled resources in request order.
	order []*schema.Resource
	limit int
}

// pull is POST /datafn/pull (§7.7, §8.4).
func (s *Server) pull(r *request) response {
	if _, perr := objectWithClient(r.body); perr != nil {
		return errorResponse(perr)
	}
	plan, perr := s.pullPlan(r.body)
	if perr != nil {
		return errorResponse(perr)
	}
	var changes []Change
	err := s.cfg.Store.Read(r.ctx, r.ns, func(tx ReadTx) error {
		if len(plan.pulled) == 0 {
			return nil
		}
		var err error
		changes, err = tx.Changes(plan.pulled, plan.limit+1)
		return err
	})
	if err != nil {
		return errorResponse(protocol.Internal(err))
	}
	out, err := plan.result(changes)
	if err != nil {
		return errorResponse(protocol.Internal(err))
	}
	return rawResponse(plan.appendJSON(make([]byte, 0, out.size()+256), out))
}

// pullOut is a pull result whose rows are JSON text, so rows that were not
// folded go from the store to the response without being decoded.
type pullOut struct {
	records, merged map[string][][]byte
	deleted         map[string][]string
	cursors         map[string]string
	hasMore         bool
}

// size is the number of bytes the rows of out take, to size the response
// buffer once.
func (o *pullOut) size() int {
	n := 0
	for _, m := range []map[string][][]byte{o.records, o.merged} {
		for _, docs := range m {
			for _, d := range docs {
				n += len(d) + 1
			}
		}
	}
	return n
}

// appendJSON writes out in the shape of protocol.PullResult, by hand and
// with resources and cursors in request order.
func (p *pullPlan) appendJSON(buf []byte, out pullOut) []byte {
	buf = append(buf, `{"ok":true,"records":{`...)
	for i, rs := range p.order {
		buf = appendDocs(appendKey(buf, i, rs.Name), out.records[rs.Name])
	}
	buf = append(buf, `},"merged":{`...)
	for i, rs := range p.order {
		buf = appendDocs(appendKey(buf, i, rs.Name), out.merged[rs.Name])
	}
	buf = append(buf, `},"deleted":{`...)
	for i, rs := range p.order {
		buf = append(appendKey(buf, i, rs.Name), '[')
		for j, id := range out.deleted[rs.Name] {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = value.AppendString(buf, id)
		}
		buf = append(buf, ']')
	}
	buf = append(buf, `},"cursors":{`...)
	for i, k := range p.keys {
		buf = value.AppendString(appendKey(buf, i, k), out.cursors[k])
	}
	buf = append(buf, `},"hasMore":`...)
	return append(strconv.AppendBool(buf, out.hasMore), '}')
}

// appendDocs writes a JSON array of JSON documents.
func appendDocs(buf []byte, docs [][]byte) []byte {
	buf = append(buf, '[')
	for i, d := range docs {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, d...)
	}
	return append(buf, ']')
}

func (s *Server) pullPlan(body value.Value) (*pullPlan, *protocol.Error) {
	cur := body.Get("cursors")
	if cur.Kind() != value.Object {
		return nil, protocol.Invalid("cursors", "cursors must be object")
	}
	plan := &pullPlan{keys: cur.Keys(), raw: cur.Elems(), pulled: map[string]int64{}, limit: DefaultPullLimit}
	seqs := make([]int64, len(plan.keys))
	for i, k := range plan.keys {
		n, ok := protocol.CursorValue(plan.raw[i])
		if !ok {
			return nil, protocol.Invalid(joinKey("cursors", k), "cursor must be an integer string")
		}
		seqs[i] = n
	}
	for i, k := range plan.keys {
		rs := s.cfg.Schema.Resource(k)
		if rs == nil {
			continue
		}
		if rs.RemoteOnly {
			return nil, protocol.Invalid(joinKey("cursors", k), "remote-only table cannot be pulled: %s", k)
		}
		plan.pulled[k] = seqs[i]
		plan.order = append(plan.order, rs)
	}
	if lim := body.Get("limit"); !lim.IsAbsent() {
		if !positiveInt(lim) {
			return nil, protocol.Invalid("limit", "limit must be a positive integer")
		}
		plan.limit = MaxPullLimit
		if lim.Num() < MaxPullLimit {
			plan.limit = int(lim.Num())
		}
	}
	return plan, nil
}

// result applies §8.4 steps 2-5 to the changes read with limit L+1.
func (p *pullPlan) result(changes []Change) (pullOut, error) {
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].Seq < changes[j].Seq })
	out := pullOut{hasMore: len(changes) > p.limit, records: map[string][][]byte{},
		merged: map[string][][]byte{}, deleted: map[string][]string{}, cursors: map[string]string{}}
	if out.hasMore {
		changes = changes[:p.limit]
	}
	top := map[string]int64{}
	byRes := map[string][]Change{}
	for _, c := range changes {
		byRes[c.Resource] = append(byRes[c.Resource], c)
		top[c.Resource] = c.Seq
	}
	for _, rs := range p.order {
		recs, parts, dels, err := fold(byRes[rs.Name])
		if err != nil {
			return out, err
		}
		out.records[rs.Name], out.merged[rs.Name], out.deleted[rs.Name] = recs, parts, dels
	}
	for i, k := range p.keys {
		c, pulled := p.pulled[k]
		switch {
		case !pulled:
			out.cursors[k] = p.raw[i].Str()
		case top[k] > 0:
			out.cursors[k] = protocol.FormatCursor(top[k])
		default:
			out.cursors[k] = protocol.FormatCursor(c)
		}
	}
	return out, nil
}

// foldState is the folded outcome of one id's changes (§8.4 step 4). A
// full row that no merge touched stays as the stored JSON text (raw).
type foldState struct {
	kind byte // 'f' full, 'p' partial, 'd' deleted
	raw  []byte
	row  value.Value
}

// doc returns the state's row as JSON text.
func (st *foldState) doc() []byte {
	if st.raw != nil {
		return st.raw
	}
	return value.AppendJSON(nil, st.row)
}

// fold folds one resource's changes (in seq order) per id and returns the
// records, merged and deleted lists, each sorted by id. A stable sort by id
// keeps each id's changes in seq order, so every id's run folds in place.
func fold(changes []Change) (records, merged [][]byte, deleted []string, err error) {
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].ID < changes[j].ID })
	records, merged, deleted = [][]byte{}, [][]byte{}, []string{}
	for i := 0; i < len(changes); {
		st := foldState{kind: 'd'}
		id := changes[i].ID
		for ; i < len(changes) && changes[i].ID == id; i++ {
			if err := st.apply(changes[i]); err != nil {
				return nil, nil, nil, err
			}
		}
		switch st.kind {
		case 'f':
			records = append(records, st.doc())
		case 'p':
			merged = append(merged, st.doc())
		default:
			deleted = append(deleted, id)
		}
	}
	return records, merged, deleted, nil
}

// apply folds one change into the state (the table of §8.4 step 4).
func (st *foldState) apply(c Change) error {
	switch c.Op {
	case "merge":
		patch, err := c.Decode()
		if err != nil {
			return err
		}
		switch {
		case st.kind == 'd':
			st.kind, st.row = 'p', value.Obj([]string{"id"}, []value.Value{value.Str(c.ID)})
		case st.raw != nil:
			if st.row, err = value.Parse(st.raw); err != nil {
				return err
			}
		}
		st.raw = nil
		st.row = applyPatch(st.row, patch)
	case "delete":
		st.kind, st.raw, st.row = 'd', nil, value.Value{}
	default: // insert, replace
		st.kind, st.raw, st.row = 'f', c.Data, value.Value{}
	}
	return nil
}

// applyPatch replaces row's keys with the patch's (top level, §5.4); the id
// is never changed by a patch.
func applyPatch(row, patch value.Value) value.Value {
	vals := patch.Elems()
	for i, k := range patch.Keys() {
		if k != "id" {
			row = row.With(k, vals[i])
		}
	}
	return row
}
