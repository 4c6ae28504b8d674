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
	open   []byte
	keyBuf []byte // ReadObjectKeyBytes's copy of an escaped key
}

const (
	stateFirst = iota
	stateMore
)

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
func (d *Decoder) InternStrings(maxLen int) { d.p.internStrings(maxLen) }

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
	return d.p.value(len(d.open))
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
