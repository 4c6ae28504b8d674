package server

import (
	"strconv"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// clonePlan is a validated clone request.
type clonePlan struct {
	tables []*schema.Resource
	// page mode when paged; afterID nil means from the start.
	paged   bool
	afterID *string
	limit   int
}

// clone is POST /datafn/clone (§7.6): every table from one snapshot.
func (s *Server) clone(r *request) response {
	if _, perr := objectWithClient(r.body); perr != nil {
		return errorResponse(perr)
	}
	plan, perr := s.clonePlan(r.body)
	if perr != nil {
		return errorResponse(perr)
	}
	var out protocol.CloneResult
	err := s.cfg.Store.Read(r.ctx, r.ns, func(tx ReadTx) error {
		var err error
		out, err = plan.run(tx)
		return err
	})
	if err != nil {
		return errorResponse(protocol.Internal(err))
	}
	return okResponse(out)
}

func (s *Server) clonePlan(body value.Value) (*clonePlan, *protocol.Error) {
	if page := body.Get("page"); !page.IsAbsent() {
		return s.clonePage(page)
	}
	tables := body.Get("tables")
	if tables.IsAbsent() {
		return &clonePlan{tables: s.syncedResources()}, nil
	}
	if tables.Kind() != value.Array {
		return nil, protocol.Invalid("tables", "tables must be array")
	}
	plan := &clonePlan{}
	seen := map[string]bool{}
	for i, t := range tables.Elems() {
		rs, perr := s.cloneTable(t, joinIndex("tables", i))
		if perr != nil {
			return nil, perr
		}
		if !seen[rs.Name] {
			seen[rs.Name] = true
			plan.tables = append(plan.tables, rs)
		}
	}
	return plan, nil
}

func (s *Server) clonePage(page value.Value) (*clonePlan, *protocol.Error) {
	if page.Kind() != value.Object {
		return nil, protocol.Invalid("page", "page must be object")
	}
	rs, perr := s.cloneTable(page.Get("table"), "page.table")
	if perr != nil {
		return nil, perr
	}
	plan := &clonePlan{tables: []*schema.Resource{rs}, paged: true}
	switch a := page.Get("afterId"); a.Kind() {
	case value.String:
		id := a.Str()
		plan.afterID = &id
	case value.Null, value.Absent:
	default:
		return nil, protocol.Invalid("page.afterId", "page.afterId must be string or null")
	}
	lim := page.Get("limit")
	if !positiveInt(lim) {
		return nil, protocol.Invalid("page.limit", "page.limit must be a positive integer")
	}
	if lim.Num() > MaxClonePageSize {
		return nil, protocol.LimitExceeded("page.limit", "page.limit>"+strconv.Itoa(MaxClonePageSize))
	}
	plan.limit = int(lim.Num())
	return plan, nil
}

// cloneTable resolves a table name that may be cloned or pulled.
func (s *Server) cloneTable(v value.Value, path string) (*schema.Resource, *protocol.Error) {
	rs := s.cfg.Schema.Resource(v.Str())
	if v.Kind() != value.String || rs == nil {
		return nil, protocol.UnknownResource(path, nameText(v))
	}
	if rs.RemoteOnly {
		return nil, protocol.Invalid(path, "remote-only table cannot be cloned: %s", rs.Name)
	}
	return rs, nil
}

// run reads every table in the snapshot tx. A table is read one row past
// its limit to learn whether more rows remain.
func (p *clonePlan) run(tx ReadTx) (protocol.CloneResult, error) {
	seq, err := tx.CurrentSeq()
	if err != nil {
		return protocol.CloneResult{}, err
	}
	limit := MaxCloneRecords
	if p.paged {
		limit = p.limit
	}
	out := protocol.CloneResult{OK: true, Data: map[string][]value.Value{}, Cursors: map[string]string{}}
	next := map[string]*string{}
	more := false
	for _, rs := range p.tables {
		rows, err := tx.Scan(rs, p.afterID, limit+1)
		if err != nil {
			return protocol.CloneResult{}, err
		}
		next[rs.Name] = nil
		if len(rows) > limit {
			rows = rows[:limit]
			last := rows[limit-1].Get("id").Str()
			next[rs.Name] = &last
			more = true
		}
		out.Data[rs.Name] = rows
		out.Cursors[rs.Name] = protocol.FormatCursor(seq)
	}
	if more || p.paged {
		out.Next, out.Paginated = next, true
	}
	return out, nil
}

// positiveInt reports whether v is an integer number >= 1.
func positiveInt(v value.Value) bool { return v.IsInteger() && v.Num() >= 1 }
