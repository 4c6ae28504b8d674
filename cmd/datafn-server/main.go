//go:build !js

// Command datafn-server is the DataFn sync server (contracts.md §2):
//
//	datafn-server --schema PATH [--db DSN] [--addr HOST:PORT] [--static DIR] [--auth MODE] [--cors-origin ORIGIN]
//
// It validates the schema, opens and migrates the database, prints
// "datafn-server listening on http://HOST:PORT" once it accepts connections,
// and on SIGINT/SIGTERM answers new requests with 503, lets running ones
// finish (at most 30 s), closes the database and exits 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/server/postgres"
	"github.com/datafn/datafn-go/server/sqlite"
)

// drainTimeout bounds how long running requests may take after a signal.
const drainTimeout = 30 * time.Second

// options are the parsed command line flags.
type options struct {
	schema, db, addr, static, auth, cors string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// run is the whole program; ctx is cancelled by SIGINT/SIGTERM. It returns
// the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	opt, err := parseFlags(args, stderr)
	if err != nil {
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	if err := serve(ctx, opt, stdout, logger, getenv); err != nil {
		fmt.Fprintln(stderr, "datafn-server:", err)
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("datafn-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.schema, "schema", "", "DataFn schema JSON file (required)")
	fs.StringVar(&o.db, "db", "sqlite:data/datafn.db", "sqlite:PATH or a postgres:// / postgresql:// URL")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address HOST:PORT")
	fs.StringVar(&o.static, "static", "", "directory served at /")
	fs.StringVar(&o.auth, "auth", "none", "none, tokens:FILE or jwt-hs256:ENVVAR")
	fs.StringVar(&o.cors, "cors-origin", "", "Access-Control-Allow-Origin for protocol routes")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "datafn-server: unexpected argument %q\n", fs.Arg(0))
		return o, errors.New("arguments")
	}
	if o.schema == "" {
		fmt.Fprintln(stderr, "datafn-server: --schema is required")
		fs.Usage()
		return o, errors.New("no schema")
	}
	return o, nil
}

// serve runs the server until ctx is cancelled, then shuts down cleanly.
func serve(ctx context.Context, o options, stdout io.Writer, logger *slog.Logger, getenv func(string) string) error {
	data, err := os.ReadFile(o.schema)
	if err != nil {
		return err
	}
	sc, err := schema.Parse(data)
	if err != nil {
		return err
	}
	auth, err := server.ParseAuth(o.auth, getenv)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, o.db)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx, sc); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	h, err := server.New(server.Config{Schema: sc, Store: st, Auth: auth, CORSOrigin: o.cors,
		StaticDir: o.static, Logger: logger})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(framingListener{ln}) }()
	fmt.Fprintf(stdout, "datafn-server listening on http://%s\n", listenAddr(o.addr, ln.Addr()))
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	return shutdown(h, hs, logger)
}

// shutdown answers new requests with 503 while running ones finish, then
// closes the listener and connections. The store is closed by the caller.
func shutdown(h *server.Server, hs *http.Server, logger *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	if err := h.Drain(ctx); err != nil {
		logger.Warn("datafn-server: requests still running after 30 s", "err", err)
	}
	// Only 503 answers can be in flight now; give them a moment.
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
	}
	return nil
}

// openStore opens the database named by --db.
func openStore(ctx context.Context, dsn string) (server.Store, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		return sqlite.Open(strings.TrimPrefix(dsn, "sqlite:"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return postgres.Open(ctx, dsn)
	}
	return nil, fmt.Errorf("--db %q: want sqlite:PATH or a postgres:// URL", dsn)
}

// listenAddr is HOST:PORT for the banner: the host as given (the listener's
// when none was given) and the real port (useful with port 0).
func listenAddr(addr string, actual net.Addr) string {
	host, _, err := net.SplitHostPort(addr)
	_, port, perr := net.SplitHostPort(actual.String())
	if err != nil || perr != nil || host == "" {
		return actual.String()
	}
	return net.JoinHostPort(host, port)
}
