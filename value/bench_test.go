package value

import "testing"

var benchRow = []byte(`{"id":"task:0001234","title":"title 0001234 with some words","status":"active","prio":3,` +
	`"tags":["home","urgent"],"meta":{"color":"red","size":3},"due":1700000000000,"code":"AB"}`)

func BenchmarkParseRow(b *testing.B) {
	b.SetBytes(int64(len(benchRow)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(benchRow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendJSONRow(b *testing.B) {
	v := MustParse(string(benchRow))
	b.SetBytes(int64(len(benchRow)))
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = AppendJSON(buf[:0], v)
	}
}
