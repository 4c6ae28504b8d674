// Package storetest is the conformance suite every server.Store runs:
// storetest.Run(t, open) checks each method of the contract, the
// commit-order property of serverSeq (protocol.md §8.2) and, through
// RunQueries, the DFQL translation against dfql's in-memory evaluation.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/schema/schematest"
	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/value"
)

// Reopener is implemented by stores handed to Run that can close and open
// their database again (the same file or database), to prove durability.
// Tests that need it are skipped for stores without it.
type Reopener interface {
	// Reopen closes the store and opens the same database again.
	Reopen(t *testing.T) server.Store
}

// FixtureSchema is schema S of protocol.md Appendix A.
const FixtureSchema = schematest.S

// Fixture parses FixtureSchema.
func Fixture(t testing.TB) *schema.Schema {
	t.Helper()
	s, err := schema.Parse([]byte(FixtureSchema))
	require.NoError(t, err)
	return s
}

// env is one test's store, schema and namespace.
type env struct {
	t     *testing.T
	store server.Store
	sc    *schema.Schema
	ns    string
	ctx   context.Context
}

// setup opens a store, migrates the fixture schema and picks a namespace
// no other test uses, so backends may share one database between tests.
func setup(t *testing.T, open func(t *testing.T) server.Store) *env {
	t.Helper()
	st := open(t)
	e := &env{t: t, store: st, sc: Fixture(t), ns: Namespace(t), ctx: context.Background()}
	t.Cleanup(func() { e.store.Close() })
	require.NoError(t, st.Migrate(e.ctx, e.sc))
	return e
}

// Namespace is a namespace name unique to this test run.
func Namespace(t testing.TB) string {
	var b [4]byte
	rand.Read(b[:])
	return strings.ReplaceAll(t.Name(), "/", "_") + "_" + hex.EncodeToString(b[:])
}

func (e *env) res(name string) *schema.Resource {
	r := e.sc.Resource(name)
	require.NotNil(e.t, r, name)
	return r
}

func (e *env) write(fn func(server.WriteTx) error) error {
	return e.store.Write(e.ctx, e.ns, fn)
}

func (e *env) read(fn func(server.ReadTx) error) {
	e.t.Helper()
	require.NoError(e.t, e.store.Read(e.ctx, e.ns, fn))
}

// put writes rows in one transaction, each with an insert change.
func (e *env) put(resource string, rows ...string) {
	e.t.Helper()
	res := e.res(resource)
	require.NoError(e.t, e.write(func(tx server.WriteTx) error {
		for _, r := range rows {
			v := value.MustParse(r)
			if err := tx.Put(res, v.Get("id").Str(), v); err != nil {
				return err
			}
			if _, err := tx.AppendChange(res.Name, v.Get("id").Str(), "insert", v); err != nil {
				return err
			}
		}
		return nil
	}))
}

// ids lists the "id" of each row.
func ids(rows []value.Value) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.Get("id").Str())
	}
	return out
}

// Canonical renders v with object keys sorted at every level: the form in
// which rows must round-trip (PostgreSQL's jsonb does not keep key order,
// and key order carries no meaning, §4.4). Null and absent stay distinct.
func Canonical(v value.Value) string {
	return string(value.AppendJSON(nil, sortKeys(v)))
}

func sortKeys(v value.Value) value.Value {
	switch v.Kind() {
	case value.Array:
		el := make([]value.Value, v.Len())
		for i, x := range v.Elems() {
			el[i] = sortKeys(x)
		}
		return value.Arr(el)
	case value.Object:
		keys := append([]string(nil), v.Keys()...)
		sort.Strings(keys)
		vals := make([]value.Value, len(keys))
		for i, k := range keys {
			vals[i] = sortKeys(v.Get(k))
		}
		return value.Obj(keys, vals)
	}
	return v
}

// Run runs the conformance suite; open must return a working store on an
// empty or shared database (tests use their own namespaces).
func Run(t *testing.T, open func(t *testing.T) server.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open func(t *testing.T) server.Store)
	}{
		{"PutGetRoundTrip", testPutGet},
		{"DeleteAndMissing", testDelete},
		{"ORD2_ScanCodePointOrder", testScanOrder},
		{"ScanPaging", testScanPaging},
		{"ScanRaw", testScanRaw},
		{"Count", testCount},
		{"SeqAllocation", testSeq},
		{"NamespaceIsolation", testIsolation},
		{"SavepointRollback", testSavepoint},
		{"WriteErrorRollsBack", testWriteError},
		{"Changes", testChanges},
		{"Idempotency", testIdempotency},
		{"MarkSeeded", testSeeded},
		{"MigrateTwiceKeepsData", testMigrate},
		{"Ping", testPing},
		{"SEQ1_CommitOrder", testCommitOrder},
		{"A4_Queries", testA4},
		{"QueryDifferential", testDifferential},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

func parseSchema(doc string) (*schema.Schema, error) { return schema.Parse([]byte(doc)) }
