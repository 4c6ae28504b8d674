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
	// raw, when set, is the result's JSON text, written as it is: endpoints
	// that build large results by hand (clone, query) skip encoding/json,
	// which would re-validate and compact every byte.
	raw []byte
	err *protocol.Error
}

// envelope is the wire form of every response body (§6.2).
type envelope struct {
	OK     bool                `json:"ok"`
	Error  *protocol.ErrorBody `json:"error,omitempty"`
	Result any                 `json:"result,omitempty"`
}

func okResponse(result any) response { return response{result: result} }

// rawResponse is a success whose result is already JSON text.
func rawResponse(result []byte) response { return response{raw: result} }

func errorResponse(err error) response { return response{err: protocol.As(err)} }

// partial is the partial-failure envelope: the first error plus the result.
func partial(status int, first *protocol.Error, result any) response {
	return response{status: status, err: first, result: result}
}

// write sends resp as an envelope. The cause of an INTERNAL error is logged
// and never sent.
func (s *Server) write(w http.ResponseWriter, resp response) {
	if resp.err == nil && resp.raw != nil {
		body := make([]byte, 0, len(resp.raw)+24)
		body = append(append(append(body, `{"ok":true,"result":`...), resp.raw...), '}')
		s.send(w, http.StatusOK, body)
		return
	}
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
	s.send(w, status, body)
}

// send writes a JSON body.
func (s *Server) send(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
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
