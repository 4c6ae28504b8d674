package schema

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fixtureS is schema S of protocol.md Appendix A.
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

// edit replaces the one occurrence of old in doc with new.
func edit(t *testing.T, doc, old, new string) string {
	t.Helper()
	require.Equal(t, 1, strings.Count(doc, old), "fixture edit %q", old)
	return strings.Replace(doc, old, new, 1)
}

func mustSchema(t *testing.T, doc string) *Schema {
	t.Helper()
	s, err := Parse([]byte(doc))
	require.NoError(t, err)
	return s
}

func fixture(t *testing.T) *Schema { return mustSchema(t, fixtureS) }
