//go:build !js

package server_test

import (
	"context"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/server/postgres"
	"github.com/datafn/datafn-go/server/servertest"
)

const defaultPGURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// pgDatabase creates a database for this test run and returns its URL; it
// is dropped when the test ends. Without a reachable server the test skips.
func pgDatabase(t *testing.T) string {
	admin := os.Getenv("DATAFN_PG_URL")
	if admin == "" {
		admin = defaultPGURL
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Skipf("PostgreSQL unreachable at %s (set DATAFN_PG_URL): %v", admin, err)
	}
	defer conn.Close(ctx)
	name := "datafn_http_" + servertestSuffix()
	_, err = conn.Exec(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	t.Cleanup(func() {
		if c, err := pgx.Connect(ctx, admin); err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	u, err := url.Parse(admin)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

func TestHTTPSuitePostgres(t *testing.T) {
	dbURL := pgDatabase(t)
	servertest.RunHTTPSuite(t, func(t *testing.T) server.Store {
		st, err := postgres.Open(context.Background(), dbURL)
		require.NoError(t, err)
		return st
	})
}
