package engine

import (
	"context"
	"reflect"
	"slices"
	"sync"

	"github.com/datafn/datafn-go/protocol"
)

// Handler receives events. ctx marks the dispatcher: a handler may call
// client methods with it, and they then do not wait for the delivery of the
// events they cause (those are delivered after the handler returns, as in
// JavaScript, where a handler's own calls settle later).
type Handler interface {
	HandleEvent(ctx context.Context, ev protocol.Event)
}

// HandlerFunc adapts a function to Handler. Function values cannot be
// compared, so Events.Off never matches a HandlerFunc; use a pointer type
// with Off.
type HandlerFunc func(ctx context.Context, ev protocol.Event)

// HandleEvent calls f.
func (f HandlerFunc) HandleEvent(ctx context.Context, ev protocol.Event) { f(ctx, ev) }

type subscription struct {
	handler Handler
	filter  Filter
	onType  string // set by Events.On, for Off
	dead    bool
}

type dispatchKey struct{}

// isDispatch reports whether ctx belongs to a running handler.
func isDispatch(ctx context.Context) bool { return ctx != nil && ctx.Value(dispatchKey{}) != nil }

// bus delivers events asynchronously, in emission order, on one goroutine
// (§10.4). Client calls wait for it (flush) before they return.
type bus struct {
	logf func(format string, args ...any)

	mu        sync.Mutex
	cond      *sync.Cond
	subs      []*subscription
	queue     []protocol.Event
	emitted   uint64
	delivered uint64
	running   bool // the dispatcher goroutine exists
	closed    bool
}

func newBus(logf func(string, ...any)) *bus {
	b := &bus{logf: logf}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *bus) subscribe(h Handler, f Filter, onType string) func() {
	s := &subscription{handler: h, filter: f, onType: onType}
	b.mu.Lock()
	b.subs = append(b.subs, s)
	b.mu.Unlock()
	return func() { b.remove(func(x *subscription) bool { return x == s }) }
}

func (b *bus) remove(match func(*subscription) bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.subs = slices.DeleteFunc(b.subs, func(x *subscription) bool {
		if match(x) {
			x.dead = true
			return true
		}
		return false
	})
}

// emit queues ev for delivery.
func (b *bus) emit(ev protocol.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.queue = append(b.queue, ev)
	b.emitted++
	if !b.running {
		b.running = true
		go b.dispatch()
	}
}

// dispatch delivers queued events until the queue is empty.
func (b *bus) dispatch() {
	ctx := context.WithValue(context.Background(), dispatchKey{}, true)
	b.mu.Lock()
	for len(b.queue) > 0 && !b.closed {
		ev := b.queue[0]
		b.queue = b.queue[1:]
		subs := slices.Clone(b.subs)
		b.mu.Unlock()
		for _, s := range subs {
			b.deliver(ctx, s, ev)
		}
		b.mu.Lock()
		b.delivered++
		b.cond.Broadcast()
	}
	b.running = false
	b.cond.Broadcast()
	b.mu.Unlock()
}

func (b *bus) deliver(ctx context.Context, s *subscription, ev protocol.Event) {
	b.mu.Lock()
	skip := s.dead || b.closed
	b.mu.Unlock()
	if skip || !s.filter.Match(ev) {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			b.logf("datafn: event handler for %s failed: %v", ev.Type, r)
		}
	}()
	s.handler.HandleEvent(ctx, ev)
}

// flush waits until every event emitted so far is delivered. Called from a
// handler it returns at once: the dispatcher is busy running that handler.
func (b *bus) flush(ctx context.Context) {
	if isDispatch(ctx) {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	target := b.emitted
	for b.delivered < target && !b.closed {
		b.cond.Wait()
	}
}

// close drops undelivered events and releases every flush; with wait it
// also waits for a running handler (unless called from one), so that nothing
// is delivered after it returns.
func (b *bus) close(ctx context.Context, wait bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.queue = nil
	b.cond.Broadcast()
	for wait && b.running && !isDispatch(ctx) {
		b.cond.Wait()
	}
}

// Events is client.events: per-type subscriptions (§10.3).
type Events struct{ b *bus }

// On subscribes h to one event type ("*" for all) and returns an
// unsubscribe function. An unknown type fails with DFQL_INVALID
// "Invalid event type: <type>", path "type".
func (e Events) On(typ string, h Handler) (func(), error) {
	e.b.mu.Lock()
	closed := e.b.closed
	e.b.mu.Unlock()
	if closed {
		return nil, errDestroyed()
	}
	f := Filter{}
	if typ != "*" {
		if !slices.Contains(protocol.EventTypes(), typ) {
			return nil, protocol.Errorf(protocol.CodeInvalid, "type", "Invalid event type: %s", typ)
		}
		f.Type = []string{typ}
	}
	return e.b.subscribe(h, f, typ), nil
}

// Off removes every subscription that On made with this type and handler.
// Handlers whose dynamic type is not comparable (functions) never match.
func (e Events) Off(typ string, h Handler) {
	e.b.remove(func(s *subscription) bool {
		return s.onType == typ && sameHandler(s.handler, h)
	})
}

func sameHandler(a, b Handler) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if ta != tb || ta == nil || !ta.Comparable() {
		return false
	}
	return a == b
}
