package engine

import (
	"slices"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// parseHydration checks rules 20-24, each rule over both lists before the
// next rule.
func parseHydration(c *Config, v value.Value) error {
	s, _ := syncOpts(v)
	h := s.Get("hydration")
	if h.IsAbsent() {
		return nil
	}
	if h.Kind() != value.Object {
		return cfgErr("sync.hydration", "hydration must be an object")
	}
	boot, err := resourceList(h, "bootResources")
	if err != nil {
		return err
	}
	bg, err := resourceList(h, "backgroundResources")
	if err != nil {
		return err
	}
	lists := []struct {
		key   string
		names []string
	}{{"bootResources", boot}, {"backgroundResources", bg}}
	for _, l := range lists { // rule 21
		for i, n := range l.names {
			if c.Schema.Resource(n) == nil {
				return protocol.UnknownResource(listPath(l.key, i), n)
			}
		}
	}
	for _, l := range lists { // rule 22
		for i, n := range l.names {
			if c.Schema.Resource(n).RemoteOnly {
				return cfgErr(listPath(l.key, i), "%s is remote-only", n)
			}
		}
	}
	for i, n := range bg { // rule 23
		if slices.Contains(boot, n) {
			return cfgErr(listPath("backgroundResources", i), "%s is in both bootResources and backgroundResources", n)
		}
	}
	c.Hydration.BootResources, c.Hydration.BackgroundResources = boot, bg
	return parseClonePageSize(c, h.Get("clonePageSize"))
}

func listPath(key string, i int) string {
	return "sync.hydration." + key + "[" + itoa(i) + "]"
}

func resourceList(h value.Value, key string) ([]string, error) {
	x := h.Get(key)
	if x.IsAbsent() {
		return nil, nil
	}
	names, ok := stringList(x)
	if !ok || x.Kind() != value.Array {
		return nil, cfgErr("sync.hydration."+key, "hydration.%s must be an array of resource names", key)
	}
	return names, nil
}

// parseClonePageSize checks rule 24: a positive integer, or a map from
// resource to a positive integer.
func parseClonePageSize(c *Config, x value.Value) error {
	const path = "sync.hydration.clonePageSize"
	if x.IsAbsent() {
		return nil
	}
	if x.Kind() != value.Object {
		if !x.IsInteger() || x.Num() < 1 || x.Num() > maxSafe {
			return cfgErr(path, "hydration.clonePageSize must be a positive integer")
		}
		c.Hydration.ClonePageSize = int(x.Num())
		return nil
	}
	c.Hydration.ClonePageSizes = map[string]int{}
	for i, k := range x.Keys() {
		n := x.Elems()[i]
		if c.Schema.Resource(k) == nil {
			return protocol.UnknownResource(path+"."+k, k)
		}
		if !n.IsInteger() || n.Num() < 1 || n.Num() > maxSafe {
			return cfgErr(path+"."+k, "hydration.clonePageSize must be a positive integer")
		}
		c.Hydration.ClonePageSizes[k] = int(n.Num())
	}
	return nil
}

func itoa(i int) string { return string(value.AppendNumber(nil, float64(i))) }
