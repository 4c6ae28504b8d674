package sqlq

import "github.com/datafn/datafn-go/value"

// column is the dialect-independent part of a plain SQL scalar (the id
// column or a group column): its kind is known from the schema, so kind
// and null tests need no JSON type inspection.
type column struct {
	expr    string
	kind    value.Kind
	notNull bool
}

func (s column) Kind(k value.Kind) string {
	switch {
	case k != s.kind:
		return "FALSE"
	case s.notNull:
		return "TRUE"
	}
	return s.expr + " IS NOT NULL"
}

func (s column) Null() string {
	if s.notNull {
		return "FALSE"
	}
	return s.expr + " IS NULL"
}

// A scalar is never an array.
func (s column) ArrayHas(*Builder, value.Value) string { return "FALSE" }
func (s column) ArrayEmpty() string                    { return "FALSE" }
func (s column) Order() string                         { return s.expr }
