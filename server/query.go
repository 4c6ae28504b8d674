package server

import (
	"encoding/json"
	"strings"

	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// Querier is the optional capability of a ReadTx that runs a validated DFQL
// query in the database (filter, order and limit in SQL). A ReadTx without
// it is served by scanning the resource and evaluating the query with dfql.
type Querier interface {
	Query(q *dfql.Query) (*dfql.Result, error)
}

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
	out := make([]json.RawMessage, len(qs))
	err := s.cfg.Store.Read(r.ctx, r.ns, func(tx ReadTx) error {
		for i, q := range qs {
			res, err := runQuery(tx, q)
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
		return okResponse(out[0])
	}
	return okResponse(out)
}

// queryIn validates and runs one query of a transact step in tx, so it sees
// the writes of earlier steps. A store failure is returned as err.
func (s *Server) queryIn(tx ReadTx, v value.Value) (value.Value, *protocol.Error, error) {
	q, perr := dfql.ParseQuery(s.cfg.Schema, v, queryOptions)
	if perr != nil {
		return value.Value{}, perr, nil
	}
	res, err := runQuery(tx, q)
	if err != nil {
		return value.Value{}, nil, err
	}
	out, err := value.Parse(q.AppendResultJSON(nil, res))
	return out, nil, err
}

// runQuery executes q in tx, in the database when the store can.
func runQuery(tx ReadTx, q *dfql.Query) (*dfql.Result, error) {
	if qt, ok := tx.(Querier); ok {
		return qt.Query(q)
	}
	objs, err := tx.Scan(q.Resource, nil, 0)
	if err != nil {
		return nil, err
	}
	rows := make([]*schema.Row, len(objs))
	for i, o := range objs {
		row := q.Resource.RowFromObject(o)
		rows[i] = &row
	}
	return q.Eval(rows), nil
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
