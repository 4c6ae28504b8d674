// Package reliability holds fault-injection tests of the DataFn server
// binary and the native engine: server crashes (SIGKILL) during pushes on
// SQLite and PostgreSQL, hostile input over real TCP, and authentication and
// namespace isolation. It has no code of its own; see RELIABILITY.md at the
// repository root for what was run and what was seen.
package reliability
