//go:build !js && !chaosfindings

package reliability

// chaosKnownBugs is true with -tags chaosfindings (chaosfindings_test.go):
// then the chaos runs also inject the malformed results the engine is known
// to accept, and fail.
const chaosKnownBugs = false
