package sqlq

import (
	"strings"

	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// SQLite is the dialect of server/sqlite: data is JSON text read with
// json_extract (strings as TEXT in BINARY collation, i.e. code point order;
// numbers as INTEGER/REAL; booleans as 0/1) and typed with json_type.
// $like maps to GLOB (case-sensitive), $ilike to the Go function
// datafn_ilike that server/sqlite registers.
var SQLite Dialect = sqliteDialect{}

type sqliteDialect struct{}

func (sqliteDialect) Placeholder(n int) string { return "?" + itoa(n) }
func (sqliteDialect) NoLimit() any             { return int64(-1) }

// JSONPath is the SQLite JSON path of a field and its dotted segments.
// Simple names stay unquoted so the expression matches the index DDL.
func JSONPath(field string, path []string) string {
	var sb strings.Builder
	sb.WriteString("$")
	for _, seg := range append([]string{field}, path...) {
		sb.WriteByte('.')
		if simpleName(seg) {
			sb.WriteString(seg)
			continue
		}
		sb.WriteByte('"')
		sb.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(seg))
		sb.WriteByte('"')
	}
	return sb.String()
}

func simpleName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func (sqliteDialect) Doc(res *schema.Resource, field int, path []string) Val {
	if field == dfql.IDField {
		return sqliteScalar{column{expr: "id", kind: value.String, notNull: true}}
	}
	return sqliteDoc{path: Quote(JSONPath(res.Fields[field].Name, path))}
}

func (sqliteDialect) Column(expr string, k value.Kind) Val {
	return sqliteScalar{column{expr: expr, kind: k}}
}

func (sqliteDialect) GroupKey(res *schema.Resource, field int) (string, value.Kind) {
	if field == dfql.IDField {
		return "id", value.String
	}
	return "json_extract(data, " + Quote(JSONPath(res.Fields[field].Name, nil)) + ")", fieldKind(res, field)
}

func (sqliteDialect) Agg(res *schema.Resource, a dfql.Agg) (string, value.Kind) {
	if a.Field == dfql.AggStar {
		return "COUNT(*)", value.Number
	}
	if a.Field == dfql.IDField {
		if a.Op == dfql.AggCount {
			return "COUNT(*)", value.Number
		}
		return strings.ToUpper(string(a.Op)) + "(id)", value.String
	}
	d := sqliteDoc{path: Quote(JSONPath(res.Fields[a.Field].Name, nil))}
	num := "CASE WHEN " + d.Kind(value.Number) + " THEN " + d.expr() + " END"
	switch a.Op {
	case dfql.AggCount:
		return "COUNT(" + d.expr() + ")", value.Number
	case dfql.AggSum:
		// TOTAL never overflows (SUM of integers can); NULL when no number.
		return "CASE WHEN COUNT(" + num + ") = 0 THEN NULL ELSE TOTAL(" + num + ") END", value.Number
	case dfql.AggAvg:
		return "AVG(" + num + ")", value.Number
	}
	k := fieldKind(res, a.Field)
	typed := "CASE WHEN " + d.Kind(k) + " THEN " + d.expr() + " END"
	return strings.ToUpper(string(a.Op)) + "(" + typed + ")", k
}

// sqliteArg is a parameter of kind x.Kind(): booleans are 0/1 in SQLite.
func sqliteArg(b *Builder, x value.Value) string {
	switch x.Kind() {
	case value.String:
		return b.Arg(x.Str())
	case value.Bool:
		if x.Bool() {
			return b.Arg(int64(1))
		}
		return b.Arg(int64(0))
	}
	return b.Arg(x.Num())
}

// globEscape turns literal text into a GLOB pattern matching exactly it.
var globEscape = strings.NewReplacer("*", "[*]", "?", "[?]", "[", "[[]")

// likeToGlob converts a DFQL like pattern (% and _, no escape) to GLOB.
func likeToGlob(p string) string {
	var sb strings.Builder
	for _, r := range p {
		switch r {
		case '%':
			sb.WriteByte('*')
		case '_':
			sb.WriteByte('?')
		default:
			sb.WriteString(globEscape.Replace(string(r)))
		}
	}
	return sb.String()
}

