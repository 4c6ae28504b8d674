package schema

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// Limits of §2.1-§2.2.
const (
	MaxResources = 100
	MaxFields    = 200
	MaxNameLen   = 64
	// MaxIDLen is the longest id, in code points (§5.1).
	MaxIDLen = 255
	// MaxDate is the largest absolute epoch-ms value of a date (§2.4).
	MaxDate = 8.64e15
)

// maxSafeInt bounds every integer the schema accepts, so that it converts
// to int exactly (2^53 - 1, the largest integer JavaScript holds exactly).
const maxSafeInt = 1<<53 - 1

// Parse validates and normalises a schema document (§2). A malformed
// document or a rule violation returns a *protocol.Error: the first one met
// in the visiting order of §2.7.
func Parse(data []byte) (*Schema, error) {
	doc, err := value.Parse(data)
	if err != nil {
		e := schemaErr("$", "malformed JSON")
		e.Err = err
		return nil, e
	}
	return FromValue(doc)
}

// FromValue is Parse of an already decoded document.
func FromValue(doc value.Value) (*Schema, error) {
	s, perr := build(doc)
	if perr != nil {
		return nil, perr
	}
	return s, nil
}

// schemaErr is SCHEMA_INVALID "Invalid schema: <reason>" at path.
func schemaErr(path, format string, args ...any) *protocol.Error {
	return protocol.Errorf(protocol.CodeSchemaInvalid, path, "Invalid schema: "+format, args...)
}

// mustBe is the "<path> must be <what>" reason.
func mustBe(path, what string) *protocol.Error {
	return schemaErr(path, "%s must be %s", path, what)
}

// notYet is the "<path> is not supported yet" reason for later features.
func notYet(path string) *protocol.Error {
	return schemaErr(path, "%s is not supported yet", path)
}

// intOf returns v as an int when it is an integer number in the safe range.
func intOf(v value.Value) (int, bool) {
	if !v.IsInteger() || math.Abs(v.Num()) > maxSafeInt {
		return 0, false
	}
	return int(v.Num()), true
}

func build(doc value.Value) (*Schema, *protocol.Error) {
	s := &Schema{}
	global, err := checkTopLevel(doc, s)
	if err != nil {
		return nil, err
	}
	for i, rv := range doc.Get("resources").Elems() {
		r, err := parseResource(rv, fmt.Sprintf("resources[%d]", i), global)
		if err != nil {
			return nil, err
		}
		s.Resources = append(s.Resources, r)
	}
	if err := crossChecks(doc, s); err != nil {
		return nil, err
	}
	s.byName = make(map[string]*Resource, len(s.Resources))
	for _, r := range s.Resources {
		s.byName[r.Name] = r
	}
	s.normJSON = appendCanonical(nil, s.normalized())
	s.Hash = hashOf(s.normJSON)
	return s, nil
}

// checkTopLevel visits the top-level keys in the order of the §2.1 table and
// returns the schema-wide capability list.
func checkTopLevel(doc value.Value, s *Schema) ([]string, *protocol.Error) {
	res := doc.Get("resources")
	if res.Kind() != value.Array || res.Len() == 0 {
		return nil, schemaErr("resources", "missing resources")
	}
	if res.Len() > MaxResources {
		return nil, schemaErr("resources", "too many resources (max %d)", MaxResources)
	}
	if v := doc.Get("version"); !v.IsAbsent() {
		n, ok := intOf(v)
		if !ok {
			return nil, mustBe("version", "an integer")
		}
		s.Version = &n
	}
	global, err := capabilityList(doc.Get("capabilities"), "capabilities")
	if err != nil {
		return nil, err
	}
	if rel := doc.Get("relations"); !rel.IsAbsent() {
		if rel.Kind() != value.Array {
			return nil, mustBe("relations", "array")
		}
		if rel.Len() > 0 {
			return nil, notYet("relations")
		}
	}
	if ns := doc.Get("namespaced"); !ns.IsAbsent() {
		if ns.Kind() != value.Bool {
			return nil, mustBe("namespaced", "boolean")
		}
		if !ns.Bool() {
			return nil, notYet("namespaced")
		}
	}
	for _, k := range []string{"permissions", "defaultPermissions", "relationIntegrity"} {
		if !doc.Get(k).IsAbsent() {
			return nil, notYet(k)
		}
	}
	return global, nil
}

