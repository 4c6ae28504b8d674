package value

// maxInterned bounds the intern tables of one parser.
const maxInterned = 4096

// internStrings turns on sharing of short strings and small compounds.
func (p *parser) internStrings(maxLen int) {
	p.internMax = maxLen
	if p.strs == nil {
		p.strs = make(map[string]string, 64)
		p.shared = make(map[string]Value, 64)
	}
}

// compound reads an array or object, sharing small ones when interning:
// values are immutable, so rows that repeat `[]` or `{"color":"red"}` can
// hold the same one.
func (p *parser) compound(depth int) (Value, error) {
	start := p.pos
	if p.internMax > 0 {
		// A text already seen was valid then: reuse its value without
		// decoding (or allocating) again.
		if end, ok := p.smallEnd(start); ok {
			if x, ok := p.shared[string(p.data[start:end])]; ok {
				p.pos = end
				return x, nil
			}
		}
	}
	var v Value
	var err error
	if p.data[start] == '{' {
		v, err = p.object(depth)
	} else {
		v, err = p.array(depth)
	}
	if err != nil || p.internMax == 0 || p.pos-start > p.internMax || len(p.shared) >= maxInterned {
		return v, err
	}
	p.shared[string(p.data[start:p.pos])] = v
	return v, nil
}

// smallEnd finds where the compound at start ends when that is within
// internMax bytes, by counting brackets outside strings. It does not
// validate: the result is only used to look up texts already decoded.
func (p *parser) smallEnd(start int) (int, bool) {
	data := p.data
	limit := min(start+p.internMax, len(data))
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

// strValue reads a string value, sharing short ones when interning.
func (p *parser) strValue() (string, error) {
	if p.internMax == 0 {
		return p.str(false)
	}
	// Look the raw bytes up first when the string is short and has no
	// escapes: a hit needs no allocation (and the bytes equal a string
	// already checked to be valid UTF-8).
	start := p.pos + 1
	end := min(start+p.internMax+1, len(p.data))
	for i := start; i < end; i++ {
		c := p.data[i]
		if c == '"' {
			if s, ok := p.strs[string(p.data[start:i])]; ok {
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
	if err == nil && len(s) <= p.internMax && len(p.strs) < maxInterned {
		p.strs[s] = s
	}
	return s, err
}

// Interner shares one copy of each distinct short string among the values
// it sees. Tables held in memory repeat values such as "active" in every
// row; sharing them saves memory and lets equality succeed on identical
// pointers without comparing bytes.
type Interner struct {
	max  int
	strs map[string]string
}

// NewInterner shares strings of at most maxLen bytes.
func NewInterner(maxLen int) *Interner {
	return &Interner{max: maxLen, strs: make(map[string]string, 64)}
}

// Value returns v with a shared copy of its string when v is a short
// string; other values are returned unchanged.
func (in *Interner) Value(v Value) Value {
	if v.kind != String || len(v.str) > in.max {
		return v
	}
	if s, ok := in.strs[v.str]; ok {
		v.str = s
		return v
	}
	if len(in.strs) < maxInterned {
		in.strs[v.str] = v.str
	}
	return v
}
