package schema

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

type schemaErrCase struct {
	name string
	doc  string
	code protocol.Code
	msg  string
	path string
}

func runSchemaErrCases(t *testing.T, cases []schemaErrCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse([]byte(c.doc))
			require.Nil(t, s)
			var pe *protocol.Error
			require.ErrorAs(t, err, &pe)
			code := c.code
			if code == "" {
				code = protocol.CodeSchemaInvalid
			}
			require.Equal(t, code, pe.Code)
			require.Equal(t, c.msg, pe.Message)
			require.Equal(t, c.path, pe.Path)
		})
	}
}

func TestSchemaAcceptanceErrors(t *testing.T) {
	runSchemaErrCases(t, []schemaErrCase{
		{name: "SCH-1 empty document", doc: `{}`,
			msg: "Invalid schema: missing resources", path: "resources"},
		{name: "SCH-4 capability field collision",
			doc:  edit(t, fixtureS, `{ "name": "body", "type": "string" }`, `{ "name": "body", "type": "string" }, {"name":"updatedAt","type":"date"}`),
			code: protocol.CodeCapFieldCollision, msg: "Capability field collision: note.updatedAt", path: "resources[1].fields[1].name"},
		{name: "SCH-5 unknown capability", doc: `{"capabilities":["wat"],` + fixtureS[1:],
			code: protocol.CodeInvalidCapability, msg: "Invalid capability: wat", path: "capabilities[0]"},
		{name: "SCH-5 later capability", doc: `{"capabilities":["trash"],` + fixtureS[1:],
			msg: "Invalid schema: capabilities[0] is not supported yet", path: "capabilities[0]"},
		{name: "SCH-6 duplicate id prefix",
			doc: `{"resources":[{"name":"a","version":1,"idPrefix":"t:","fields":[]},{"name":"b","version":1,"idPrefix":"t","fields":[]}]}`,
			msg: "Invalid schema: duplicate id prefix t", path: "resources[1].idPrefix"},
		{name: "SCH-7 relations", doc: `{"relations":[{"from":"task","to":"note","type":"many-one"}],` + fixtureS[1:],
			msg: "Invalid schema: relations is not supported yet", path: "relations"},
		{name: "SCH-8 file type",
			doc: edit(t, fixtureS, `"pattern": "^[A-Z]+$" }`, `"pattern": "^[A-Z]+$" }, {"name":"f","type":"file"}`),
			msg: "Invalid schema: resources[0].fields[7].type is not supported yet", path: "resources[0].fields[7].type"},
		{name: "SCH-9 default outside range",
			doc: edit(t, fixtureS, `"min": 0, "max": 5 }`, `"min": 0, "max": 5, "default": 9 }`),
			msg: "Invalid schema: resources[0].fields[2].default does not satisfy the field rules", path: "resources[0].fields[2].default"},
		{name: "SCH-10 minLength on number",
			doc: edit(t, fixtureS, `"min": 0, "max": 5 }`, `"min": 0, "max": 5, "minLength": 1 }`),
			msg: "Invalid schema: resources[0].fields[2].minLength does not apply to type number", path: "resources[0].fields[2].minLength"},
	})
}

func TestSCH7_EmptyRelationsAccepted(t *testing.T) {
	s := mustSchema(t, `{"relations":[],"namespaced":true,`+fixtureS[1:])
	require.Len(t, s.Resources, 3)
}

// res wraps one resource definition (given as the inside of its object) in
// a document.
func res(inner string) string { return `{"resources":[{` + inner + `}]}` }

// fld wraps field definitions in a resource "a".
func fld(fields string) string { return res(`"name":"a","version":1,"fields":[` + fields + `]`) }

func manyResources(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{"name":"r%d","version":1,"fields":[]}`, i)
	}
	return `{"resources":[` + strings.Join(parts, ",") + `]}`
}

func manyFields(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{"name":"f%d","type":"json"}`, i)
	}
	return fld(strings.Join(parts, ","))
}

