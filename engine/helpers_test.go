package engine

import (
	"testing"

	"github.com/datafn/datafn-go/schema/schematest"
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

// fixtureS is the fixture schema S of protocol.md Appendix A.
const fixtureS = schematest.S

// cfgJSON builds a config document with schema S and the given other keys.
func cfgJSON(rest string) string {
	if rest == "" {
		return `{"schema":` + fixtureS + `}`
	}
	return `{"schema":` + fixtureS + `,` + rest + `}`
}
