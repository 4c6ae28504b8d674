package engine_test

import (
	"fmt"
	"testing"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/value"
)

// BenchmarkLocalQuery measures a filtered, sorted, limited query over 10,000
// resident rows of a ready table.
func BenchmarkLocalQuery(b *testing.B) {
	e := newEnv(b, "")
	e.seed(ready("0", "task"))
	e.seed(func(tx engine.WriteTx) error {
		for i := 0; i < 10000; i++ {
			st := []string{"active", "done"}[i%2]
			row := fmt.Sprintf(`{"id":"task:%05d","title":"t%d","status":"%s","prio":%d}`, i, i%97, st, i%5)
			if err := tx.PutRow("task", value.MustParse(row)); err != nil {
				return err
			}
		}
		return nil
	})
	tb := e.table("task")
	q := value.MustParse(`{"filters":{"status":"active","prio":{"$gte":2}},"sort":["title:desc"],"limit":50}`)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tb.Query(bg, q); err != nil {
			b.Fatal(err)
		}
	}
}