func TestSchemaErrorTable(t *testing.T) {
	runSchemaErrCases(t, []schemaErrCase{
		{"malformed JSON", `{"resources":`, "", "Invalid schema: malformed JSON", "$"},
		{"document not an object", `[]`, "", "Invalid schema: missing resources", "resources"},
		{"resources not an array", `{"resources":{}}`, "", "Invalid schema: missing resources", "resources"},
		{"resources empty", `{"resources":[]}`, "", "Invalid schema: missing resources", "resources"},
		{"too many resources", manyResources(101), "", "Invalid schema: too many resources (max 100)", "resources"},
		{"version not integer", `{"version":1.5,"resources":[{"name":"a","version":1,"fields":[]}]}`, "",
			"Invalid schema: version must be an integer", "version"},
		{"resource not object", `{"resources":[5]}`, "", "Invalid schema: resources[0] must be object", "resources[0]"},
		{"resource name not string", res(`"version":1,"fields":[]`), "",
			"Invalid schema: resources[0].name must be string", "resources[0].name"},
		{"resource name pattern", res(`"name":"1a","version":1,"fields":[]`), "", "Invalid schema: invalid name 1a", "resources[0].name"},
		{"resource name dunder", res(`"name":"__a","version":1,"fields":[]`), "", "Invalid schema: invalid name __a", "resources[0].name"},
		{"resource name too long", res(`"name":"` + strings.Repeat("a", 65) + `","version":1,"fields":[]`), "",
			"Invalid schema: invalid name " + strings.Repeat("a", 65), "resources[0].name"},
		{"resource version zero", res(`"name":"a","version":0,"fields":[]`), "",
			"Invalid schema: resources[0].version must be a positive integer", "resources[0].version"},
		{"resource version missing", res(`"name":"a","fields":[]`), "",
			"Invalid schema: resources[0].version must be a positive integer", "resources[0].version"},
		{"idPrefix empty", res(`"name":"a","version":1,"idPrefix":"","fields":[]`), "",
			"Invalid schema: resources[0].idPrefix must be a non-empty string", "resources[0].idPrefix"},
		{"isRemoteOnly not boolean", res(`"name":"a","version":1,"isRemoteOnly":1,"fields":[]`), "",
			"Invalid schema: resources[0].isRemoteOnly must be boolean", "resources[0].isRemoteOnly"},
		{"fields missing", res(`"name":"a","version":1`), "", "Invalid schema: resources[0].fields must be array", "resources[0].fields"},
		{"too many fields", manyFields(201), "", "Invalid schema: too many fields (max 200)", "resources[0].fields"},
		{"duplicate resource name", `{"resources":[{"name":"a","version":1,"fields":[]},{"name":"a","version":1,"idPrefix":"b","fields":[]}]}`, "",
			"Invalid schema: duplicate resource name a", "resources[1].name"},
		{"duplicate prefix from name", `{"resources":[{"name":"a","version":1,"idPrefix":"b:","fields":[]},{"name":"b","version":1,"fields":[]}]}`, "",
			"Invalid schema: duplicate id prefix b", "resources[1].name"},
		{"field not object", fld(`1`), "", "Invalid schema: resources[0].fields[0] must be object", "resources[0].fields[0]"},
		{"field name invalid", fld(`{"name":"a-b","type":"string"}`), "", "Invalid schema: invalid name a-b", "resources[0].fields[0].name"},
		{"field name __proto__", fld(`{"name":"__proto__","type":"string"}`), "", "Invalid schema: invalid name __proto__", "resources[0].fields[0].name"},
		{"field name constructor", fld(`{"name":"constructor","type":"string"}`), "", "Invalid schema: invalid name constructor", "resources[0].fields[0].name"},
		{"duplicate field name", fld(`{"name":"x","type":"string"},{"name":"x","type":"number"}`), "",
			"Invalid schema: duplicate field name x", "resources[0].fields[1].name"},
		{"unknown field type", fld(`{"name":"x","type":"text"}`), "", "Invalid schema: unknown field type text", "resources[0].fields[0].type"},
		{"field type missing", fld(`{"name":"x"}`), "", "Invalid schema: resources[0].fields[0].type must be string", "resources[0].fields[0].type"},
		{"id field of type number", fld(`{"name":"id","type":"number"}`), "", "Invalid schema: resources[0].fields[0].type must be string", "resources[0].fields[0].type"},
		{"id field nullable", fld(`{"name":"id","type":"id","nullable":true}`), "", "Invalid schema: resources[0].fields[0].nullable must be false", "resources[0].fields[0].nullable"},
		{"id field readonly", fld(`{"name":"id","type":"string","readonly":true}`), "", "Invalid schema: resources[0].fields[0].readonly must be false", "resources[0].fields[0].readonly"},
		{"id field default", fld(`{"name":"id","type":"string","default":"a:1"}`), "", "Invalid schema: resources[0].fields[0].default does not satisfy the field rules", "resources[0].fields[0].default"},
		{"required not boolean", fld(`{"name":"x","type":"string","required":"yes"}`), "", "Invalid schema: resources[0].fields[0].required must be boolean", "resources[0].fields[0].required"},
		{"enum on boolean", fld(`{"name":"x","type":"boolean","enum":[true]}`), "", "Invalid schema: resources[0].fields[0].enum does not apply to type boolean", "resources[0].fields[0].enum"},
		{"enum empty", fld(`{"name":"x","type":"string","enum":[]}`), "", "Invalid schema: resources[0].fields[0].enum must be a non-empty array", "resources[0].fields[0].enum"},
		{"enum value of wrong type", fld(`{"name":"x","type":"string","enum":["a",1]}`), "", "Invalid schema: resources[0].fields[0].enum[1] does not satisfy the field rules", "resources[0].fields[0].enum[1]"},
		{"min on string", fld(`{"name":"x","type":"string","min":1}`), "", "Invalid schema: resources[0].fields[0].min does not apply to type string", "resources[0].fields[0].min"},
		{"max not number", fld(`{"name":"x","type":"date","max":"1"}`), "", "Invalid schema: resources[0].fields[0].max must be number", "resources[0].fields[0].max"},
		{"min exceeds max", fld(`{"name":"x","type":"number","min":2,"max":1}`), "", "Invalid schema: min must not exceed max", "resources[0].fields[0].max"},
		{"maxLength on date", fld(`{"name":"x","type":"date","maxLength":1}`), "", "Invalid schema: resources[0].fields[0].maxLength does not apply to type date", "resources[0].fields[0].maxLength"},
		{"minLength negative", fld(`{"name":"x","type":"array","minLength":-1}`), "", "Invalid schema: resources[0].fields[0].minLength must be a non-negative integer", "resources[0].fields[0].minLength"},
		{"minLength exceeds maxLength", fld(`{"name":"x","type":"string","minLength":3,"maxLength":2}`), "", "Invalid schema: minLength must not exceed maxLength", "resources[0].fields[0].maxLength"},
		{"pattern on json", fld(`{"name":"x","type":"json","pattern":"a"}`), "", "Invalid schema: resources[0].fields[0].pattern does not apply to type json", "resources[0].fields[0].pattern"},
		{"invalid pattern", fld(`{"name":"x","type":"string","pattern":"("}`), "", "Invalid schema: invalid pattern", "resources[0].fields[0].pattern"},
		{"lookahead is not RE2", fld(`{"name":"x","type":"string","pattern":"(?=a)"}`), "", "Invalid schema: invalid pattern", "resources[0].fields[0].pattern"},
		{"default of wrong type", fld(`{"name":"x","type":"string","default":1}`), "", "Invalid schema: resources[0].fields[0].default does not satisfy the field rules", "resources[0].fields[0].default"},
		{"default null not nullable", fld(`{"name":"x","type":"string","default":null}`), "", "Invalid schema: resources[0].fields[0].default does not satisfy the field rules", "resources[0].fields[0].default"},
		{"default outside enum", fld(`{"name":"x","type":"string","enum":["a"],"default":"b"}`), "", "Invalid schema: resources[0].fields[0].default does not satisfy the field rules", "resources[0].fields[0].default"},
		{"default too long", fld(`{"name":"x","type":"string","maxLength":1,"default":"ab"}`), "", "Invalid schema: resources[0].fields[0].default does not satisfy the field rules", "resources[0].fields[0].default"},
		{"default fails pattern", fld(`{"name":"x","type":"string","pattern":"^a","default":"ba"}`), "", "Invalid schema: resources[0].fields[0].default does not satisfy the field rules", "resources[0].fields[0].default"},
		{"default date not integer", fld(`{"name":"x","type":"date","default":1.5}`), "", "Invalid schema: resources[0].fields[0].default does not satisfy the field rules", "resources[0].fields[0].default"},
		{"unknown index field", res(`"name":"a","version":1,"indices":["x"],"fields":[{"name":"y","type":"string"}]`), "",
			"Invalid schema: unknown index field x", "resources[0].indices[0]"},
		{"unknown base index field", res(`"name":"a","version":1,"indices":{"base":["y","x"]},"fields":[{"name":"y","type":"string"}]`), "",
			"Invalid schema: unknown index field x", "resources[0].indices.base[1]"},
		{"indices not array or object", res(`"name":"a","version":1,"indices":"y","fields":[]`), "",
			"Invalid schema: resources[0].indices must be array or object", "resources[0].indices"},
	})
}