// validName is the name rule of §2.2, shared by resources and fields.
func validName(s string) bool {
	if s == "" || len(s) > MaxNameLen || strings.HasPrefix(s, "__") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alpha := c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
		if !alpha && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// parseResource visits a resource's keys in the order of the §2.2 table,
// then its fields.
func parseResource(rv value.Value, p string, global []string) (*Resource, *protocol.Error) {
	if rv.Kind() != value.Object {
		return nil, mustBe(p, "object")
	}
	r := &Resource{}
	if err := resourceHeader(rv, p, r); err != nil {
		return nil, err
	}
	caps, err := resourceCapabilities(rv.Get("capabilities"), p+".capabilities", global)
	if err != nil {
		return nil, err
	}
	r.Capabilities = caps
	fields := rv.Get("fields")
	if fields.Kind() != value.Array {
		return nil, mustBe(p+".fields", "array")
	}
	if fields.Len() > MaxFields {
		return nil, schemaErr(p+".fields", "too many fields (max %d)", MaxFields)
	}
	if err := parseIndices(rv.Get("indices"), p+".indices", r, fields); err != nil {
		return nil, err
	}
	if err := parseFields(fields, p+".fields", r); err != nil {
		return nil, err
	}
	return r, nil
}

// resourceHeader checks name, version, idPrefix and isRemoteOnly.
func resourceHeader(rv value.Value, p string, r *Resource) *protocol.Error {
	name := rv.Get("name")
	if name.Kind() != value.String {
		return mustBe(p+".name", "string")
	}
	if !validName(name.Str()) {
		return schemaErr(p+".name", "invalid name %s", name.Str())
	}
	r.Name = name.Str()
	n, ok := intOf(rv.Get("version"))
	if !ok || n < 1 {
		return mustBe(p+".version", "a positive integer")
	}
	r.Version = n
	r.Prefix = r.Name
	if v := rv.Get("idPrefix"); !v.IsAbsent() {
		if v.Kind() != value.String || v.Str() == "" {
			return mustBe(p+".idPrefix", "a non-empty string")
		}
		r.Prefix = strings.TrimSuffix(v.Str(), ":")
		r.explicitPrefix = true
	}
	if v := rv.Get("isRemoteOnly"); !v.IsAbsent() {
		if v.Kind() != value.Bool {
			return mustBe(p+".isRemoteOnly", "boolean")
		}
		r.RemoteOnly = v.Bool()
	}
	return nil
}

// crossChecks finds duplicate resource names, then duplicate id prefixes,
// reporting the later resource of each pair.
func crossChecks(doc value.Value, s *Schema) *protocol.Error {
	names := make(map[string]bool, len(s.Resources))
	for i, r := range s.Resources {
		if names[r.Name] {
			return schemaErr(fmt.Sprintf("resources[%d].name", i), "duplicate resource name %s", r.Name)
		}
		names[r.Name] = true
	}
	prefixes := make(map[string]bool, len(s.Resources))
	for i, r := range s.Resources {
		if prefixes[r.Prefix] {
			key := "name"
			if r.explicitPrefix {
				key = "idPrefix"
			}
			return schemaErr(fmt.Sprintf("resources[%d].%s", i, key), "duplicate id prefix %s", r.Prefix)
		}
		prefixes[r.Prefix] = true
	}
	return nil
}

// Capabilities of §2.5: the one we implement and the ones DataFn knows that
// are later features for us.
const capTimestamps = "timestamps"

var laterCapabilities = map[string]bool{"audit": true, "trash": true, "archivable": true, "shareable": true}

// capabilityList checks a list of capability names at path p; Absent gives nil.
func capabilityList(v value.Value, p string) ([]string, *protocol.Error) {
	if v.IsAbsent() {
		return nil, nil
	}
	if v.Kind() != value.Array {
		return nil, protocol.Errorf(protocol.CodeInvalidCapConfig, p, "Invalid capability config")
	}
	var out []string
	for i, e := range v.Elems() {
		ep := fmt.Sprintf("%s[%d]", p, i)
		if e.Kind() != value.String {
			return nil, protocol.Errorf(protocol.CodeInvalidCapConfig, ep, "Invalid capability config")
		}
		switch name := e.Str(); {
		case name == capTimestamps:
			out = append(out, name)
		case laterCapabilities[name]:
			return nil, notYet(ep)
		default:
			return nil, protocol.Errorf(protocol.CodeInvalidCapability, ep, "Invalid capability: %s", name)
		}
	}
	return out, nil
}

// resourceCapabilities computes the effective, sorted capabilities of a
// resource from the schema-wide list and the resource's own key.
func resourceCapabilities(v value.Value, p string, global []string) ([]string, *protocol.Error) {
	set := map[string]bool{}
	for _, c := range global {
		set[c] = true
	}
	if v.Kind() == value.Object {
		ex := v.Get("exclude")
		if ex.Kind() != value.Array {
			return nil, protocol.Errorf(protocol.CodeInvalidCapConfig, p, "Invalid capability config")
		}
		names, err := capabilityList(ex, p+".exclude")
		if err != nil {
			return nil, err
		}
		for _, c := range names {
			delete(set, c)
		}
	} else {
		names, err := capabilityList(v, p)
		if err != nil {
			return nil, err
		}
		for _, c := range names {
			set[c] = true
		}
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return out, nil
}
