//go:build js && wasm

package main

import "syscall/js"

// debugAPI is __datafnRaw.debug, for tests only (BRIDGE.md): stats()
// returns {clients, subscriptions}, the live entries of the registry, so
// that tests can check that close and unsubscribe let go of them.
func debugAPI() js.Value {
	d := jsObject.New()
	d.Set("stats", js.FuncOf(func(js.Value, []js.Value) any {
		registry.mu.Lock()
		defer registry.mu.Unlock()
		s := jsObject.New()
		s.Set("clients", len(registry.clients))
		s.Set("subscriptions", len(registry.subs))
		return s
	}))
	return d
}