func TestSchemaLaterFeatures(t *testing.T) {
	one := `"resources":[{"name":"a","version":1,"fields":[]}]`
	runSchemaErrCases(t, []schemaErrCase{
		{"namespaced false", `{"namespaced":false,` + one + `}`, "", "Invalid schema: namespaced is not supported yet", "namespaced"},
		{"permissions", `{"permissions":{},` + one + `}`, "", "Invalid schema: permissions is not supported yet", "permissions"},
		{"defaultPermissions", `{"defaultPermissions":null,` + one + `}`, "", "Invalid schema: defaultPermissions is not supported yet", "defaultPermissions"},
		{"relationIntegrity", `{"relationIntegrity":"strict",` + one + `}`, "", "Invalid schema: relationIntegrity is not supported yet", "relationIntegrity"},
		{"unique", fld(`{"name":"x","type":"string","unique":true}`), "", "Invalid schema: resources[0].fields[0].unique is not supported yet", "resources[0].fields[0].unique"},
		{"encrypt", fld(`{"name":"x","type":"string","encrypt":true}`), "", "Invalid schema: resources[0].fields[0].encrypt is not supported yet", "resources[0].fields[0].encrypt"},
		{"volatile", fld(`{"name":"x","type":"string","volatile":true}`), "", "Invalid schema: resources[0].fields[0].volatile is not supported yet", "resources[0].fields[0].volatile"},
		{"indices.search", res(`"name":"a","version":1,"indices":{"search":["x"]},"fields":[{"name":"x","type":"string"}]`), "",
			"Invalid schema: resources[0].indices.search is not supported yet", "resources[0].indices.search"},
		{"indices.vector", res(`"name":"a","version":1,"indices":{"vector":["x"]},"fields":[{"name":"x","type":"string"}]`), "",
			"Invalid schema: resources[0].indices.vector is not supported yet", "resources[0].indices.vector"},
		{"resource later capability", res(`"name":"a","version":1,"capabilities":["timestamps","audit"],"fields":[]`), "",
			"Invalid schema: resources[0].capabilities[1] is not supported yet", "resources[0].capabilities[1]"},
	})
}

