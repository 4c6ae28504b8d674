package schema

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/value"
)

func TestRowObjectRoundTrip(t *testing.T) {
	task := fixture(t).Resource("task")
	cases := []struct{ in, out string }{
		{`{"id":"task:1","title":"A","status":"active"}`, `{"id":"task:1","title":"A","status":"active"}`},
		{`{"due":null,"title":"B","extra":[1],"id":"task:2","tags":["x"]}`, `{"id":"task:2","title":"B","tags":["x"],"due":null}`},
		{`{"id":"task:3","meta":{"b":1,"a":{"c":[]}},"prio":2.5,"code":"\u00e9\"😀"}`, `{"id":"task:3","prio":2.5,"meta":{"b":1,"a":{"c":[]}},"code":"é\"😀"}`},
		{`{"id":"task:4"}`, `{"id":"task:4"}`},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			fromObj := task.RowFromObject(value.MustParse(c.in))
			decoded, err := task.DecodeRow([]byte(c.in))
			require.NoError(t, err)
			require.Equal(t, c.out, task.RowObject(&fromObj).String())
			require.Equal(t, c.out, task.RowObject(&decoded).String())
			require.Equal(t, c.out, string(task.AppendRowJSON(nil, &decoded)))
			require.Equal(t, c.out, string(task.AppendRowJSON(nil, &fromObj)))
			require.Len(t, decoded.Vals, len(task.Fields))
		})
	}
}

func TestRowShortValsAndOrder(t *testing.T) {
	note := fixture(t).Resource("note")
	row := Row{ID: "n:1", Vals: []value.Value{value.Str("x")}}
	require.Equal(t, `{"id":"n:1","body":"x"}`, string(note.AppendRowJSON(nil, &row)))
	require.Equal(t, `{"id":"n:1","body":"x"}`, note.RowObject(&row).String())
	full, err := note.DecodeRow([]byte(`{"updatedAt":2,"createdAt":1,"body":"y","id":"n:2"}`))
	require.NoError(t, err)
	require.Equal(t, `{"id":"n:2","body":"y","createdAt":1,"updatedAt":2}`, string(note.AppendRowJSON([]byte("x"), &full))[1:])
	dup, err := note.DecodeRow([]byte(`{"id":"n:3","body":"a","body":"b"}`))
	require.NoError(t, err)
	require.Equal(t, "b", dup.Vals[0].Str(), "last duplicate key wins")
}

func TestDecodeRows(t *testing.T) {
	task := fixture(t).Resource("task")
	rows, err := task.DecodeRows([]byte(` [ {"id":"task:1","title":"a","status":"done"}, {"title":"b","id":"task:2","x":{"y":[1]}} ] `))
	require.NoError(t, err)
	require.Len(t, rows, 2)
	require.Equal(t, `{"id":"task:1","title":"a","status":"done"}`, string(task.AppendRowJSON(nil, &rows[0])))
	require.Equal(t, `{"id":"task:2","title":"b"}`, string(task.AppendRowJSON(nil, &rows[1])))

	rows, err = task.DecodeRows([]byte(`[]`))
	require.NoError(t, err)
	require.Empty(t, rows)
}

func TestDecodeRowErrors(t *testing.T) {
	task := fixture(t).Resource("task")
	for _, doc := range []string{`{"title":"a"}`, `{"id":1}`, `{"id":null}`} {
		_, err := task.DecodeRow([]byte(doc))
		require.ErrorIs(t, err, ErrRowID, doc)
	}
	for _, doc := range []string{`[]`, `{"id":"task:1"`, `{"id":"task:1"} {}`, `{"id":"task:1","title":}`, `{"id":"task:1","x":[}`} {
		_, err := task.DecodeRow([]byte(doc))
		require.ErrorIs(t, err, value.ErrSyntax, doc)
	}
	for _, doc := range []string{`{}`, `[{"id":"task:1"},]`, `[{"id":"task:1"}`, `[{"id":2}]`, `[1]`} {
		_, err := task.DecodeRows([]byte(doc))
		require.Error(t, err, doc)
	}
}

func TestDecodeRowEscapedAndNonASCIIKeys(t *testing.T) {
	task := fixture(t).Resource("task")
	row, err := task.DecodeRow([]byte(`{"\u0069d":"task:1","t\u0069tle":"x","é":1,"status":"done"}`))
	require.NoError(t, err)
	require.Equal(t, `{"id":"task:1","title":"x","status":"done"}`, string(task.AppendRowJSON(nil, &row)))
}
