package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/server/postgres"
	"github.com/datafn/datafn-go/server/sqlq"
	"github.com/datafn/datafn-go/server/storetest"
	"github.com/datafn/datafn-go/value"
)

// TestIndexUsed checks that filters on an indices.base field (string and
// number) are answered through its expression index.
func TestIndexUsed(t *testing.T) {
	url := testDB(t)
	ctx := context.Background()
	st, err := postgres.Open(ctx, url)
	require.NoError(t, err)
	defer st.Close()
	doc := strings.Replace(storetest.FixtureSchema, `"indices": ["status"]`, `"indices": ["status", "prio"]`, 1)
	sc, err := parseSchema(doc)
	require.NoError(t, err)
	require.NoError(t, st.Migrate(ctx, sc))
	task := sc.Resource("task")
	require.NoError(t, st.Write(ctx, "ns", func(tx server.WriteTx) error {
		for i := 0; i < 3000; i++ {
			id := fmt.Sprintf("task:%d", i)
			row := value.MustParse(fmt.Sprintf(`{"id":%q,"title":"t","status":"s%d","prio":%d}`, id, i, i))
			if err := tx.Put(task, id, row); err != nil {
				return err
			}
		}
		return nil
	}))
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "ANALYZE datafn_rows")
	require.NoError(t, err)
	for _, qs := range []string{`{"resource":"task","filters":{"status":"s7"}}`, `{"resource":"task","filters":{"prio":{"$eq":7}}}`} {
		q, perr := dfql.ParseQuery(sc, value.MustParse(qs), dfql.Options{})
		require.Nil(t, perr)
		stmt := sqlq.RowsSQL(q, sqlq.Postgres, "ns")
		rows, err := conn.Query(ctx, "EXPLAIN "+stmt.SQL, stmt.Args...)
		require.NoError(t, err)
		var plan []string
		for rows.Next() {
			var line string
			require.NoError(t, rows.Scan(&line))
			plan = append(plan, line)
		}
		require.NoError(t, rows.Err())
		require.Contains(t, strings.Join(plan, "\n"), "datafn_ix_", qs)
	}
}

func parseSchema(doc string) (*schema.Schema, error) { return schema.Parse([]byte(doc)) }
