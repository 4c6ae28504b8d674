// Package sqlq translates DFQL (protocol.md §4) into SQL for the server
// stores. One translator serves SQLite and PostgreSQL through a small Dialect
// that knows how each database reads a JSON field, its type and its text,
// and how it spells code point comparison and case folding.
package sqlq
