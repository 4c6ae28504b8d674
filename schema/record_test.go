package schema

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// validateInsert runs steps 3-7 the way the mutation validator does.
func validateInsert(r *Resource, id value.Value, record string) (value.Value, *protocol.Error) {
	if err := r.ValidateID(id); err != nil {
		return value.Value{}, err
	}
	return r.ValidateRecord(OpInsert, id.Str(), value.MustParse(record))
}

func TestM10_InsertValidation(t *testing.T) {
	task := fixture(t).Resource("task")
	task1 := value.Str("task:1")
	cases := []struct {
		name   string
		id     value.Value
		record string
		code   protocol.Code
		msg    string
		path   string
	}{
		{"title not string", task1, `{"title":5}`, "", "Invalid DFQL: record.title must be string", "record.title"},
		{"status not in enum", task1, `{"title":"x","status":"paused"}`, "", "Invalid DFQL: record.status is not an allowed value", "record.status"},
		{"prio above max", task1, `{"title":"x","prio":6}`, "", "Invalid DFQL: record.prio must be <= 5", "record.prio"},
		{"prio below min", task1, `{"title":"x","prio":-1}`, "", "Invalid DFQL: record.prio must be >= 0", "record.prio"},
		{"title too long", task1, `{"title":"` + strings.Repeat("a", 81) + `"}`, "", "Invalid DFQL: record.title length must be <= 80", "record.title"},
		{"code too short", task1, `{"title":"x","code":"A"}`, "", "Invalid DFQL: record.code length must be >= 2", "record.code"},
		{"code pattern", task1, `{"title":"x","code":"ab"}`, "", "Invalid DFQL: record.code does not match pattern", "record.code"},
		{"due not date", task1, `{"title":"x","due":"2026-01-01"}`, "", "Invalid DFQL: record.due must be date", "record.due"},
		{"title required", task1, `{"status":"done"}`, "", "Invalid DFQL: record.title is required", "record.title"},
		{"title null", task1, `{"title":null}`, "", "Invalid DFQL: record.title must not be null", "record.title"},
		{"unknown field", task1, `{"title":"x","color":"red"}`, protocol.CodeUnknownField, "Unknown field: record.color", "record.color"},
		{"unknown field first", task1, `{"color":"red","title":5}`, protocol.CodeUnknownField, "Unknown field: record.color", "record.color"},
		{"wrong prefix", value.Str("todo:1"), `{"title":"x"}`, "", "Invalid id: does not match required prefix", "id"},
		{"nothing after prefix", value.Str("task:"), `{"title":"x"}`, "", "Invalid id: does not match required prefix", "id"},
		{"id too long", value.Str("task:" + strings.Repeat("a", 251)), `{"title":"x"}`, "", "Invalid DFQL: id must be at most 255 characters", "id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := validateInsert(task, c.id, c.record)
			require.NotNil(t, err)
			code := c.code
			if code == "" {
				code = protocol.CodeInvalid
			}
			require.Equal(t, code, err.Code)
			require.Equal(t, c.msg, err.Message)
			require.Equal(t, c.path, err.Path)
		})
	}
}

func TestValidateIDRules(t *testing.T) {
	s := mustSchema(t, `{"resources":[{"name":"t","version":1,"idPrefix":"x:","fields":[
		{"name":"id","type":"id","minLength":4,"maxLength":6,"pattern":"^x:[0-9]+$"}]}]}`)
	r := s.Resource("t")
	cases := []struct {
		id   value.Value
		msg  string
		path string
	}{
		{value.Value{}, "Invalid DFQL: id must be string", "id"},
		{value.Num(1), "Invalid DFQL: id must be string", "id"},
		{value.Str("t:1"), "Invalid id: does not match required prefix", "id"},
		{value.Str("x:"), "Invalid id: does not match required prefix", "id"},
		{value.Str("x:1"), "Invalid DFQL: id length must be >= 4", "id"},
		{value.Str("x:12345"), "Invalid DFQL: id length must be <= 6", "id"},
		{value.Str("x:ab"), "Invalid DFQL: id does not match pattern", "id"},
		{value.Str("x:12"), "", ""},
		{value.Str("x:😀😀😀😀"), "Invalid DFQL: id does not match pattern", "id"},
	}
	for _, c := range cases {
		err := r.ValidateID(c.id)
		if c.msg == "" {
			require.Nil(t, err, c.id.String())
			continue
		}
		require.NotNil(t, err, c.id.String())
		require.Equal(t, c.msg, err.Message)
		require.Equal(t, c.path, err.Path)
	}
	// 255 code points of four bytes each are accepted; 256 are not.
	task := fixture(t).Resource("task")
	require.Nil(t, task.ValidateID(value.Str("task:"+strings.Repeat("😀", 250))))
	require.NotNil(t, task.ValidateID(value.Str("task:"+strings.Repeat("😀", 251))))
}