func TestSchemaCapabilityErrors(t *testing.T) {
	one := `"resources":[{"name":"a","version":1,"fields":[]}]`
	runSchemaErrCases(t, []schemaErrCase{
		{"top-level not an array", `{"capabilities":"timestamps",` + one + `}`, protocol.CodeInvalidCapConfig, "Invalid capability config", "capabilities"},
		{"top-level exclude form", `{"capabilities":{"exclude":[]},` + one + `}`, protocol.CodeInvalidCapConfig, "Invalid capability config", "capabilities"},
		{"resource object without exclude", res(`"name":"a","version":1,"capabilities":{"include":[]},"fields":[]`),
			protocol.CodeInvalidCapConfig, "Invalid capability config", "resources[0].capabilities"},
		{"resource string", res(`"name":"a","version":1,"capabilities":"timestamps","fields":[]`),
			protocol.CodeInvalidCapConfig, "Invalid capability config", "resources[0].capabilities"},
		{"resource unknown", res(`"name":"a","version":1,"capabilities":["wat"],"fields":[]`),
			protocol.CodeInvalidCapability, "Invalid capability: wat", "resources[0].capabilities[0]"},
		{"exclude unknown", res(`"name":"a","version":1,"capabilities":{"exclude":["wat"]},"fields":[]`),
			protocol.CodeInvalidCapability, "Invalid capability: wat", "resources[0].capabilities.exclude[0]"},
		{"collision with schema-wide timestamps", `{"capabilities":["timestamps"],` + fld(`{"name":"createdAt","type":"date"}`)[1:],
			protocol.CodeCapFieldCollision, "Capability field collision: a.createdAt", "resources[0].fields[0].name"},
	})
}

