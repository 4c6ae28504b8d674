package engine

import "sync"

// ConnEvent is a browser connectivity, visibility or focus event (§12.11).
type ConnEvent int

// The connectivity events.
const (
	// Online is the window "online" event.
	Online ConnEvent = iota + 1
	// Offline is the window "offline" event.
	Offline
	// Visible is visibilitychange to "visible".
	Visible
	// Focus is the window "focus" event.
	Focus
)

func (e ConnEvent) String() string {
	switch e {
	case Online:
		return "online"
	case Offline:
		return "offline"
	case Visible:
		return "visible"
	case Focus:
		return "focus"
	}
	return "unknown"
}

// Connectivity reports the browser's online state and its events as Go
// values. The engine reads Events only while it runs (§12.11: listeners
// exist only while the engine runs).
type Connectivity interface {
	// IsOnline is navigator.onLine (true where unavailable).
	IsOnline() bool
	// Subscribe delivers events to fn until the returned function is called.
	Subscribe(fn func(ConnEvent)) (unsubscribe func())
}

// ManualConnectivity is a Connectivity driven by calls: the default for
// native programs (always online) and the fake in tests.
type ManualConnectivity struct {
	mu      sync.Mutex
	offline bool
	subs    map[int]func(ConnEvent)
	next    int
}

// NewManualConnectivity returns a connectivity source that starts online.
func NewManualConnectivity() *ManualConnectivity {
	return &ManualConnectivity{subs: map[int]func(ConnEvent){}}
}

// IsOnline reports the current state.
func (m *ManualConnectivity) IsOnline() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return !m.offline
}

// Subscribe registers fn.
func (m *ManualConnectivity) Subscribe(fn func(ConnEvent)) func() {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := m.next
	m.next++
	m.subs[id] = fn
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		delete(m.subs, id)
	}
}

// Emit records the event (Online/Offline change IsOnline) and delivers it to
// every subscriber.
func (m *ManualConnectivity) Emit(e ConnEvent) {
	m.mu.Lock()
	switch e {
	case Online:
		m.offline = false
	case Offline:
		m.offline = true
	}
	fns := make([]func(ConnEvent), 0, len(m.subs))
	for _, fn := range m.subs {
		fns = append(fns, fn)
	}
	m.mu.Unlock()
	for _, fn := range fns {
		fn(e)
	}
}
