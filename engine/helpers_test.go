package engine

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/protocol"
)

func requireErr(t *testing.T, err error, code protocol.Code, msg, path string) *protocol.Error {
	t.Helper()
	pe, ok := err.(*protocol.Error)
	require.True(t, ok, "want *protocol.Error, got %T %v", err, err)
	require.Equal(t, code, pe.Code)
	require.Equal(t, msg, pe.Message)
	require.Equal(t, path, pe.Path)
	return pe
}
