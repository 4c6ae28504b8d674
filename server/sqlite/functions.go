//go:build !js

package sqlite

import (
	"database/sql/driver"
	"sync"

	"github.com/datafn/datafn-go/server/sqlq"
	msqlite "modernc.org/sqlite"
)

var registerOnce sync.Once

// registerFunctions registers datafn_ilike(value, pattern): $ilike of §4.5
// with the case folding of §3.6 (unicode.ToLower per code point), which
// SQLite's own LIKE cannot do. It returns NULL for a non-text value, so the
// SQL around it decides what a non-string means.
func registerFunctions() {
	registerOnce.Do(func() {
		msqlite.MustRegisterDeterministicScalarFunction("datafn_ilike", 2,
			func(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
				s, ok1 := args[0].(string)
				p, ok2 := args[1].(string)
				if !ok1 || !ok2 {
					return nil, nil
				}
				if sqlq.ILike(s, p) {
					return int64(1), nil
				}
				return int64(0), nil
			})
	})
}
