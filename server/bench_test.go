//go:build !js

package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/server/sqlite"
	"github.com/datafn/datafn-go/server/storetest"
	"github.com/datafn/datafn-go/value"
)

// benchServer is a handler on a fresh SQLite store.
func benchServer(b *testing.B) (*server.Server, server.Store) {
	st, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	sc := storetest.Fixture(b)
	if err := st.Migrate(context.Background(), sc); err != nil {
		b.Fatal(err)
	}
	h, err := server.New(server.Config{Schema: sc, Store: st})
	if err != nil {
		b.Fatal(err)
	}
	return h, st
}

func serve(b *testing.B, h http.Handler, op, body string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/datafn/"+op, strings.NewReader(body)))
	if rec.Code != http.StatusOK {
		b.Fatalf("%s: %d %s", op, rec.Code, rec.Body)
	}
}

// pushBatch is a push of n inserts starting at id start.
func pushBatch(start, n int) string {
	var buf bytes.Buffer
	buf.WriteString(`{"clientId":"c1","mutations":[`)
	for i := start; i < start+n; i++ {
		if i > start {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `{"resource":"task","operation":"insert","id":"task:%07d","record":{"title":"row %d","prio":%d,"tags":["a","b"],"meta":{"k":%d}},"mutationId":"m%d"}`, i, i, i%6, i, i)
	}
	buf.WriteString("]}")
	return buf.String()
}

// BenchmarkPush500 pushes 500 inserts per request.
func BenchmarkPush500(b *testing.B) {
	h, _ := benchServer(b)
	for i := 0; b.Loop(); i++ {
		serve(b, h, "push", pushBatch(i*500, 500))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*500), "ns/mutation")
}

// BenchmarkClone10k clones a table of 10,000 rows.
func BenchmarkClone10k(b *testing.B) {
	h, st := benchServer(b)
	sc := storetest.Fixture(b)
	task := sc.Resource("task")
	err := st.Write(context.Background(), server.DefaultNamespace, func(tx server.WriteTx) error {
		for i := 0; i < 10000; i++ {
			row := value.MustParse(fmt.Sprintf(`{"id":"task:%07d","title":"row %d","prio":%d,"tags":["a","b"],"meta":{"k":%d}}`, i, i, i%6, i))
			if err := tx.Put(task, row.Get("id").Str(), row); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		serve(b, h, "clone", `{"clientId":"c1","tables":["task"]}`)
	}
}
