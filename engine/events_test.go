package engine

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

type recorder struct {
	mu  sync.Mutex
	evs []protocol.Event
}

func (r *recorder) HandleEvent(_ context.Context, ev protocol.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, ev)
}

func (r *recorder) types() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.evs {
		out = append(out, e.Type+":"+e.Resource)
	}
	return out
}

func TestFilterMatch(t *testing.T) {
	merge := protocol.Event{Type: "mutation_applied", Resource: "task", IDs: []string{"task:1"}, MutationID: "m1",
		Action: "merge", Fields: []string{"title"}, Context: value.MustParse(`{"source":"ui","n":1}`)}
	conn := protocol.Event{Type: "connectivity_changed", Context: value.MustParse(`{"isOnline":false}`)}
	del := protocol.Event{Type: "mutation_applied", Resource: "task", IDs: []string{"task:2"}, Action: "delete", Fields: []string{}}
	cases := []struct {
		name   string
		filter string
		ev     protocol.Event
		want   bool
	}{
		{"EV5_TypeAndResource", `{"type":"mutation_applied","resource":"task"}`, merge, true},
		{"EV5_TypeExcludes", `{"type":"mutation_applied","resource":"task"}`, conn, false},
		{"EV5_FieldsMiss", `{"fields":["status"]}`, merge, false},
		{"EV5_FieldsHit", `{"fields":"title"}`, merge, true},
		{"FieldsNeedEventFields", `{"fields":["title"]}`, conn, false},
		{"EmptyFieldsOfDelete", `{"fields":["title"]}`, del, false},
		{"EV5_ResourceMatchesEventWithout", `{"resource":"note"}`, conn, true},
		{"ResourceOther", `{"resource":["note"]}`, merge, false},
		{"TypeArray", `{"type":["sync_started","connectivity_changed"]}`, conn, true},
		{"IDsString", `{"ids":"task:1"}`, merge, true},
		{"IDsMiss", `{"ids":["task:9"]}`, merge, false},
		{"IDsAbsentOnEvent", `{"ids":["task:9"]}`, conn, true},
		{"MutationID", `{"mutationId":"m2"}`, merge, false},
		{"Action", `{"action":["merge","insert"]}`, merge, true},
		{"ContextKeys", `{"contextKeys":["source","n"]}`, merge, true},
		{"ContextKeysMiss", `{"contextKeys":["x"]}`, merge, false},
		{"ContextKeysNoContext", `{"contextKeys":[]}`, del, false},
		{"ContextEqual", `{"context":{"isOnline":false}}`, conn, true},
		{"ContextDiffers", `{"context":{"isOnline":true}}`, conn, false},
		{"ContextNumberEqual", `{"context":{"n":1.0}}`, merge, true},
		{"Empty", `{}`, del, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseFilter(value.MustParse(tc.filter))
			require.NoError(t, err)
			require.Equal(t, tc.want, f.Match(tc.ev))
		})
	}
	_, err := ParseFilter(value.MustParse(`{"type":5}`))
	require.Error(t, err)
}

func TestBusDeliversInOrderAndFlushes(t *testing.T) {
	b := newBus(t.Logf)
	first, second := &recorder{}, &recorder{}
	var order []string
	var mu sync.Mutex
	b.subscribe(HandlerFunc(func(ctx context.Context, ev protocol.Event) {
		mu.Lock()
		order = append(order, "a:"+ev.Type)
		mu.Unlock()
		panic("EV-7: a throwing handler does not stop the next one")
	}), Filter{}, "")
	b.subscribe(HandlerFunc(func(ctx context.Context, ev protocol.Event) {
		mu.Lock()
		order = append(order, "b:"+ev.Type)
		mu.Unlock()
		require.True(t, isDispatch(ctx))
		b.flush(ctx) // a handler calling the client must not deadlock
	}), Filter{}, "")
	b.subscribe(first, Filter{Type: []string{"sync_started"}}, "")
	off := b.subscribe(second, Filter{}, "")
	b.emit(protocol.Event{Type: "sync_started"})
	b.emit(protocol.Event{Type: "sync_applied"})
	b.flush(context.Background())
	require.Equal(t, []string{"a:sync_started", "b:sync_started", "a:sync_applied", "b:sync_applied"}, order)
	require.Equal(t, []string{"sync_started:"}, first.types())
	off()
	off()
	b.emit(protocol.Event{Type: "sync_failed"})
	b.flush(context.Background())
	require.Len(t, second.types(), 2)
	b.close(context.Background(), true)
	b.emit(protocol.Event{Type: "sync_failed"})
	b.flush(context.Background())
	require.Len(t, first.types(), 1)
}

func TestEV6_EventsOnOff(t *testing.T) {
	b := newBus(t.Logf)
	ev := Events{b}
	h := &recorder{}
	off, err := ev.On("connectivity_changed", h)
	require.NoError(t, err)
	_, err = ev.On("*", h)
	require.NoError(t, err)
	b.emit(protocol.Event{Type: "connectivity_changed"})
	b.emit(protocol.Event{Type: "sync_started"})
	b.flush(context.Background())
	require.Equal(t, []string{"connectivity_changed:", "connectivity_changed:", "sync_started:"}, h.types())
	off()
	ev.Off("*", h)
	b.emit(protocol.Event{Type: "connectivity_changed"})
	b.flush(context.Background())
	require.Len(t, h.types(), 3)

	_, err = ev.On("connectivity_changed", h)
	require.NoError(t, err)
	ev.Off("connectivity_changed", h)
	b.emit(protocol.Event{Type: "connectivity_changed"})
	b.flush(context.Background())
	require.Len(t, h.types(), 3, "events.off removes what on added")

	_, err = ev.On("nope", h)
	requireErr(t, err, protocol.CodeInvalid, "Invalid event type: nope", "type")
}
