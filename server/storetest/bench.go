package storetest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/value"
)

// Raw is the baseline a backend's benchmark measures the store against:
// the same rows written and read with plain SQL on the same database.
type Raw interface {
	// Insert writes the rows with one plain INSERT each, in one
	// transaction, into a table shaped like the store's rows table.
	Insert(ctx context.Context, ns string, ids []string, data [][]byte) error
	// SelectRows reads the data column of n rows of resource ordered by id.
	SelectRows(ctx context.Context, ns, resource string, n int) (int, error)
	// SelectChanges reads n change rows of resource ordered by seq.
	SelectChanges(ctx context.Context, ns, resource string, n int) (int, error)
}

// benchRow is a typical task row.
func benchRow(id string, i int) value.Value {
	return value.MustParse(fmt.Sprintf(`{"id":%q,"title":"task number %d","status":"active","prio":%d,`+
		`"tags":["home","urgent"],"meta":{"color":"red","size":3},"due":1700000000000}`, id, i, i%5))
}

// timeIt runs fn n times and returns the time per call.
func timeIt(n int, fn func(i int) error) (time.Duration, error) {
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := fn(i); err != nil {
			return 0, err
		}
	}
	return time.Since(start) / time.Duration(n), nil
}

// reportRatio reports rows/s of the store and of the baseline and their
// ratio (store speed / raw speed; 1 means as fast as plain SQL).
func reportRatio(b *testing.B, rows int, store, raw time.Duration) {
	b.ReportMetric(float64(rows)/store.Seconds(), "rows/s")
	b.ReportMetric(float64(rows)/raw.Seconds(), "raw-rows/s")
	b.ReportMetric(raw.Seconds()/store.Seconds(), "x-raw")
}

// BenchPush measures push-like writes (Put + AppendChange + PutIdempotency
// per row, one Write per batch) against plain INSERTs of the same rows in
// one transaction, at batch sizes 1, 100 and 500.
func BenchPush(b *testing.B, st server.Store, raw Raw) {
	ctx := context.Background()
	sc := Fixture(b)
	if err := st.Migrate(ctx, sc); err != nil {
		b.Fatal(err)
	}
	task := sc.Resource("task")
	for _, batch := range []int{1, 100, 500} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			ns := Namespace(b)
			rows := make([]value.Value, batch)
			data := make([][]byte, batch)
			ids := make([]string, batch)
			prep := func(i int) {
				for k := range rows {
					ids[k] = fmt.Sprintf("task:%d-%d", i, k)
					rows[k] = benchRow(ids[k], k)
					data[k] = rows[k].JSON()
				}
			}
			b.ResetTimer()
			storeT, err := timeIt(b.N, func(i int) error {
				prep(i)
				return st.Write(ctx, ns, func(tx server.WriteTx) error { return pushBatch(tx, task, ids, rows) })
			})
			if err != nil {
				b.Fatal(err)
			}
			rawT, err := timeIt(b.N, func(i int) error {
				prep(i)
				return raw.Insert(ctx, ns, ids, data)
			})
			if err != nil {
				b.Fatal(err)
			}
			reportRatio(b, batch, storeT, rawT)
		})
	}
}

func pushBatch(tx server.WriteTx, res *schema.Resource, ids []string, rows []value.Value) error {
	for k, row := range rows {
		if err := tx.Put(res, ids[k], row); err != nil {
			return err
		}
		if _, err := tx.AppendChange(res.Name, ids[k], "insert", row); err != nil {
			return err
		}
		if err := tx.PutIdempotency("bench", ids[k], []byte(`{"ok":true,"mutationId":"m","affectedIds":[],"errors":[],"deduped":false}`)); err != nil {
			return err
		}
	}
	return nil
}

// BenchRead measures Scan and Changes of 1000 rows in one Read against a
// raw SELECT of the same rows.
func BenchRead(b *testing.B, st server.Store, raw Raw) {
	const n = 1000
	ctx := context.Background()
	sc := Fixture(b)
	if err := st.Migrate(ctx, sc); err != nil {
		b.Fatal(err)
	}
	task := sc.Resource("task")
	ns := Namespace(b)
	ids := make([]string, n)
	rows := make([]value.Value, n)
	for k := range rows {
		ids[k] = fmt.Sprintf("task:%05d", k)
		rows[k] = benchRow(ids[k], k)
	}
	if err := st.Write(ctx, ns, func(tx server.WriteTx) error { return pushBatch(tx, task, ids, rows) }); err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name  string
		store func(tx server.ReadTx) (int, error)
		raw   func() (int, error)
	}{
		{"Scan", func(tx server.ReadTx) (int, error) {
			r, err := tx.Scan(task, nil, n)
			return len(r), err
		}, func() (int, error) { return raw.SelectRows(ctx, ns, "task", n) }},
		{"ScanRaw", func(tx server.ReadTx) (int, error) {
			rs, ok := tx.(server.RawScanner)
			if !ok {
				return n, nil
			}
			got := 0
			err := rs.ScanRaw(task, nil, n, func(string, []byte) error { got++; return nil })
			return got, err
		}, func() (int, error) { return raw.SelectRows(ctx, ns, "task", n) }},
		{"Changes", func(tx server.ReadTx) (int, error) {
			c, err := tx.Changes(map[string]int64{"task": 0}, n)
			return len(c), err
		}, func() (int, error) { return raw.SelectChanges(ctx, ns, "task", n) }},
	}
	b.Run("PullHandler", func(b *testing.B) { benchPullHandler(b, st, raw, ns, n) })
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			check := func(got int, err error) error {
				if err == nil && got != n {
					err = fmt.Errorf("read %d rows, want %d", got, n)
				}
				return err
			}
			storeT, err := timeIt(b.N, func(int) error {
				return st.Read(ctx, ns, func(tx server.ReadTx) error { return check(c.store(tx)) })
			})
			if err != nil {
				b.Fatal(err)
			}
			rawT, err := timeIt(b.N, func(int) error { return check(c.raw()) })
			if err != nil {
				b.Fatal(err)
			}
			reportRatio(b, n, storeT, rawT)
		})
	}
}

// fixedNamespace authenticates every request into one namespace.
type fixedNamespace string

func (f fixedNamespace) Namespace(string, int64) (string, bool) { return string(f), true }

// benchPullHandler measures a whole /pull of n changes through the HTTP
// handler (request parse, window, fold, response encoding) against a raw
// SELECT of the same change rows: the "pull rows/s" of the server.
func benchPullHandler(b *testing.B, st server.Store, raw Raw, ns string, n int) {
	ctx := context.Background()
	h, err := server.New(server.Config{Schema: Fixture(b), Store: st, Auth: fixedNamespace(ns)})
	if err != nil {
		b.Fatal(err)
	}
	body := fmt.Sprintf(`{"clientId":"bench","cursors":{"task":"0"},"limit":%d}`, n)
	storeT, err := timeIt(b.N, func(int) error {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/datafn/pull", strings.NewReader(body)))
		if rec.Code != http.StatusOK || rec.Body.Len() < n*50 {
			return fmt.Errorf("pull: %d %.200s", rec.Code, rec.Body)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	rawT, err := timeIt(b.N, func(int) error {
		got, err := raw.SelectChanges(ctx, ns, "task", n)
		if err == nil && got != n {
			err = fmt.Errorf("read %d rows, want %d", got, n)
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	reportRatio(b, n, storeT, rawT)
}
