package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
)

// BasePath is where the protocol is mounted (§6.1).
const BasePath = "/datafn"

// Config is everything a Server needs.
type Config struct {
	// Schema is the validated schema; required.
	Schema *schema.Schema
	// Store is the opened and migrated store; required.
	Store Store
	// Auth chooses the namespace of a request; nil means mode none.
	Auth Authenticator
	// CORSOrigin is the --cors-origin value; "" disables CORS.
	CORSOrigin string
	// StaticDir is served at / when non-empty (--static).
	StaticDir string
	// Now is the server clock in epoch ms; nil means the wall clock. Tests pin
	// it to get exact timestamps (M-12).
	Now func() int64
	// Logger receives the causes of INTERNAL errors; nil means slog.Default().
	Logger *slog.Logger
	// BeforeApply, when set, runs inside each mutation's savepoint just before
	// it is applied; an error makes that mutation fail unexpectedly. Only tests
	// use it, to inject faults (PU-12).
	BeforeApply func(ns string, m *dfql.Mutation) error
}

// Server is the http.Handler of the DataFn protocol plus optional static
// files. It is safe for concurrent use.
type Server struct {
	cfg    Config
	log    *slog.Logger
	static http.Handler
	routes map[string]route

	mu       sync.Mutex
	draining bool
	inflight sync.WaitGroup
}

// route is one protocol endpoint.
type route struct {
	method string
	// public routes need no credential (/status).
	public bool
	handle func(s *Server, r *request) response
}

// New checks cfg and returns the handler.
func New(cfg Config) (*Server, error) {
	if cfg.Schema == nil {
		return nil, errors.New("server: config has no schema")
	}
	if cfg.Store == nil {
		return nil, errors.New("server: config has no store")
	}
	if cfg.Auth == nil {
		cfg.Auth = NoAuth{}
	}
	if cfg.Now == nil {
		cfg.Now = func() int64 { return time.Now().UnixMilli() }
	}
	s := &Server{cfg: cfg, log: cfg.Logger, routes: routes()}
	if s.log == nil {
		s.log = slog.Default()
	}
	if cfg.StaticDir != "" {
		h, err := newStatic(cfg.StaticDir)
		if err != nil {
			return nil, err
		}
		s.static = h
	}
	return s, nil
}

func routes() map[string]route {
	post := func(h func(*Server, *request) response) route {
		return route{method: http.MethodPost, handle: h}
	}
	return map[string]route{
		"status":    {method: http.MethodGet, public: true, handle: (*Server).status},
		"query":     post((*Server).query),
		"mutation":  post((*Server).mutation),
		"transact":  post((*Server).transact),
		"seed":      post((*Server).seed),
		"clone":     post((*Server).clone),
		"pull":      post((*Server).pull),
		"push":      post((*Server).push),
		"reconcile": post((*Server).reconcile),
	}
}

// Drain makes every later request answer 503 SERVICE_UNAVAILABLE and waits
// until the requests already running have finished or ctx is done (§8.10).
func (s *Server) Drain(ctx context.Context) error {
	s.mu.Lock()
	s.draining = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.inflight.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// enter registers a running request; false once draining.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return false
	}
	s.inflight.Add(1)
	return true
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	isProtocol := r.URL.Path == BasePath || strings.HasPrefix(r.URL.Path, BasePath+"/")
	if isProtocol {
		s.setCORS(w)
	}
	if !s.enter() {
		s.write(w, errorResponse(protocol.Errorf(protocol.CodeServiceUnavailable, "$", "Service unavailable")))
		return
	}
	defer s.inflight.Done()
	if !isProtocol {
		if s.static != nil {
			s.static.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
		return
	}
	s.serveProtocol(w, r)
}

// serveProtocol runs steps 2-8 of §6.4.
func (s *Server) serveProtocol(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, BasePath), "/")
	rt, ok := s.routes[name]
	if !ok {
		s.write(w, errorResponse(protocol.Errorf(protocol.CodeNotFound, "$", "Not found")))
		return
	}
	if r.Method == http.MethodOptions && s.cfg.CORSOrigin != "" {
		h := w.Header()
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != rt.method {
		allow := rt.method
		if s.cfg.CORSOrigin != "" {
			allow += ", OPTIONS"
		}
		w.Header().Set("Allow", allow)
		e := protocol.Invalid("$", "")
		e.Message, e.Status = "Method not allowed", http.StatusMethodNotAllowed
		s.write(w, errorResponse(e))
		return
	}
	req := &request{ctx: r.Context(), now: s.cfg.Now()}
	if !rt.public {
		ns, ok := s.cfg.Auth.Namespace(r.Header.Get("Authorization"), req.now)
		if !ok {
			w.Header().Set("WWW-Authenticate", "Bearer")
			s.write(w, errorResponse(protocol.Errorf(protocol.CodeForbidden, "$", "Forbidden")))
			return
		}
		req.ns = ns
	}
	if rt.method == http.MethodPost {
		body, perr := readBody(r)
		if perr != nil {
			s.write(w, errorResponse(perr))
			return
		}
		req.body = body
	}
	s.write(w, rt.handle(s, req))
}

func (s *Server) setCORS(w http.ResponseWriter) {
	if s.cfg.CORSOrigin == "" {
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", s.cfg.CORSOrigin)
	if s.cfg.CORSOrigin != "*" {
		w.Header().Add("Vary", "Origin")
	}
}
