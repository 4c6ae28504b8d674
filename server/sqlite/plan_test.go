//go:build !js

package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/server/sqlite"
	"github.com/datafn/datafn-go/server/sqlq"
	"github.com/datafn/datafn-go/server/storetest"
	"github.com/datafn/datafn-go/value"
)

// TestIndexUsed checks that a filter on a selective indices.base field is
// answered through its expression index once statistics exist (they are
// refreshed when the store opens).
func TestIndexUsed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.db")
	st, err := sqlite.Open(path)
	require.NoError(t, err)
	sc := storetest.Fixture(t)
	ctx := context.Background()
	require.NoError(t, st.Migrate(ctx, sc))
	task := sc.Resource("task")
	require.NoError(t, st.Write(ctx, "ns", func(tx server.WriteTx) error {
		for i := 0; i < 3000; i++ {
			id := fmt.Sprintf("task:%d", i)
			row := value.MustParse(fmt.Sprintf(`{"id":%q,"title":"t","status":"s%d"}`, id, i))
			if err := tx.Put(task, id, row); err != nil {
				return err
			}
		}
		return nil
	}))
	require.NoError(t, st.Close())
	st, err = sqlite.Open(path)
	require.NoError(t, err)
	defer st.Close()

	q, perr := dfql.ParseQuery(sc, value.MustParse(`{"resource":"task","filters":{"status":"s7"}}`), dfql.Options{})
	require.Nil(t, perr)
	stmt := sqlq.RowsSQL(q, sqlq.SQLite, "ns")
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query("EXPLAIN QUERY PLAN "+stmt.SQL, stmt.Args...)
	require.NoError(t, err)
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
		plan = append(plan, detail)
	}
	require.Contains(t, strings.Join(plan, "\n"), "USING INDEX datafn_ix_")
}
