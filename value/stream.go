package value

// Decoder reads one JSON document from a byte slice piece by piece, so a
// caller can decode objects straight into its own structures (rows) and skip
// what it does not keep. It follows Parse's rules: strict grammar, valid
// UTF-8, last duplicate key wins, MaxDepth nesting.
//
// Values it returns are built compactly for long-lived storage: arrays and
// objects get slices of exactly their length, and with InternStrings short
// repeated strings share one copy.
type Decoder struct {
	p parser
	// open holds one state per container opened with ReadObjectStart or
	// ReadArrayStart: stateFirst until a member has been read.
	open []byte
	// keys and vals are scratch stacks for building nested values; every
	// compound copies its members out and truncates them back.
	keys []string
	vals []Value

	keyBuf    []byte // ReadObjectKeyBytes's copy of an escaped key
	strs      map[string]string
	shared    map[string]Value // small arrays and objects by their raw text
	internMax int
}

const (
	stateFirst = iota
	stateMore
)

// maxInterned bounds the intern table of a Decoder.
const maxInterned = 4096

// NewDecoder returns a Decoder reading data. It does not copy data, and
// returned strings never alias it.
func NewDecoder(data []byte) *Decoder {
	return &Decoder{p: parser{data: data}}
}

// InternStrings makes the decoder share one copy of each distinct string
// value of at most maxLen bytes, and of each array or object whose JSON
// text is at most maxLen bytes (for the first few thousand distinct ones).
// Values are immutable, so rows that repeat `"active"`, `[]` or
// `{"color":"red"}` can hold the same one. Object keys are always shared.
func (d *Decoder) InternStrings(maxLen int) {
	d.internMax = maxLen
	if d.strs == nil {
		d.strs = make(map[string]string, 64)
		d.shared = make(map[string]Value, 64)
	}
}

// Offset is the position of the next unread byte.
func (d *Decoder) Offset() int { return d.p.pos }

func (d *Decoder) expect(c byte, msg string) error {
	d.p.skipSpace()
	if d.p.pos >= len(d.p.data) || d.p.data[d.p.pos] != c {
		return d.p.fail(msg)
	}
	d.p.pos++
	return nil
}

func (d *Decoder) push() error {
	if len(d.open) >= MaxDepth {
		return d.p.fail("nesting too deep")
	}
	d.open = append(d.open, stateFirst)
	return nil
}

// ReadObjectStart consumes the '{' that opens an object.
func (d *Decoder) ReadObjectStart() error {
	if err := d.expect('{', "expected object"); err != nil {
		return err
	}
	return d.push()
}

// ReadArrayStart consumes the '[' that opens an array.
func (d *Decoder) ReadArrayStart() error {
	if err := d.expect('[', "expected array"); err != nil {
		return err
	}
	return d.push()
}

// ReadObjectKey reads the next key of the innermost open object and its
// colon; the caller then reads or skips the value. ok is false when the
// object ended (its '}' is consumed).
func (d *Decoder) ReadObjectKey() (key string, ok bool, err error) {
	more, err := d.next('}', "expected comma or end of object")
	if err != nil || !more {
		return "", false, err
	}
	p := &d.p
	if p.pos >= len(p.data) || p.data[p.pos] != '"' {
		return "", false, p.fail("expected object key")
	}
	if key, err = p.str(true); err != nil {
		return "", false, err
	}
	if err := d.expect(':', "expected colon"); err != nil {
		return "", false, err
	}
	return key, true, nil
}

// ReadObjectKeyBytes is ReadObjectKey returning the key's bytes without
// making a string: a caller that only compares keys allocates nothing. The
// bytes may alias the input and are valid until the next call.
func (d *Decoder) ReadObjectKeyBytes() (key []byte, ok bool, err error) {
	more, err := d.next('}', "expected comma or end of object")
	if err != nil || !more {
		return nil, false, err
	}
	p := &d.p
	if p.pos >= len(p.data) || p.data[p.pos] != '"' {
		return nil, false, p.fail("expected object key")
	}
	if key, ok = plainString(p.data, p.pos+1); ok {
		p.pos += len(key) + 2
	} else {
		s, err := p.str(true)
		if err != nil {
			return nil, false, err
		}
		key = append(d.keyBuf[:0], s...)
		d.keyBuf = key
	}
	if err := d.expect(':', "expected colon"); err != nil {
		return nil, false, err
	}
	return key, true, nil
}

// plainString returns the bytes of the string starting at start (after its
// quote) when it is ASCII without escapes or control characters.
func plainString(data []byte, start int) ([]byte, bool) {
	for i := start; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			return data[start:i], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false
		}
	}
	return nil, false
}

// ReadArrayNext reports whether the innermost open array has another
// element, which the caller then reads or skips. At the end it consumes ']'.
func (d *Decoder) ReadArrayNext() (bool, error) {
	return d.next(']', "expected comma or end of array")
}

// next moves past the separator before the next member of the innermost
// container, or past its closing byte.
func (d *Decoder) next(closing byte, msg string) (bool, error) {
	p := &d.p
	if len(d.open) == 0 {
		return false, p.fail("no open container")
	}
	top := len(d.open) - 1
	p.skipSpace()
	if p.pos >= len(p.data) {
		return false, p.fail("unexpected end")
	}
	if p.data[p.pos] == closing {
		p.pos++
		d.open = d.open[:top]
		return false, nil
	}
	if d.open[top] == stateMore {
		if p.data[p.pos] != ',' {
			return false, p.fail(msg)
		}
		p.pos++
		p.skipSpace()
	}
	d.open[top] = stateMore
	return true, nil
}

