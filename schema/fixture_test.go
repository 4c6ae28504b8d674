package schema

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/schema/schematest"
)

// fixtureS is schema S of protocol.md Appendix A.
const fixtureS = schematest.S

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
