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

// fixtureS is the fixture schema S of protocol.md Appendix A.
const fixtureS = `{
  "resources": [
    { "name": "task", "version": 1, "indices": ["status"], "fields": [
      { "name": "title",  "type": "string", "required": true, "maxLength": 80 },
      { "name": "status", "type": "string", "enum": ["active", "done"], "default": "active" },
      { "name": "prio",   "type": "number", "nullable": true, "min": 0, "max": 5 },
      { "name": "tags",   "type": "array" },
      { "name": "meta",   "type": "object" },
      { "name": "due",    "type": "date", "nullable": true },
      { "name": "code",   "type": "string", "minLength": 2, "pattern": "^[A-Z]+$" }
    ] },
    { "name": "note", "version": 1, "idPrefix": "n", "capabilities": ["timestamps"], "fields": [
      { "name": "body", "type": "string" }
    ] },
    { "name": "report", "version": 1, "isRemoteOnly": true, "fields": [
      { "name": "total", "type": "number" }
    ] }
  ]
}`

// cfgJSON builds a config document with schema S and the given other keys.
func cfgJSON(rest string) string {
	if rest == "" {
		return `{"schema":` + fixtureS + `}`
	}
	return `{"schema":` + fixtureS + `,` + rest + `}`
}