func TestSchemaValidationOrder(t *testing.T) {
	runSchemaErrCases(t, []schemaErrCase{
		{"top-level keys before resources", `{"relations":[1],"resources":[{"name":"1"}]}`, "",
			"Invalid schema: relations is not supported yet", "relations"},
		{"resources before version", `{"version":"x","resources":[]}`, "", "Invalid schema: missing resources", "resources"},
		{"resource keys in table order", res(`"name":"a","version":0,"idPrefix":"","fields":[{"name":"1"}]`), "",
			"Invalid schema: resources[0].version must be a positive integer", "resources[0].version"},
		{"indices before fields", res(`"name":"a","version":1,"indices":["zz"],"fields":[{"name":"x","type":"text"}]`), "",
			"Invalid schema: unknown index field zz", "resources[0].indices[0]"},
		{"field keys in table order", fld(`{"name":"x","type":"number","required":1,"minLength":1}`), "",
			"Invalid schema: resources[0].fields[0].required must be boolean", "resources[0].fields[0].required"},
		{"default before later keys", fld(`{"name":"x","type":"number","max":1,"default":2,"unique":true}`), "",
			"Invalid schema: resources[0].fields[0].default does not satisfy the field rules", "resources[0].fields[0].default"},
		{"broken constraint reported when default cannot be judged", fld(`{"name":"x","type":"number","default":2,"max":"1"}`), "",
			"Invalid schema: resources[0].fields[0].max must be number", "resources[0].fields[0].max"},
		{"resource errors before cross-resource checks",
			`{"resources":[{"name":"a","version":1,"fields":[]},{"name":"a","version":1,"fields":[{"name":"x","type":"text"}]}]}`, "",
			"Invalid schema: unknown field type text", "resources[1].fields[0].type"},
		{"duplicate names before duplicate prefixes",
			`{"resources":[{"name":"a","version":1,"fields":[]},{"name":"b","version":1,"idPrefix":"a","fields":[]},{"name":"a","version":1,"idPrefix":"c","fields":[]}]}`, "",
			"Invalid schema: duplicate resource name a", "resources[2].name"},
	})
}

func TestSCH2_IndicesArrayForm(t *testing.T) {
	s := fixture(t)
	task := s.Resource("task")
	require.Equal(t, Indices{Base: []string{"status"}, Search: []string{}, Vector: []string{}}, task.Indices)
	require.Contains(t, string(s.NormalizedJSON()), `"indices":{"base":["status"],"search":[],"vector":[]}`)
	note := s.Resource("note")
	require.Contains(t, string(s.NormalizedJSON()), `"idPrefix":"n","indices":{"base":[],"search":[],"vector":[]}`)
	require.Equal(t, Indices{Base: []string{}, Search: []string{}, Vector: []string{}}, note.Indices)
}