func TestRecordLengthsInCodePoints(t *testing.T) {
	s := mustSchema(t, `{"resources":[{"name":"t","version":1,"fields":[
		{"name":"s","type":"string","minLength":1,"maxLength":2},
		{"name":"a","type":"array","maxLength":1}]}]}`)
	r := s.Resource("t")
	ok := []string{`{"s":"😀"}`, `{"s":"😀😀"}`, `{"s":"Äa"}`, `{"a":[[1,2,3]]}`}
	for _, rec := range ok {
		_, err := r.ValidateRecord(OpInsert, "t:1", value.MustParse(rec))
		require.Nil(t, err, rec)
	}
	_, err := r.ValidateRecord(OpInsert, "t:1", value.MustParse(`{"s":"😀😀😀"}`))
	require.Equal(t, "Invalid DFQL: record.s length must be <= 2", err.Message)
	_, err = r.ValidateRecord(OpInsert, "t:1", value.MustParse(`{"s":""}`))
	require.Equal(t, "Invalid DFQL: record.s length must be >= 1", err.Message)
	_, err = r.ValidateRecord(OpInsert, "t:1", value.MustParse(`{"a":[1,2]}`))
	require.Equal(t, "Invalid DFQL: record.a length must be <= 1", err.Message)
}

func TestValidateRecordShapes(t *testing.T) {
	s := fixture(t)
	task, note := s.Resource("task"), s.Resource("note")
	cases := []struct {
		name   string
		r      *Resource
		op, id string
		record string
		want   string // cleaned record, or the error message
		path   string
	}{
		{"not an object", task, OpInsert, "task:1", `[1]`, "Invalid DFQL: record must be object", "record"},
		{"record.id differs", task, OpInsert, "task:1", `{"id":"task:2","title":"x"}`, "Invalid DFQL: record.id must match id", "record.id"},
		{"record.id not string", task, OpMerge, "task:1", `{"id":1}`, "Invalid DFQL: record.id must match id", "record.id"},
		{"unknown keys in code point order", task, OpInsert, "task:1", `{"zeta":1,"Zed":2,"title":"x"}`, "Unknown field: record.Zed", "record.Zed"},
		{"unknown before record.id", task, OpInsert, "task:1", `{"id":"task:2","x":1}`, "Unknown field: record.x", "record.x"},
		{"schema order", task, OpInsert, "task:1", `{"prio":6,"title":5}`, "Invalid DFQL: record.title must be string", "record.title"},
		{"fields in schema order, id dropped", task, OpInsert, "task:1", `{"due":1,"id":"task:1","title":"x"}`, `{"title":"x","due":1}`, ""},
		{"merge needs no required field", task, OpMerge, "task:1", `{"status":"done"}`, `{"status":"done"}`, ""},
		{"replace checks required", task, OpReplace, "task:1", `{"status":"done"}`, "Invalid DFQL: record.title is required", "record.title"},
		{"nullable accepts null", task, OpInsert, "task:1", `{"title":"x","prio":null,"due":null}`, `{"title":"x","prio":null,"due":null}`, ""},
		{"object field", task, OpInsert, "task:1", `{"title":"x","meta":[1]}`, "Invalid DFQL: record.meta must be object", "record.meta"},
		{"array field", task, OpInsert, "task:1", `{"title":"x","tags":{}}`, "Invalid DFQL: record.tags must be array", "record.tags"},
		{"date not integer", task, OpInsert, "task:1", `{"title":"x","due":1.5}`, "Invalid DFQL: record.due must be date", "record.due"},
		{"date out of range", task, OpInsert, "task:1", `{"title":"x","due":8640000000000001}`, "Invalid DFQL: record.due must be date", "record.due"},
		{"date at range edge", task, OpInsert, "task:1", `{"title":"x","due":-8640000000000000}`, `{"title":"x","due":-8640000000000000}`, ""},
		{"readonly fields dropped unchecked", note, OpInsert, "n:1", `{"body":"x","createdAt":"junk"}`, `{"body":"x"}`, ""},
		{"delete ignores the record", task, OpDelete, "task:1", `5`, ``, ""},
		{"unknown operation", task, "upsert", "task:1", `{}`, "Unsupported DFQL feature: mutation.operation.upsert", "operation"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.r.ValidateRecord(c.op, c.id, value.MustParse(c.record))
			if c.path != "" {
				require.NotNil(t, err)
				require.Equal(t, c.want, err.Message)
				require.Equal(t, c.path, err.Path)
				return
			}
			require.Nil(t, err)
			if c.want == "" {
				require.True(t, got.IsAbsent())
				return
			}
			require.Equal(t, c.want, got.String())
		})
	}
}

