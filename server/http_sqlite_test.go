//go:build !js

package server_test

import (
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/server/servertest"
	"github.com/datafn/datafn-go/server/sqlite"
)

// openSQLite opens a fresh SQLite store in the test's temporary directory.
func openSQLite(t *testing.T) server.Store {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "datafn.db"))
	require.NoError(t, err)
	return st
}

func TestHTTPSuiteSQLite(t *testing.T) {
	servertest.RunHTTPSuite(t, openSQLite)
}

// servertestSuffix is a random suffix for database names.
func servertestSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
