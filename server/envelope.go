package server

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/datafn/datafn-go/protocol"
)

// response is what an endpoint answers: a result, an error, or both (the
// partial-failure envelope of §6.2).
type response struct {
	// status overrides the status derived from err (200 without err).
	status int
	result any
	err    *protocol.Error
}

// envelope is the wire form of every response body (§6.2).
type envelope struct {
	OK     bool                `json:"ok"`
	Error  *protocol.ErrorBody `json:"error,omitempty"`
	Result any                 `json:"result,omitempty"`
}

func okResponse(result any) response { return response{result: result} }

func errorResponse(err error) response { return response{err: protocol.As(err)} }

// partial is the partial-failure envelope: the first error plus the result.
func partial(status int, first *protocol.Error, result any) response {
	return response{status: status, err: first, result: result}
}

// write sends resp as an envelope. The cause of an INTERNAL error is logged
// and never sent.
func (s *Server) write(w http.ResponseWriter, resp response) {
	env := envelope{OK: resp.err == nil, Result: resp.result}
	status := http.StatusOK
	if resp.err != nil {
		if resp.err.Code == protocol.CodeInternal {
			s.log.Error("datafn: internal error", "err", resp.err.Err)
			resp.err = protocol.Internal(nil)
		}
		b := resp.err.Body()
		env.Error = &b
		status = resp.err.HTTPStatus()
	}
	if resp.status != 0 {
		status = resp.status
	}
	body, err := marshal(env)
	if err != nil {
		s.log.Error("datafn: encode response", "err", err)
		b := protocol.Internal(nil).Body()
		body, _ = marshal(envelope{Error: &b})
		status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// marshal encodes v without HTML escaping, so strings reach clients as they
// were stored.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
