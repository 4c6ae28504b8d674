//go:build !js

package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/server/sqlite"
	"github.com/datafn/datafn-go/server/storetest"
)

// reopenable is a store on a known file that can be closed and reopened.
type reopenable struct {
	server.Store
	path string
}

func (r *reopenable) Reopen(t *testing.T) server.Store {
	require.NoError(t, r.Store.Close())
	st, err := sqlite.Open(r.path)
	require.NoError(t, err)
	return &reopenable{Store: st, path: r.path}
}

func openTemp(t *testing.T) server.Store {
	// A directory that does not exist yet: Open creates it.
	path := filepath.Join(t.TempDir(), "sub", "dir", "datafn.db")
	st, err := sqlite.Open(path)
	require.NoError(t, err)
	return &reopenable{Store: st, path: path}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, openTemp)
}