func TestBooleanAndJSONFields(t *testing.T) {
	s := mustSchema(t, `{"resources":[{"name":"t","version":1,"fields":[
		{"name":"b","type":"boolean"},{"name":"j","type":"json","required":true,"nullable":true},
		{"name":"n","type":"number","enum":[1,2.5]}]}]}`)
	r := s.Resource("t")
	_, err := r.ValidateRecord(OpInsert, "t:1", value.MustParse(`{"b":1,"j":1}`))
	require.Equal(t, "Invalid DFQL: record.b must be boolean", err.Message)
	_, err = r.ValidateRecord(OpInsert, "t:1", value.MustParse(`{"j":null}`))
	require.Nil(t, err, "an explicit null satisfies a nullable required field")
	_, err = r.ValidateRecord(OpInsert, "t:1", value.MustParse(`{"j":{"a":[1]},"n":2.5}`))
	require.Nil(t, err)
	_, err = r.ValidateRecord(OpInsert, "t:1", value.MustParse(`{"j":1,"n":2}`))
	require.Equal(t, "Invalid DFQL: record.n is not an allowed value", err.Message)
	_, err = r.ValidateRecord(OpInsert, "t:1", value.MustParse(`{"b":true}`))
	require.Equal(t, "Invalid DFQL: record.j is required", err.Message)
}

func TestWithDefaults(t *testing.T) {
	s := fixture(t)
	task, note := s.Resource("task"), s.Resource("note")
	require.Equal(t, `{"title":"A","status":"active"}`, task.WithDefaults(value.MustParse(`{"title":"A"}`)).String())
	require.Equal(t, `{"status":"done","title":"A"}`, task.WithDefaults(value.MustParse(`{"status":"done","title":"A"}`)).String())
	require.Equal(t, `{"body":"x","createdAt":null,"updatedAt":null}`, note.WithDefaults(value.MustParse(`{"body":"x"}`)).String())
	require.Equal(t, `{"status":"active"}`, task.WithDefaults(value.Obj(nil, nil)).String())
	require.Equal(t, `{"status":"active"}`, task.WithDefaults(value.Value{}).String())
}

func TestInsertRequiredSatisfiedByDefault(t *testing.T) {
	s := mustSchema(t, `{"resources":[{"name":"t","version":1,"fields":[
		{"name":"s","type":"string","required":true,"default":"d"},{"name":"id","type":"string"}]}]}`)
	got, err := s.Resource("t").ValidateRecord(OpInsert, "t:1", value.MustParse(`{}`))
	require.Nil(t, err)
	require.Equal(t, `{}`, got.String())
}

func TestWritable(t *testing.T) {
	s := fixture(t)
	require.True(t, s.Resource("task").Writable("title"))
	require.False(t, s.Resource("task").Writable("id"))
	require.False(t, s.Resource("task").Writable("nope"))
	require.True(t, s.Resource("note").Writable("body"))
	require.False(t, s.Resource("note").Writable("createdAt"))
	require.Equal(t, "prio", s.Resource("task").Field("prio").Name)
	require.Nil(t, s.Resource("task").Field("id"))
	readonly := mustSchema(t, fld(`{"name":"x","type":"string","readonly":true}`))
	require.False(t, readonly.Resource("a").Writable("x"))
}
