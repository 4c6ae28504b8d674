package postgres

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"

	"github.com/datafn/datafn-go/schema"
)

// internalDDL creates the internal tables of §8.1, the rows table and
// datafn_fold, the case folding of §3.6.
func internalDDL() []string {
	return []string{
		`CREATE TABLE IF NOT EXISTS __datafn_meta (
			namespace text COLLATE "C" NOT NULL PRIMARY KEY,
			seq bigint NOT NULL
		)`,
		`CREATE TABLE IF NOT EXISTS __datafn_changes (
			namespace text COLLATE "C" NOT NULL,
			resource text COLLATE "C" NOT NULL,
			server_seq bigint NOT NULL,
			record_id text COLLATE "C" NOT NULL,
			op text NOT NULL,
			data jsonb,
			created_at bigint NOT NULL,
			PRIMARY KEY (namespace, resource, server_seq)
		)`,
		`CREATE TABLE IF NOT EXISTS __datafn_idempotency (
			namespace text COLLATE "C" NOT NULL,
			client_id text COLLATE "C" NOT NULL,
			mutation_id text COLLATE "C" NOT NULL,
			result text NOT NULL,
			created_at bigint NOT NULL,
			PRIMARY KEY (namespace, client_id, mutation_id)
		)`,
		`CREATE TABLE IF NOT EXISTS __datafn_seed (
			namespace text COLLATE "C" NOT NULL PRIMARY KEY,
			client_id text COLLATE "C" NOT NULL,
			created_at bigint NOT NULL
		)`,
		`CREATE TABLE IF NOT EXISTS datafn_rows (
			namespace text COLLATE "C" NOT NULL,
			resource text COLLATE "C" NOT NULL,
			id text COLLATE "C" NOT NULL,
			data jsonb NOT NULL,
			PRIMARY KEY (namespace, resource, id)
		)`,
		foldDDL(),
	}
}

// foldDDL defines datafn_fold(text) as one translate() over every code
// point that unicode.ToLower changes: exactly Go's simple lowercase mapping
// on any PostgreSQL version and locale (pg_c_utf8 needs PostgreSQL 17).
func foldDDL() string {
	var from, to strings.Builder
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if l := unicode.ToLower(r); l != r && !(r >= 0xD800 && r <= 0xDFFF) {
			from.WriteRune(r)
			to.WriteRune(l)
		}
	}
	return `CREATE OR REPLACE FUNCTION datafn_fold(text) RETURNS text
		LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
		AS $$ SELECT translate($1, ` + quote(from.String()) + `, ` + quote(to.String()) + `) $$`
}

// quote is a standard SQL string literal (standard_conforming_strings).
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// indexDDL is the partial expression index of one indices.base field, on
// the expression the query translation uses for the field's type: text
// COLLATE "C" for strings, the jsonb value otherwise.
func indexDDL(res *schema.Resource, field string) string {
	expr := "(data -> " + quote(field) + ")"
	if fieldType(res, field) == schema.TypeString {
		expr = "((data ->> " + quote(field) + ") COLLATE \"C\")"
	}
	return "CREATE INDEX IF NOT EXISTS " + indexName(res.Name, field) +
		" ON datafn_rows (namespace, " + expr + ", id) WHERE resource = " + quote(res.Name)
}

func fieldType(res *schema.Resource, name string) schema.Type {
	for _, f := range res.Fields {
		if f.Name == name {
			return f.Type
		}
	}
	return ""
}

// indexName hashes the names: unique, short (PostgreSQL truncates
// identifiers at 63 bytes) and independent of case.
func indexName(resource, field string) string {
	h := sha256.Sum256([]byte(resource + "\x00" + field))
	return "datafn_ix_" + hex.EncodeToString(h[:8])
}
