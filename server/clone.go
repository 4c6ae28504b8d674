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
	var out []byte
	err := s.cfg.Store.Read(r.ctx, r.ns, func(tx ReadTx) error {
		var err error
		out, err = plan.run(tx)
		return err
	})
	if err != nil {
		return errorResponse(protocol.Internal(err))
	}
	return rawResponse(out)
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

// run reads every table in the snapshot tx and writes the result JSON
// (protocol.CloneResult) by hand: rows go to the wire as stored.
func (p *clonePlan) run(tx ReadTx) ([]byte, error) {
	seq, err := tx.CurrentSeq()
	if err != nil {
		return nil, err
	}
	limit := MaxCloneRecords
	if p.paged {
		limit = p.limit
	}
	next := make([]*string, len(p.tables))
	more := false
	buf := []byte(`{"ok":true,"data":{`)
	for i, rs := range p.tables {
		buf = append(appendKey(buf, i, rs.Name), '[')
		if buf, next[i], err = appendRows(buf, tx, rs, p.afterID, limit); err != nil {
			return nil, err
		}
		buf = append(buf, ']')
		more = more || next[i] != nil
	}
	buf = append(buf, `},"cursors":{`...)
	for i, rs := range p.tables {
		buf = value.AppendString(appendKey(buf, i, rs.Name), protocol.FormatCursor(seq))
	}
	if !more && !p.paged {
		return append(buf, "}}"...), nil
	}
	buf = append(buf, `},"next":{`...)
	for i, rs := range p.tables {
		buf = appendKey(buf, i, rs.Name)
		if next[i] == nil {
			buf = append(buf, "null"...)
		} else {
			buf = value.AppendString(buf, *next[i])
		}
	}
	return append(buf, `},"paginated":true}`...), nil
}

// appendKey writes `"name":`, after a comma unless it is the first key.
func appendKey(buf []byte, i int, name string) []byte {
	if i > 0 {
		buf = append(buf, ',')
	}
	return append(value.AppendString(buf, name), ':')
}

// rawScanner is the optional store capability of reading rows as their
// stored JSON text, which clone copies to the wire without decoding.
type rawScanner interface {
	ScanRaw(res *schema.Resource, afterID *string, limit int, fn func(id string, row []byte) error) error
}

// appendRows writes up to limit rows after afterID, comma separated. It
// reads one row more to learn whether more remain; then it returns the id of
// the last row written, else nil.
func appendRows(buf []byte, tx ReadTx, rs *schema.Resource, afterID *string, limit int) ([]byte, *string, error) {
	n, last, more := 0, "", false
	emit := func(id string, row []byte) error {
		if n == limit {
			more = true
			return nil
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		buf, last = append(buf, row...), id
		n++
		return nil
	}
	if raw, ok := tx.(rawScanner); ok {
		if err := raw.ScanRaw(rs, afterID, limit+1, emit); err != nil {
			return nil, nil, err
		}
	} else {
		rows, err := tx.Scan(rs, afterID, limit+1)
		if err != nil {
			return nil, nil, err
		}
		var tmp []byte
		for _, r := range rows {
			tmp = value.AppendJSON(tmp[:0], r)
			_ = emit(r.Get("id").Str(), tmp)
		}
	}
	if !more {
		return buf, nil, nil
	}
	return buf, &last, nil
}

// positiveInt reports whether v is an integer number >= 1.
func positiveInt(v value.Value) bool { return v.IsInteger() && v.Num() >= 1 }
