package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/server/postgres"
	"github.com/datafn/datafn-go/server/storetest"
)

const defaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// testDB creates a fresh database for this test run and returns its URL;
// it is dropped when the test ends. The database gets a non-C default
// collation when the server has one, to prove that ordering never depends
// on it (ORD-1).
func testDB(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("DATAFN_PG_URL")
	if admin == "" {
		admin = defaultURL
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Skipf("PostgreSQL unreachable at %s: %v", admin, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	rand.Read(b[:])
	name := "datafn_test_" + hex.EncodeToString(b[:])
	created := false
	for _, opts := range []string{
		" TEMPLATE template0 LC_COLLATE 'en_US.UTF-8' LC_CTYPE 'en_US.UTF-8'",
		" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'",
		"",
	} {
		if _, err = conn.Exec(ctx, "CREATE DATABASE "+name+opts); err == nil {
			created = true
			t.Logf("database %s%s", name, opts)
			break
		}
	}
	require.True(t, created, "create database: %v", err)
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, admin)
		if err == nil {
			c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	u, err := url.Parse(admin)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

// reopenable is a store that can close and reconnect to its database.
type reopenable struct {
	server.Store
	url string
}

func (r *reopenable) Reopen(t *testing.T) server.Store {
	require.NoError(t, r.Store.Close())
	return opener(r.url)(t)
}

func opener(dbURL string) func(t *testing.T) server.Store {
	return func(t *testing.T) server.Store {
		st, err := postgres.Open(context.Background(), dbURL)
		require.NoError(t, err)
		return &reopenable{Store: st, url: dbURL}
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, opener(testDB(t)))
}
