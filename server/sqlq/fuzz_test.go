package sqlq

import (
	"bytes"
	"testing"

	"github.com/datafn/datafn-go/value"
)

// FuzzJSONBatch decodes a batch of stored JSON documents (NUL separates
// them; a document "NULL" stands for SQL NULL) the way the SQLite and
// PostgreSQL stores read a page of rows, and compares it with parsing each
// document on its own (after dropping a leading jsonb version byte 1). The
// batch decodes exactly when every document parses, to the same values, and
// SQL NULL gives Absent. A corrupt document must never shift the values of
// the rows after it.
func FuzzJSONBatch(f *testing.F) {
	f.Add([]byte("{\"id\":\"task:1\",\"status\":\"active\"}\x00NULL\x00\x01{\"id\":\"task:2\",\"status\":\"active\"}"))
	f.Add([]byte("1,2\x003"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var b JSONBatch
		var want []value.Value
		ok := true
		for _, doc := range bytes.Split(data, []byte{0}) {
			if string(doc) == "NULL" {
				b.Add(nil)
				want = append(want, value.Value{})
				continue
			}
			b.Add(doc)
			if len(doc) > 0 && doc[0] == 1 {
				doc = doc[1:]
			}
			v, err := value.Parse(doc)
			ok = ok && err == nil
			want = append(want, v)
		}
		got, err := b.Decode()
		if ok != (err == nil) {
			t.Fatalf("documents parse: %v, batch error: %v (%q)", ok, err, data)
		}
		if err != nil {
			return
		}
		if len(got) != len(want) {
			t.Fatalf("%d values for %d documents", len(got), len(want))
		}
		for i := range want {
			if want[i].IsAbsent() != got[i].IsAbsent() || want[i].String() != got[i].String() {
				t.Fatalf("document %d: %s, want %s", i, got[i], want[i])
			}
		}
	})
}
