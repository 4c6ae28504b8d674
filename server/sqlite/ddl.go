//go:build !js

package sqlite

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// internalDDL creates the internal tables of §8.1 and the rows table. Every
// primary key starts with the namespace, so namespaces never share a b-tree
// range. Changes are keyed by (namespace, resource, server_seq): a pull reads
// one contiguous range per resource.
var internalDDL = []string{
	`CREATE TABLE IF NOT EXISTS __datafn_meta (
		namespace TEXT NOT NULL PRIMARY KEY,
		seq INTEGER NOT NULL
	) WITHOUT ROWID`,
	`CREATE TABLE IF NOT EXISTS __datafn_changes (
		namespace TEXT NOT NULL,
		resource TEXT NOT NULL,
		server_seq INTEGER NOT NULL,
		record_id TEXT NOT NULL,
		op TEXT NOT NULL,
		data TEXT,
		created_at INTEGER NOT NULL,
		PRIMARY KEY (namespace, resource, server_seq)
	) WITHOUT ROWID`,
	`CREATE TABLE IF NOT EXISTS __datafn_idempotency (
		namespace TEXT NOT NULL,
		client_id TEXT NOT NULL,
		mutation_id TEXT NOT NULL,
		result TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		PRIMARY KEY (namespace, client_id, mutation_id)
	) WITHOUT ROWID`,
	`CREATE TABLE IF NOT EXISTS __datafn_seed (
		namespace TEXT NOT NULL PRIMARY KEY,
		client_id TEXT NOT NULL,
		created_at INTEGER NOT NULL
	) WITHOUT ROWID`,
	`CREATE TABLE IF NOT EXISTS datafn_rows (
		namespace TEXT NOT NULL,
		resource TEXT NOT NULL,
		id TEXT NOT NULL,
		data TEXT NOT NULL,
		PRIMARY KEY (namespace, resource, id)
	) WITHOUT ROWID`,
}

// indexDDL is the partial expression index of one indices.base field. Its
// expression is exactly the one the query translation uses for the field
// (sqlq), or SQLite would not use it. Resource and field names match
// ^[A-Za-z_][A-Za-z0-9_]*$ (schema validation), so they are safe inline.
func indexDDL(resource, field string) string {
	return "CREATE INDEX IF NOT EXISTS " + indexName(resource, field) +
		" ON datafn_rows (namespace, resource, json_extract(data, '$." + field + "'), id)" +
		" WHERE resource = '" + resource + "'"
}

// indexName is the name of the index of one resource field: a hash keeps it
// unique and short whatever the (case-sensitive) names are.
func indexName(resource, field string) string {
	h := sha256.Sum256([]byte(resource + "\x00" + field))
	return "datafn_ix_" + strings.ToLower(hex.EncodeToString(h[:8]))
}
