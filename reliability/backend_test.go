//go:build !js

package reliability

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"github.com/datafn/datafn-go/server/storetest"
)

// defaultPGURL is used when DATAFN_PG_URL is unset.
const defaultPGURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// changesQuery reads namespace datafn's change rows.
const changesQuery = `SELECT resource, record_id, op, COALESCE(CAST(data AS TEXT), '') FROM __datafn_changes WHERE namespace = 'datafn'`

// writeSchema writes the fixture schema into dir.
func writeSchema(t *testing.T, dir string) string {
	p := filepath.Join(dir, "schema.json")
	require.NoError(t, os.WriteFile(p, []byte(storetest.FixtureSchema), 0o644))
	return p
}

// startSQLite runs the server on a fresh SQLite file.
func startSQLite(t *testing.T) (*serverProc, changeCounter) {
	dir := t.TempDir()
	file := filepath.Join(dir, "datafn.db")
	srv := startServer(t, dir, nil, "--schema", writeSchema(t, dir), "--db", "sqlite:"+file)
	return srv, func(t *testing.T) map[string]int {
		return countChanges(t, "sqlite", "file:"+file+"?mode=ro")
	}
}

// startPostgres runs the server on a fresh PostgreSQL database, dropped at
// the end; it skips the test when no server is reachable.
func startPostgres(t *testing.T) (*serverProc, changeCounter) {
	base := os.Getenv("DATAFN_PG_URL")
	if base == "" {
		base = defaultPGURL
	}
	dsn := freshPGDatabase(t, base)
	dir := t.TempDir()
	srv := startServer(t, dir, nil, "--schema", writeSchema(t, dir), "--db", dsn)
	return srv, func(t *testing.T) map[string]int { return countChanges(t, "pgx", dsn) }
}

// freshPGDatabase creates a database on the server of base and returns its
// URL; it is dropped when the test ends.
func freshPGDatabase(t *testing.T, base string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Skipf("PostgreSQL not reachable at %s (set DATAFN_PG_URL): %v", base, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "datafn_rel_" + hex.EncodeToString(b[:])
	_, err = admin.Exec(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	t.Cleanup(func() {
		// Runs after the server process is gone (cleanups run last-in first-out).
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		require.NoError(t, err)
		_ = admin.Close(ctx)
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

// countChanges counts namespace datafn's change rows per marker.
func countChanges(t *testing.T, driver, dsn string) map[string]int {
	db, err := sql.Open(driver, dsn)
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query(changesQuery)
	require.NoError(t, err)
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var resource, id, op, data string
		require.NoError(t, rows.Scan(&resource, &id, &op, &data))
		counts[markerOf(resource, id, op, data)]++
	}
	require.NoError(t, rows.Err())
	return counts
}
