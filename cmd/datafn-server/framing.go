package main

import (
	"bytes"
	"net"
	"net/http"
	"strconv"

	"github.com/datafn/datafn-go/protocol"
)

// net/http answers a request it cannot parse (bad version, unsupported
// Transfer-Encoding, oversized headers, bad Content-Length, no Host) itself,
// before the DataFn handler runs, with a plain-text response in one write to
// the connection and then closes it. framingListener turns exactly those
// answers into DataFn error envelopes with a 4xx status (5xx statuses such as
// 505 and 501 become 400), so that malformed input always gets a 4xx
// envelope or a closed connection.
type framingListener struct{ net.Listener }

func (l framingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return framingConn{c}, nil
}

type framingConn struct{ net.Conn }

// The first header net/http writes in its own error answers (server.go,
// errorHeaders); responses of the handler never start this way.
const netHTTPErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

func (c framingConn) Write(p []byte) (int, error) {
	if env, ok := framingEnvelope(p); ok {
		if _, err := c.Conn.Write(env); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// framingEnvelope rewrites one of net/http's own error answers; ok is false
// for anything else.
func framingEnvelope(p []byte) ([]byte, bool) {
	const prefix = "HTTP/1.1 "
	if len(p) > 4096 || !bytes.HasPrefix(p, []byte(prefix)) || len(p) < len(prefix)+3 {
		return nil, false
	}
	line, rest, found := bytes.Cut(p, []byte("\r\n"))
	if !found || !bytes.HasPrefix(append([]byte("\r\n"), rest...), []byte(netHTTPErrorHeaders)) {
		return nil, false
	}
	code, err := strconv.Atoi(string(line[len(prefix) : len(prefix)+3]))
	if err != nil || code < 400 {
		return nil, false
	}
	reason := string(rest[len(netHTTPErrorHeaders)-2:])
	if len(reason) > 200 {
		reason = reason[:200]
	}
	if code >= 500 {
		code = http.StatusBadRequest
	}
	body := protocol.ErrorEnvelope(&protocol.Error{Code: protocol.CodeInvalid,
		Message: "Invalid HTTP request: " + reason, Path: "$"})
	var b bytes.Buffer
	b.WriteString(prefix + strconv.Itoa(code) + " " + http.StatusText(code) + "\r\n")
	b.WriteString("Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n")
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	b.Write(body)
	return b.Bytes(), true
}
