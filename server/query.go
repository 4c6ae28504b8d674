package server

import (
	"strings"

	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// queryOptions are the server's validation options (§4.11: limit <= 100).
var queryOptions = dfql.Options{MaxLimit: protocol.MaxLimit}

// query is POST /datafn/query (§7.2): every query of a batch is validated
// before any runs, and all run in one read snapshot.
func (s *Server) query(r *request) response {
	var raw []value.Value
	switch r.body.Kind() {
	case value.Object:
		raw = []value.Value{r.body}
	case value.Array:
		if n := r.body.Len(); n > MaxBatchSize {
			return errorResponse(batchTooLarge("$", n))
		}
		raw = r.body.Elems()
	default:
		return errorResponse(protocol.Invalid("$", "expected object or array"))
	}
	batch := r.body.Kind() == value.Array
	qs := make([]*dfql.Query, len(raw))
	for i, v := range raw {
		var perr *protocol.Error
		if batch && v.Kind() != value.Object {
			perr = protocol.Invalid("$", "expected object or array")
		} else {
			qs[i], perr = dfql.ParseQuery(s.cfg.Schema, v, queryOptions)
		}
		if perr != nil {
			if batch {
				perr = prefixPath(perr, i)
			}
			return errorResponse(perr)
		}
	}
	out := make([][]byte, len(qs))
	err := s.cfg.Store.Read(r.ctx, r.ns, func(tx ReadTx) error {
		for i, q := range qs {
			res, err := tx.Query(q)
			if err != nil {
				return err
			}
			out[i] = q.AppendResultJSON(nil, res)
		}
		return nil
	})
	if err != nil {
		return errorResponse(protocol.Internal(err))
	}
	if !batch {
		return rawResponse(out[0])
	}
	buf := []byte{'['}
	for i, o := range out {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, o...)
	}
	return rawResponse(append(buf, ']'))
}

// queryIn validates and runs one query of a transact step in tx, so it sees
// the writes of earlier steps. A store failure is returned as err.
func (s *Server) queryIn(tx ReadTx, v value.Value) (value.Value, *protocol.Error, error) {
	q, perr := dfql.ParseQuery(s.cfg.Schema, v, queryOptions)
	if perr != nil {
		return value.Value{}, perr, nil
	}
	res, err := tx.Query(q)
	if err != nil {
		return value.Value{}, nil, err
	}
	out, err := value.Parse(q.AppendResultJSON(nil, res))
	return out, nil, err
}

// prefixPath puts a batch position in front of an error's path (§6.2).
func prefixPath(e *protocol.Error, i int) *protocol.Error {
	c := *e
	switch {
	case e.Path == "" || e.Path == "$":
		c.Path = joinIndex("", i)
	case strings.HasPrefix(e.Path, "["):
		c.Path = joinIndex("", i) + e.Path
	default:
		c.Path = joinIndex("", i) + "." + e.Path
	}
	return &c
}
