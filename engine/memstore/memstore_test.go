package memstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/engine/memstore"
	"github.com/datafn/datafn-go/engine/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) engine.Storage { return memstore.New(storagetest.Resources) })
}

// keep stands in for a persistent backend: the named store outlives Close.
type keep struct{ *memstore.Store }

func (keep) Close() error { return nil }

func TestPersistenceSuiteOnAKeptStore(t *testing.T) {
	stores := map[string]*memstore.Store{}
	storagetest.RunPersistence(t, func(t *testing.T, name string) engine.Storage {
		if stores[name] == nil {
			stores[name] = memstore.New(storagetest.Resources)
		}
		return keep{stores[name]}
	})
}

func TestClosedStoreFails(t *testing.T) {
	s := memstore.New(storagetest.Resources)
	require.NoError(t, s.Close())
	err := s.View(context.Background(), func(engine.ReadTx) error { return nil })
	require.Error(t, err)
}
