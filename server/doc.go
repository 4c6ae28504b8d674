// Package server is the DataFn sync server: the http.Handler for /datafn/*,
// authentication, limits, request validation, and the execution of queries,
// mutations, clone, pull and push against a Store.
package server
