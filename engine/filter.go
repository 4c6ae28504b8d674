package engine

import (
	"slices"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// Filter selects events for a subscription (§10.3). A nil slice means the
// key is absent from the filter; an empty non-nil slice matches nothing.
type Filter struct {
	// Type: the event's type is in the list.
	Type []string
	// Resource, MutationID, Action: the event lacks the member or its value
	// is in the list.
	Resource   []string
	MutationID []string
	Action     []string
	// IDs: the event lacks ids, or one of its ids is in the list.
	IDs []string
	// Fields: the event has fields and one of them is in the list.
	Fields []string
	// ContextKeys: the event's context is an object holding every key.
	ContextKeys []string
	// Context: an object; the event's context is an object whose value for
	// every key equals the filter's (§3.3). Absent means no constraint.
	Context value.Value
}

// Match reports whether ev passes every key of the filter.
func (f Filter) Match(ev protocol.Event) bool {
	if f.Type != nil && !slices.Contains(f.Type, ev.Type) {
		return false
	}
	if !optionalIn(f.Resource, ev.Resource) || !optionalIn(f.MutationID, ev.MutationID) ||
		!optionalIn(f.Action, ev.Action) {
		return false
	}
	if f.IDs != nil && ev.IDs != nil && !intersects(f.IDs, ev.IDs) {
		return false
	}
	if f.Fields != nil && (ev.Fields == nil || !intersects(f.Fields, ev.Fields)) {
		return false
	}
	return f.matchContext(ev.Context)
}

func (f Filter) matchContext(ctx value.Value) bool {
	if f.ContextKeys == nil && f.Context.IsAbsent() {
		return true
	}
	if ctx.Kind() != value.Object {
		return false
	}
	for _, k := range f.ContextKeys {
		if !ctx.Has(k) {
			return false
		}
	}
	keys := f.Context.Keys()
	for i, k := range keys {
		if !value.Equal(ctx.Get(k), f.Context.Elems()[i]) {
			return false
		}
	}
	return true
}

// optionalIn: an absent event member ("") always passes.
func optionalIn(list []string, v string) bool {
	return list == nil || v == "" || slices.Contains(list, v)
}

func intersects(a, b []string) bool {
	for _, x := range b {
		if slices.Contains(a, x) {
			return true
		}
	}
	return false
}

// ParseFilter reads a filter given as JSON (the JS bridge passes it through):
// each list key may be a string or an array of strings. Absent or null gives
// the empty filter, which matches every event.
func ParseFilter(v value.Value) (Filter, error) {
	var f Filter
	if v.IsNull() {
		return f, nil
	}
	if v.Kind() != value.Object {
		return f, protocol.Errorf(protocol.CodeInvalid, "filter", "Invalid event filter: filter must be object")
	}
	lists := []struct {
		key string
		dst *[]string
	}{{"type", &f.Type}, {"resource", &f.Resource}, {"mutationId", &f.MutationID}, {"action", &f.Action},
		{"ids", &f.IDs}, {"fields", &f.Fields}, {"contextKeys", &f.ContextKeys}}
	for _, l := range lists {
		x := v.Get(l.key)
		if x.IsAbsent() {
			continue
		}
		s, ok := stringList(x)
		if !ok {
			return f, protocol.Errorf(protocol.CodeInvalid, "filter."+l.key,
				"Invalid event filter: %s must be a string or an array of strings", l.key)
		}
		*l.dst = s
	}
	if c := v.Get("context"); !c.IsAbsent() {
		if c.Kind() != value.Object {
			return f, protocol.Errorf(protocol.CodeInvalid, "filter.context", "Invalid event filter: context must be object")
		}
		f.Context = c
	}
	return f, nil
}

// stringList reads a string (a one-element list) or an array of strings.
func stringList(v value.Value) ([]string, bool) {
	if v.Kind() == value.String {
		return []string{v.Str()}, true
	}
	if v.Kind() != value.Array {
		return nil, false
	}
	out := make([]string, 0, v.Len())
	for _, e := range v.Elems() {
		if e.Kind() != value.String {
			return nil, false
		}
		out = append(out, e.Str())
	}
	return out, true
}
