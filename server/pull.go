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
	return rawResponse(plan.appendJSON(nil, plan.result(changes)))
}

// appendJSON writes out as protocol.PullResult does, by hand and with
// resources and cursors in request order.
func (p *pullPlan) appendJSON(buf []byte, out protocol.PullResult) []byte {
	buf = append(buf, `{"ok":true,"records":{`...)
	for i, rs := range p.order {
		buf = appendValues(appendKey(buf, i, rs.Name), out.Records[rs.Name])
	}
	buf = append(buf, `},"merged":{`...)
	for i, rs := range p.order {
		buf = appendValues(appendKey(buf, i, rs.Name), out.Merged[rs.Name])
	}
	buf = append(buf, `},"deleted":{`...)
	for i, rs := range p.order {
		buf = append(appendKey(buf, i, rs.Name), '[')
		for j, id := range out.Deleted[rs.Name] {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = value.AppendString(buf, id)
		}
		buf = append(buf, ']')
	}
	buf = append(buf, `},"cursors":{`...)
	for i, k := range p.keys {
		buf = value.AppendString(appendKey(buf, i, k), out.Cursors[k])
	}
	buf = append(buf, `},"hasMore":`...)
	return append(strconv.AppendBool(buf, out.HasMore), '}')
}

// appendValues writes a JSON array of values.
func appendValues(buf []byte, vals []value.Value) []byte {
	buf = append(buf, '[')
	for i, v := range vals {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = value.AppendJSON(buf, v)
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
func (p *pullPlan) result(changes []Change) protocol.PullResult {
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].Seq < changes[j].Seq })
	out := protocol.PullResult{OK: true, HasMore: len(changes) > p.limit,
		Records: map[string][]value.Value{}, Merged: map[string][]value.Value{},
		Deleted: map[string][]string{}, Cursors: map[string]string{}}
	if out.HasMore {
		changes = changes[:p.limit]
	}
	top := map[string]int64{}
	byRes := map[string][]Change{}
	for _, c := range changes {
		byRes[c.Resource] = append(byRes[c.Resource], c)
		top[c.Resource] = c.Seq
	}
	for _, rs := range p.order {
		out.Records[rs.Name], out.Merged[rs.Name], out.Deleted[rs.Name] = fold(byRes[rs.Name])
	}
	for i, k := range p.keys {
		c, pulled := p.pulled[k]
		switch {
		case !pulled:
			out.Cursors[k] = p.raw[i].Str()
		case top[k] > 0:
			out.Cursors[k] = protocol.FormatCursor(top[k])
		default:
			out.Cursors[k] = protocol.FormatCursor(c)
		}
	}
	return out
}

// foldState is the folded outcome of one id's changes (§8.4 step 4).
type foldState struct {
	kind byte // 'f' full, 'p' partial, 'd' deleted
	row  value.Value
}

// fold folds one resource's changes (in seq order) per id and returns the
// records, merged and deleted lists, each sorted by id.
func fold(changes []Change) (records, merged []value.Value, deleted []string) {
	states := map[string]*foldState{}
	for _, c := range changes {
		st := states[c.ID]
		if st == nil {
			st = &foldState{kind: 'd'}
			states[c.ID] = st
		}
		switch c.Op {
		case "merge":
			if st.kind == 'd' {
				st.kind, st.row = 'p', value.Obj([]string{"id"}, []value.Value{value.Str(c.ID)})
			}
			st.row = applyPatch(st.row, c.Data)
		case "delete":
			st.kind, st.row = 'd', value.Value{}
		default: // insert, replace
			st.kind, st.row = 'f', c.Data
		}
	}
	ids := make([]string, 0, len(states))
	for id := range states {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	recs, parts, dels := []value.Value{}, []value.Value{}, []string{}
	for _, id := range ids {
		st := states[id]
		switch st.kind {
		case 'f':
			recs = append(recs, st.row)
		case 'p':
			parts = append(parts, st.row)
		default:
			dels = append(dels, id)
		}
	}
	return recs, parts, dels
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