func TestSCH3_TimestampsFields(t *testing.T) {
	s := fixture(t)
	note := s.Resource("note")
	require.Equal(t, []string{"timestamps"}, note.Capabilities)
	require.True(t, note.HasTimestamps())
	require.Len(t, note.Fields, 3)
	require.Equal(t, "body", note.Fields[0].Name)
	for i, name := range []string{"createdAt", "updatedAt"} {
		f := note.Fields[i+1]
		require.Equal(t, name, f.Name)
		require.Equal(t, i+1, note.FieldIndex(name))
		require.True(t, f.Capability)
		want := `{"default":null,"name":"` + name + `","nullable":true,"readonly":true,"required":false,"type":"date"}`
		require.Equal(t, want, string(appendCanonical(nil, f.normalized())))
	}
	require.False(t, s.Resource("task").HasTimestamps())
}

func TestNormalisedSchema(t *testing.T) {
	doc := `{"version":3,"capabilities":["timestamps"],"other":1,"resources":[
	  {"name":"t","version":2,"idPrefix":"x:","capabilities":{"exclude":["timestamps"]},"junk":true,
	   "fields":[{"name":"a","type":"id","maxLength":9},{"name":"id","type":"id","pattern":"^x:"}]}]}`
	s := mustSchema(t, doc)
	want := `{"resources":[{"capabilities":[],"fields":[` +
		`{"name":"id","nullable":false,"pattern":"^x:","readonly":false,"required":true,"type":"string"},` +
		`{"maxLength":9,"name":"a","nullable":false,"readonly":false,"required":false,"type":"string"}],` +
		`"idPrefix":"x","indices":{"base":[],"search":[],"vector":[]},"isRemoteOnly":false,"name":"t","version":2}],"version":3}`
	require.Equal(t, want, string(s.NormalizedJSON()))
	r := s.Resource("t")
	require.Equal(t, "x", r.Prefix)
	require.NotNil(t, r.IDField)
	require.Equal(t, -1, r.FieldIndex("id"))
	require.Equal(t, 0, r.FieldIndex("a"))
	require.Equal(t, TypeString, r.Fields[0].Type)
	require.Nil(t, s.Resource("nope"))
	require.Equal(t, 3, *s.Version)
}

func TestSchemaFromValue(t *testing.T) {
	s, err := FromValue(value.MustParse(fixtureS))
	require.NoError(t, err)
	require.Equal(t, fixture(t).Hash, s.Hash)
	_, err = FromValue(value.MustParse(`{}`))
	require.Error(t, err)
}

func TestSCH11_SchemaHash(t *testing.T) {
	a := fixture(t)
	require.Regexp(t, `^sha256:[0-9a-f]{64}$`, a.Hash)
	require.Equal(t, a.Hash, fixture(t).Hash, "same schema, same hash")

	// Equivalent spellings normalise to the same document.
	same := edit(t, fixtureS, `"idPrefix": "n"`, `"idPrefix": "n:", "ignored": [1]`)
	same = edit(t, same, `{ "name": "tags",   "type": "array" }`, `{ "type": "array", "name": "tags", "required": false }`)
	same = edit(t, same, `"indices": ["status"]`, `"indices": {"base": ["status"]}`)
	same = strings.Join(strings.Fields(same), "")
	require.Equal(t, a.Hash, mustSchema(t, same).Hash)
	require.Equal(t, a.NormalizedJSON(), mustSchema(t, same).NormalizedJSON())

	changed := mustSchema(t, edit(t, fixtureS, `"maxLength": 80`, `"maxLength": 81`))
	require.NotEqual(t, a.Hash, changed.Hash)
}

func TestSchemaAcceptsFixture(t *testing.T) {
	s := fixture(t)
	require.Len(t, s.Resources, 3)
	task := s.Resource("task")
	require.Equal(t, "task", task.Prefix)
	require.Len(t, task.Fields, 7)
	require.Equal(t, 2, task.FieldIndex("prio"))
	require.Equal(t, "active", task.Fields[1].Default.Str())
	require.True(t, task.Fields[0].Required)
	require.Equal(t, "n", s.Resource("note").Prefix)
	require.True(t, s.Resource("report").RemoteOnly)
	require.Equal(t, []string{}, task.Capabilities)
}
