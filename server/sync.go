package server

import (
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// Local names for the limits of §8.9 (protocol holds the values).
const (
	MaxPayloadBytes  = protocol.MaxPayloadBytes
	MaxTransactSteps = protocol.MaxTransactSteps
	MaxPullLimit     = protocol.MaxPullLimit
	DefaultPullLimit = protocol.DefaultPullLimit
	MaxBatchSize     = protocol.MaxBatchSize
	MaxCloneRecords  = protocol.MaxCloneRecords
	MaxClonePageSize = protocol.MaxClonePageSize
	maxIDLen         = protocol.MaxIDLength
)

// status is GET /datafn/status (§7.1).
func (s *Server) status(r *request) response {
	if err := s.cfg.Store.Ping(r.ctx); err != nil {
		return errorResponse(protocol.Internal(err))
	}
	return okResponse(protocol.StatusResult{
		SchemaHash:   s.cfg.Schema.Hash,
		Capabilities: protocol.ServerCapabilities(),
		Limits:       protocol.ServerLimits(),
		ServerTimeMs: r.now,
	})
}

// seed is POST /datafn/seed (§7.5): the first call records the marker.
func (s *Server) seed(r *request) response {
	clientID, perr := objectWithClient(r.body)
	if perr != nil {
		return errorResponse(perr)
	}
	err := s.cfg.Store.Write(r.ctx, r.ns, func(tx WriteTx) error {
		_, err := tx.MarkSeeded(clientID)
		return err
	})
	if err != nil {
		return errorResponse(protocol.Internal(err))
	}
	return okResponse(protocol.SeedResult{OK: true})
}

// reconcile is POST /datafn/reconcile (§7.9).
func (s *Server) reconcile(r *request) response {
	if _, perr := objectWithClient(r.body); perr != nil {
		return errorResponse(perr)
	}
	res, perr := s.reconcileResources(r.body.Get("resources"))
	if perr != nil {
		return errorResponse(perr)
	}
	out := protocol.ReconcileResult{OK: true, Counts: map[string]int64{}, JoinCounts: map[string]int64{}}
	err := s.cfg.Store.Read(r.ctx, r.ns, func(tx ReadTx) error {
		for _, rs := range res {
			n, err := tx.Count(rs)
			if err != nil {
				return err
			}
			out.Counts[rs.Name] = n
		}
		seq, err := tx.CurrentSeq()
		out.LatestCursor = protocol.FormatCursor(seq)
		return err
	})
	if err != nil {
		return errorResponse(protocol.Internal(err))
	}
	return okResponse(out)
}

// reconcileResources validates `resources` (default: every synced resource).
func (s *Server) reconcileResources(v value.Value) ([]*schema.Resource, *protocol.Error) {
	if v.IsAbsent() {
		return s.syncedResources(), nil
	}
	if v.Kind() != value.Array {
		return nil, protocol.Invalid("resources", "resources must be array")
	}
	var out []*schema.Resource
	seen := map[string]bool{}
	for i, e := range v.Elems() {
		rs := s.cfg.Schema.Resource(e.Str())
		if e.Kind() != value.String || rs == nil {
			return nil, protocol.UnknownResource(joinIndex("resources", i), nameText(e))
		}
		if !seen[rs.Name] {
			seen[rs.Name] = true
			out = append(out, rs)
		}
	}
	return out, nil
}

// syncedResources are the resources that are not remote-only, in schema order.
func (s *Server) syncedResources() []*schema.Resource {
	var out []*schema.Resource
	for _, rs := range s.cfg.Schema.Resources {
		if !rs.RemoteOnly {
			out = append(out, rs)
		}
	}
	return out
}

// objectWithClient applies the common checks of §7: an object body with a
// non-empty string clientId.
func objectWithClient(body value.Value) (string, *protocol.Error) {
	if body.Kind() != value.Object {
		return "", protocol.Invalid("$", "expected object")
	}
	c := body.Get("clientId")
	if c.Kind() != value.String || c.Str() == "" {
		return "", protocol.Invalid("clientId", "clientId must be string")
	}
	return c.Str(), nil
}

// nameText prints a value that should have been a name inside a message:
// strings as they are, anything else in its JSON form.
func nameText(v value.Value) string {
	if v.Kind() == value.String {
		return v.Str()
	}
	return v.String()
}
