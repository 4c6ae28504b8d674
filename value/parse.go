package value

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of arrays and objects Parse accepts; deeper
// documents are refused like malformed ones, so hostile input cannot exhaust
// the stack.
const MaxDepth = 256

// SyntaxError is a malformed JSON document.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("json: %s at offset %d", e.Msg, e.Offset) }

// ErrSyntax matches every *SyntaxError with errors.Is.
var ErrSyntax = errors.New("json syntax error")

// Is makes errors.Is(err, ErrSyntax) hold.
func (e *SyntaxError) Is(target error) bool { return target == ErrSyntax }

// Parse decodes one JSON document. Duplicate object keys keep the last value
// at the first key's position. Strings must be valid UTF-8.
func Parse(data []byte) (Value, error) {
	p := parsers.Get().(*parser)
	p.data, p.pos = data, 0
	defer func() {
		p.data = nil
		if cap(p.vstack) <= 4096 {
			parsers.Put(p)
		}
	}()
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return Value{}, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return Value{}, p.fail("trailing data")
	}
	return v, nil
}

// ParseString is Parse of a string.
func ParseString(s string) (Value, error) { return Parse([]byte(s)) }

// MustParse parses s or panics; for tests and literals.
func MustParse(s string) Value {
	v, err := ParseString(s)
	if err != nil {
		panic(err)
	}
	return v
}

// parsers recycles parsers so that their member stacks and key cache are
// reused across documents.
var parsers = sync.Pool{New: func() any { return new(parser) }}

type parser struct {
	data []byte
	pos  int
	// keys is a tiny cache of recent object keys, so that keys repeated
	// across the objects of one document share one allocation without the
	// cost of a map per Parse call.
	keys [32]string
	// kstack and vstack hold the members of the objects and arrays being
	// built; each finished one is copied out in exactly sized slices.
	kstack []string
	vstack []Value

	// Interning (Decoder.InternStrings): with internMax > 0, string values
	// and array/object texts of at most internMax bytes are shared.
	internMax int
	strs      map[string]string
	shared    map[string]Value
}

func (p *parser) fail(msg string) error { return &SyntaxError{Offset: p.pos, Msg: msg} }

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (Value, error) {
	if p.pos >= len(p.data) {
		return Value{}, p.fail("unexpected end")
	}
	switch c := p.data[p.pos]; {
	case c == '{' || c == '[':
		return p.compound(depth + 1)
	case c == '"':
		s, err := p.strValue()
		if err != nil {
			return Value{}, err
		}
		return Str(s), nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return p.literal("true", Boolean(true))
	case c == 'f':
		return p.literal("false", Boolean(false))
	case c == 'n':
		return p.literal("null", NullValue)
	}
	return Value{}, p.fail("unexpected character")
}

func (p *parser) literal(word string, v Value) (Value, error) {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return Value{}, p.fail("invalid literal")
	}
	p.pos += len(word)
	return v, nil
}

func (p *parser) object(depth int) (Value, error) {
	if depth > MaxDepth {
		return Value{}, p.fail("nesting too deep")
	}
	p.pos++ // {
	base := len(p.kstack)
	defer func() { p.kstack, p.vstack = p.kstack[:base], p.vstack[:base] }()
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return Obj(nil, nil), nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return Value{}, p.fail("expected object key")
		}
		k, err := p.str(true)
		if err != nil {
			return Value{}, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return Value{}, p.fail("expected colon")
		}
		p.pos++
		p.skipSpace()
		v, err := p.value(depth)
		if err != nil {
			return Value{}, err
		}
		if i := indexString(p.kstack[base:], k); i >= 0 {
			p.vstack[base+i] = v
		} else {
			p.kstack = append(p.kstack, k)
			p.vstack = append(p.vstack, v)
		}
		p.skipSpace()
		if p.pos >= len(p.data) {
			return Value{}, p.fail("unexpected end in object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			n := len(p.kstack) - base
			keys := make([]string, n)
			vals := make([]Value, n)
			copy(keys, p.kstack[base:])
			copy(vals, p.vstack[base:])
			return Value{kind: Object, comp: &compound{keys: keys, vals: vals}}, nil
		default:
			return Value{}, p.fail("expected comma or end of object")
		}
	}
}

func indexString(keys []string, k string) int {
	for i, x := range keys {
		if x == k {
			return i
		}
	}
	return -1
}