// sqliteText holds the string operations on a TEXT expression.
type sqliteText struct{ e string }

func (t sqliteText) Contains(b *Builder, s string) string {
	return "instr(" + t.e + ", " + b.Arg(s) + ") > 0"
}
func (t sqliteText) Prefix(b *Builder, s string) string {
	return t.e + " GLOB " + b.Arg(globEscape.Replace(s)+"*")
}
func (t sqliteText) Suffix(b *Builder, s string) string {
	return t.e + " GLOB " + b.Arg("*"+globEscape.Replace(s))
}
func (t sqliteText) Like(b *Builder, p string) string {
	return t.e + " GLOB " + b.Arg(likeToGlob(p))
}
func (t sqliteText) ILike(b *Builder, p string) string {
	return "datafn_ilike(" + t.e + ", " + b.Arg(p) + ") = 1"
}

// sqliteDoc is a JSON value inside data at a quoted path literal.
type sqliteDoc struct{ path string }

func (d sqliteDoc) expr() string { return "json_extract(data, " + d.path + ")" }

func (d sqliteDoc) Kind(k value.Kind) string {
	t := "json_type(data, " + d.path + ")"
	switch k {
	case value.String:
		return t + " = 'text'"
	case value.Number:
		return t + " IN ('integer', 'real')"
	case value.Bool:
		return t + " IN ('true', 'false')"
	case value.Array:
		return t + " = 'array'"
	case value.Object:
		return t + " = 'object'"
	}
	return "FALSE"
}

func (d sqliteDoc) Null() string { return d.expr() + " IS NULL" }
func (d sqliteDoc) Cmp(b *Builder, op string, x value.Value) string {
	return d.expr() + " " + op + " " + sqliteArg(b, x)
}
func (d sqliteDoc) Contains(b *Builder, s string) string { return sqliteText{d.expr()}.Contains(b, s) }
func (d sqliteDoc) Prefix(b *Builder, s string) string   { return sqliteText{d.expr()}.Prefix(b, s) }
func (d sqliteDoc) Suffix(b *Builder, s string) string   { return sqliteText{d.expr()}.Suffix(b, s) }
func (d sqliteDoc) Like(b *Builder, p string) string     { return sqliteText{d.expr()}.Like(b, p) }
func (d sqliteDoc) ILike(b *Builder, p string) string    { return sqliteText{d.expr()}.ILike(b, p) }
func (d sqliteDoc) ArrayEmpty() string                   { return "json_array_length(data, " + d.path + ") = 0" }
func (d sqliteDoc) Order() string                        { return d.expr() }

func (d sqliteDoc) ArrayHas(b *Builder, x value.Value) string {
	var cond string
	switch x.Kind() {
	case value.String:
		cond = "type = 'text' AND value = " + b.Arg(x.Str())
	case value.Number:
		cond = "type IN ('integer', 'real') AND value = " + b.Arg(x.Num())
	case value.Bool:
		cond = "type = " + Quote(x.String())
	case value.Absent, value.Null:
		cond = "type = 'null'"
	default:
		return "FALSE"
	}
	return "EXISTS (SELECT 1 FROM json_each(data, " + d.path + ") WHERE " + cond + ")"
}

// sqliteScalar is a plain SQL scalar: the id column or a group column.
type sqliteScalar struct{ column }

func (s sqliteScalar) Cmp(b *Builder, op string, x value.Value) string {
	return s.expr + " " + op + " " + sqliteArg(b, x)
}
func (s sqliteScalar) Contains(b *Builder, x string) string { return sqliteText{s.expr}.Contains(b, x) }
func (s sqliteScalar) Prefix(b *Builder, x string) string   { return sqliteText{s.expr}.Prefix(b, x) }
func (s sqliteScalar) Suffix(b *Builder, x string) string   { return sqliteText{s.expr}.Suffix(b, x) }
func (s sqliteScalar) Like(b *Builder, p string) string     { return sqliteText{s.expr}.Like(b, p) }
func (s sqliteScalar) ILike(b *Builder, p string) string    { return sqliteText{s.expr}.ILike(b, p) }