// ReadValue reads one complete value.
func (d *Decoder) ReadValue() (Value, error) {
	d.p.skipSpace()
	return d.value(len(d.open))
}

// Skip reads one complete value and drops it.
func (d *Decoder) Skip() error {
	_, err := d.ReadValue()
	return err
}

// ReadEnd checks that every container is closed and only whitespace is left.
func (d *Decoder) ReadEnd() error {
	d.p.skipSpace()
	if len(d.open) > 0 {
		return d.p.fail("unexpected end")
	}
	if d.p.pos != len(d.p.data) {
		return d.p.fail("trailing data")
	}
	return nil
}

func (d *Decoder) value(depth int) (Value, error) {
	p := &d.p
	if p.pos >= len(p.data) {
		return Value{}, p.fail("unexpected end")
	}
	switch p.data[p.pos] {
	case '{', '[':
		return d.compound(depth + 1)
	case '"':
		s, err := d.str()
		if err != nil {
			return Value{}, err
		}
		return Str(s), nil
	}
	return p.value(depth) // scalars
}

// compound reads an array or object, sharing small ones when interning.
func (d *Decoder) compound(depth int) (Value, error) {
	start := d.p.pos
	if d.internMax > 0 {
		// A text already seen was valid then: reuse its value without
		// decoding (or allocating) again.
		if end, ok := d.smallEnd(start); ok {
			if x, ok := d.shared[string(d.p.data[start:end])]; ok {
				d.p.pos = end
				return x, nil
			}
		}
	}
	var v Value
	var err error
	if d.p.data[start] == '{' {
		v, err = d.object(depth)
	} else {
		v, err = d.array(depth)
	}
	if err != nil || d.p.pos-start > d.internMax || len(d.shared) >= maxInterned {
		return v, err
	}
	d.shared[string(d.p.data[start:d.p.pos])] = v
	return v, nil
}

// smallEnd finds where the compound at start ends when that is within
// internMax bytes, by counting brackets outside strings. It does not
// validate: the result is only used to look up texts already decoded.
func (d *Decoder) smallEnd(start int) (int, bool) {
	data := d.p.data
	limit := min(start+d.internMax, len(data))
	depth, inStr := 0, false
	for i := start; i < limit; i++ {
		c := data[i]
		if inStr {
			if c == '\\' {
				i++
			} else if c == '"' {
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '[', '{':
			depth++
		case ']', '}':
			if depth--; depth == 0 {
				return i + 1, true
			}
		}
	}
	return 0, false
}

func (d *Decoder) object(depth int) (Value, error) {
	p := &d.p
	if depth > MaxDepth {
		return Value{}, p.fail("nesting too deep")
	}
	p.pos++ // {
	km, vm := len(d.keys), len(d.vals)
	defer func() { d.keys, d.vals = d.keys[:km], d.vals[:vm] }()
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
		if err := d.expect(':', "expected colon"); err != nil {
			return Value{}, err
		}
		p.skipSpace()
		v, err := d.value(depth)
		if err != nil {
			return Value{}, err
		}
		if i := indexString(d.keys[km:], k); i >= 0 {
			d.vals[vm+i] = v
		} else {
			d.keys = append(d.keys, k)
			d.vals = append(d.vals, v)
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
			keys := append([]string(nil), d.keys[km:]...)
			vals := append([]Value(nil), d.vals[vm:]...)
			return Obj(keys, vals), nil
		default:
			return Value{}, p.fail("expected comma or end of object")
		}
	}
}

func (d *Decoder) array(depth int) (Value, error) {
	p := &d.p
	if depth > MaxDepth {
		return Value{}, p.fail("nesting too deep")
	}
	p.pos++ // [
	mark := len(d.vals)
	defer func() { d.vals = d.vals[:mark] }()
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return Arr(nil), nil
	}
	for {
		p.skipSpace()
		v, err := d.value(depth)
		if err != nil {
			return Value{}, err
		}
		d.vals = append(d.vals, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return Value{}, p.fail("unexpected end in array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return Arr(append([]Value(nil), d.vals[mark:]...)), nil
		default:
			return Value{}, p.fail("expected comma or end of array")
		}
	}
}

// str reads a string value, sharing short ones when interning is on.
func (d *Decoder) str() (string, error) {
	p := &d.p
	if d.internMax == 0 {
		return p.str(false)
	}
	// Look the raw bytes up first when the string is short and has no
	// escapes: a hit needs no allocation (and the bytes equal a string
	// already checked to be valid UTF-8).
	start := p.pos + 1
	end := min(start+d.internMax+1, len(p.data))
	for i := start; i < end; i++ {
		c := p.data[i]
		if c == '"' {
			if s, ok := d.strs[string(p.data[start:i])]; ok {
				p.pos = i + 1
				return s, nil
			}
			break
		}
		if c == '\\' || c < 0x20 {
			break
		}
	}
	s, err := p.str(false)
	if err == nil && len(s) <= d.internMax && len(d.strs) < maxInterned {
		d.strs[s] = s
	}
	return s, err
}
