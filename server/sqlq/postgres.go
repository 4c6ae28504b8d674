package sqlq

import (
	"strings"

	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// Postgres is the dialect of server/postgres: data is jsonb; strings are
// compared as text COLLATE "C" (code point order), numbers and booleans as
// jsonb (numeric, false < true), kinds tested with jsonb_typeof. $ilike folds
// both sides with datafn_fold, a translate() over Go's unicode.ToLower table
// that server/postgres creates.
var Postgres Dialect = pgDialect{}

type pgDialect struct{}

func (pgDialect) Placeholder(n int) string { return "$" + itoa(n) }
func (pgDialect) NoLimit() any             { return nil }

// pgAccess is the jsonb access expression of a field and its segments, and
// the same ending in ->> (text, NULL for JSON null).
func pgAccess(field string, path []string) (acc, txt string) {
	segs := append([]string{field}, path...)
	acc = "data"
	for _, s := range segs[:len(segs)-1] {
		acc += " -> " + Quote(s)
	}
	last := Quote(segs[len(segs)-1])
	return "(" + acc + " -> " + last + ")", "(" + acc + " ->> " + last + ")"
}

func (pgDialect) Doc(res *schema.Resource, field int, path []string) Val {
	if field == dfql.IDField {
		return pgScalar{column{expr: "id", kind: value.String, notNull: true}}
	}
	acc, txt := pgAccess(res.Fields[field].Name, path)
	k := value.Object // dotted paths are never sorted
	if path == nil {
		k = fieldKind(res, field)
	}
	return pgDoc{acc: acc, txt: txt, kind: k}
}

func (pgDialect) Column(expr string, k value.Kind) Val { return pgScalar{column{expr: expr, kind: k}} }

// pgTyped is a field as a typed SQL scalar, NULL when null or of another
// kind: text COLLATE "C", float8 or boolean.
func pgTyped(d pgDoc, k value.Kind) string {
	switch k {
	case value.String:
		return "(CASE WHEN " + d.Kind(k) + " THEN " + d.txt + " END) COLLATE \"C\""
	case value.Number:
		return "CASE WHEN " + d.Kind(k) + " THEN " + d.txt + "::float8 END"
	case value.Bool:
		return "CASE WHEN " + d.Kind(k) + " THEN " + d.txt + "::boolean END"
	}
	return "NULL"
}

func (p pgDialect) GroupKey(res *schema.Resource, field int) (string, value.Kind) {
	if field == dfql.IDField {
		return "id", value.String
	}
	k := fieldKind(res, field)
	return pgTyped(p.Doc(res, field, nil).(pgDoc), k), k
}

func (p pgDialect) Agg(res *schema.Resource, a dfql.Agg) (string, value.Kind) {
	if a.Field == dfql.AggStar || (a.Field == dfql.IDField && a.Op == dfql.AggCount) {
		return "COUNT(*)::float8", value.Number
	}
	if a.Field == dfql.IDField {
		return strings.ToUpper(string(a.Op)) + "(id)", value.String
	}
	d := p.Doc(res, a.Field, nil).(pgDoc)
	switch a.Op {
	case dfql.AggCount:
		return "COUNT(" + d.txt + ")::float8", value.Number
	case dfql.AggSum:
		return "SUM(" + pgTyped(d, value.Number) + ")", value.Number
	case dfql.AggAvg:
		return "AVG(" + pgTyped(d, value.Number) + ")", value.Number
	}
	k := fieldKind(res, a.Field)
	fn := strings.ToUpper(string(a.Op))
	if k == value.Bool {
		fn = map[dfql.AggOp]string{dfql.AggMin: "BOOL_AND", dfql.AggMax: "BOOL_OR"}[a.Op]
	}
	return fn + "(" + pgTyped(d, k) + ")", k
}

// pgJSONArg is a scalar parameter as jsonb (sent as text, cast in SQL).
func pgJSONArg(b *Builder, x value.Value) string {
	return b.Arg(string(value.AppendJSON(nil, x))) + "::text::jsonb"
}

// likeEscape escapes LIKE metacharacters for ESCAPE '\'.
var likeEscape = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// pgText holds the string operations on a text expression.
type pgText struct{ e string }

func (t pgText) c() string { return "(" + t.e + ") COLLATE \"C\"" }
func (t pgText) Contains(b *Builder, s string) string {
	return "strpos(" + t.c() + ", " + b.Arg(s) + ") > 0"
}
func (t pgText) Prefix(b *Builder, s string) string {
	return t.c() + " LIKE " + b.Arg(likeEscape.Replace(s)+"%") + ` ESCAPE '\'`
}
func (t pgText) Suffix(b *Builder, s string) string {
	return t.c() + " LIKE " + b.Arg("%"+likeEscape.Replace(s)) + ` ESCAPE '\'`
}
func (t pgText) Like(b *Builder, p string) string {
	return t.c() + " LIKE " + b.Arg(p) + " ESCAPE ''"
}
func (t pgText) ILike(b *Builder, p string) string {
	return "datafn_fold(" + t.e + ") COLLATE \"C\" LIKE " + b.Arg(Fold(p)) + " ESCAPE ''"
}

// pgDoc is a jsonb value inside data; kind is the field type's kind.
type pgDoc struct {
	acc, txt string
	kind     value.Kind
}

func (d pgDoc) Kind(k value.Kind) string {
	t := "jsonb_typeof" + d.acc
	switch k {
	case value.String:
		return t + " = 'string'"
	case value.Number:
		return t + " = 'number'"
	case value.Bool:
		return t + " = 'boolean'"
	case value.Array:
		return t + " = 'array'"
	case value.Object:
		return t + " = 'object'"
	}
	return "FALSE"
}

func (d pgDoc) Null() string { return d.txt + " IS NULL" }

func (d pgDoc) Cmp(b *Builder, op string, x value.Value) string {
	if x.Kind() == value.String {
		return pgText{d.txt}.c() + " " + op + " " + b.Arg(x.Str())
	}
	return d.acc + " " + op + " " + pgJSONArg(b, x)
}
func (d pgDoc) Contains(b *Builder, s string) string { return pgText{d.txt}.Contains(b, s) }
func (d pgDoc) Prefix(b *Builder, s string) string   { return pgText{d.txt}.Prefix(b, s) }
func (d pgDoc) Suffix(b *Builder, s string) string   { return pgText{d.txt}.Suffix(b, s) }
func (d pgDoc) Like(b *Builder, p string) string     { return pgText{d.txt}.Like(b, p) }
func (d pgDoc) ILike(b *Builder, p string) string    { return pgText{d.txt}.ILike(b, p) }
func (d pgDoc) ArrayEmpty() string                   { return d.acc + " = '[]'::jsonb" }

func (d pgDoc) ArrayHas(b *Builder, x value.Value) string {
	if x.IsAbsent() {
		x = value.NullValue
	}
	return d.acc + " @> jsonb_build_array(" + pgJSONArg(b, x) + ")"
}

// Order sorts string fields as text in code point order (the expression
// of their index), other fields as jsonb (numeric order, false < true).
func (d pgDoc) Order() string {
	if d.kind == value.String {
		return pgText{d.txt}.c()
	}
	// JSON null and absent must tie (the id decides), so both are NULL.
	return "NULLIF(" + d.acc + ", 'null'::jsonb)"
}

// pgScalar is a plain SQL scalar: the id column or a group column.
type pgScalar struct{ column }

// Cmp is FALSE for an operand of another kind: the SQL must still type
// check (text operators do not apply to float8), though Kind already fails.
func (s pgScalar) Cmp(b *Builder, op string, x value.Value) string {
	if x.Kind() != s.kind {
		return "FALSE"
	}
	switch x.Kind() {
	case value.String:
		return pgText{s.expr}.c() + " " + op + " " + b.Arg(x.Str())
	case value.Bool:
		return "(" + s.expr + ") " + op + " " + b.Arg(x.Bool())
	}
	return "(" + s.expr + ") " + op + " " + b.Arg(x.Num())
}

// text is the column's string operations, nil for a column of another kind.
func (s pgScalar) text() *pgText {
	if s.kind != value.String {
		return nil
	}
	return &pgText{s.expr}
}

func (s pgScalar) Contains(b *Builder, x string) string {
	if t := s.text(); t != nil {
		return t.Contains(b, x)
	}
	return "FALSE"
}

func (s pgScalar) Prefix(b *Builder, x string) string {
	if t := s.text(); t != nil {
		return t.Prefix(b, x)
	}
	return "FALSE"
}

func (s pgScalar) Suffix(b *Builder, x string) string {
	if t := s.text(); t != nil {
		return t.Suffix(b, x)
	}
	return "FALSE"
}

func (s pgScalar) Like(b *Builder, p string) string {
	if t := s.text(); t != nil {
		return t.Like(b, p)
	}
	return "FALSE"
}

func (s pgScalar) ILike(b *Builder, p string) string {
	if t := s.text(); t != nil {
		return t.ILike(b, p)
	}
	return "FALSE"
}