func (p *parser) array(depth int) (Value, error) {
	if depth > MaxDepth {
		return Value{}, p.fail("nesting too deep")
	}
	p.pos++ // [
	base := len(p.vstack)
	// Arrays share vstack with objects; pad kstack so both stay aligned.
	defer func() { p.kstack, p.vstack = p.kstack[:base], p.vstack[:base] }()
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return Arr(nil), nil
	}
	for {
		p.skipSpace()
		v, err := p.value(depth)
		if err != nil {
			return Value{}, err
		}
		p.kstack = append(p.kstack, "")
		p.vstack = append(p.vstack, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return Value{}, p.fail("unexpected end in array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			elems := make([]Value, len(p.vstack)-base)
			copy(elems, p.vstack[base:])
			return Value{kind: Array, comp: &compound{vals: elems}}, nil
		default:
			return Value{}, p.fail("expected comma or end of array")
		}
	}
}

// str reads a string token; keys are interned so that field names repeated
// in every row share one allocation.
func (p *parser) str(isKey bool) (string, error) {
	p.pos++ // opening quote
	start := p.pos
	data := p.data
	ascii := true
	for i := start; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '"':
			raw := data[start:i]
			if !ascii && !utf8.Valid(raw) {
				p.pos = i
				return "", p.fail("invalid UTF-8 in string")
			}
			p.pos = i + 1
			if isKey {
				return p.internKey(raw), nil
			}
			return string(raw), nil
		case c == '\\':
			return p.slowStr(start, isKey)
		case c < 0x20:
			p.pos = i
			return "", p.fail("control character in string")
		case c >= 0x80:
			ascii = false
		}
	}
	p.pos = len(data)
	return "", p.fail("unterminated string")
}

func (p *parser) internKey(raw []byte) string {
	if len(raw) == 0 || len(raw) > 64 {
		return string(raw)
	}
	slot := &p.keys[(len(raw)*31+int(raw[0])*7+int(raw[len(raw)-1]))&(len(p.keys)-1)]
	if *slot == string(raw) {
		return *slot
	}
	*slot = string(raw)
	return *slot
}

// slowStr decodes a string with escapes.
func (p *parser) slowStr(start int, isKey bool) (string, error) {
	data := p.data
	buf := make([]byte, 0, 32)
	i := start
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			if !utf8.Valid(buf) {
				p.pos = i
				return "", p.fail("invalid UTF-8 in string")
			}
			p.pos = i + 1
			if isKey {
				return p.internKey(buf), nil
			}
			return string(buf), nil
		case c < 0x20:
			p.pos = i
			return "", p.fail("control character in string")
		case c != '\\':
			buf = append(buf, c)
			i++
			continue
		}
		// Escape sequence.
		if i+1 >= len(data) {
			break
		}
		e := data[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := hex4(data, i)
			if !ok {
				p.pos = i
				return "", p.fail("invalid unicode escape")
			}
			i += 4
			if utf16.IsSurrogate(r) {
				// A valid pair decodes to one code point; a lone surrogate
				// becomes U+FFFD, as in encoding/json.
				if r2, ok := hex4(data, i+2); ok && i+1 < len(data) && data[i] == '\\' && data[i+1] == 'u' {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						i += 6
						r = dec
					} else {
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			p.pos = i - 1
			return "", p.fail("invalid escape")
		}
	}
	p.pos = len(data)
	return "", p.fail("unterminated string")
}

func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// number reads a JSON number with the exact JSON grammar. Short integers,
// the common case (epoch ms, counters), skip strconv.
func (p *parser) number() (Value, error) {
	data := p.data
	start := p.pos
	i := start
	neg := false
	if data[i] == '-' {
		neg = true
		i++
	}
	if i >= len(data) {
		p.pos = i
		return Value{}, p.fail("invalid number")
	}
	var mant uint64
	digits := 0
	switch {
	case data[i] == '0':
		i++
		digits = 1
	case data[i] >= '1' && data[i] <= '9':
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			mant = mant*10 + uint64(data[i]-'0')
			digits++
			i++
		}
	default:
		p.pos = i
		return Value{}, p.fail("invalid number")
	}
	simple := true
	if i < len(data) && data[i] == '.' {
		simple = false
		i++
		n := 0
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
			n++
		}
		if n == 0 {
			p.pos = i
			return Value{}, p.fail("invalid number")
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		simple = false
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		n := 0
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
			n++
		}
		if n == 0 {
			p.pos = i
			return Value{}, p.fail("invalid number")
		}
	}
	p.pos = i
	if simple && digits <= 15 {
		f := float64(mant)
		if neg {
			f = -f
		}
		return Num(f), nil
	}
	f, err := strconv.ParseFloat(string(data[start:i]), 64)
	if err != nil {
		// Out of range: JSON allows it, doubles do not. Refuse it.
		return Value{}, p.fail("number out of range")
	}
	return Num(f), nil
}
