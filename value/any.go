package value

import "encoding/json"

func marshalAny(x any) ([]byte, error) { return json.Marshal(x) }

// ToAny converts v into plain Go values (map[string]any, []any, string,
// float64, bool, nil), for tests and for callers that need encoding/json.
func ToAny(v Value) any {
	switch v.kind {
	case Bool:
		return v.Bool()
	case Number:
		return v.num
	case String:
		return v.str
	case Array:
		out := make([]any, len(v.comp.vals))
		for i, e := range v.comp.vals {
			out[i] = ToAny(e)
		}
		return out
	case Object:
		out := make(map[string]any, len(v.comp.keys))
		for i, k := range v.comp.keys {
			if v.comp.vals[i].kind != Absent {
				out[k] = ToAny(v.comp.vals[i])
			}
		}
		return out
	}
	return nil
}
