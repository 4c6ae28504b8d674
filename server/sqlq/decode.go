package sqlq

import (
	"fmt"

	"github.com/datafn/datafn-go/value"
)

// internMax bounds the strings, arrays and objects a JSONBatch shares
// between rows (status values, small tag lists, …).
const internMax = 48

// JSONBatch collects the JSON documents of a result set and decodes them in
// one pass: one value.Decoder over all of them shares object keys and short
// repeated values between rows, which makes decoding a page of rows much
// cheaper than parsing each row on its own.
type JSONBatch struct {
	buf  []byte
	null []bool // per document: SQL NULL (no document)
	ends []int  // per non-NULL document: its end in buf
}

// Add appends one document; nil stands for SQL NULL (decoded as Absent).
// A leading binary-jsonb version byte (1) is dropped.
func (b *JSONBatch) Add(doc []byte) {
	if doc == nil {
		b.null = append(b.null, true)
		return
	}
	if len(doc) > 0 && doc[0] == 1 {
		doc = doc[1:]
	}
	if len(b.buf) == 0 {
		b.buf = append(b.buf, '[')
	} else {
		b.buf = append(b.buf, ',')
	}
	b.buf = append(b.buf, doc...)
	b.null = append(b.null, false)
	b.ends = append(b.ends, len(b.buf))
}

// Len is the number of documents added.
func (b *JSONBatch) Len() int { return len(b.null) }

// Decode returns the documents in order.
func (b *JSONBatch) Decode() ([]value.Value, error) {
	out := make([]value.Value, len(b.null))
	if len(b.buf) == 0 {
		return out, nil
	}
	b.buf = append(b.buf, ']')
	d := value.NewDecoder(b.buf)
	d.InternStrings(internMax)
	if err := d.ReadArrayStart(); err != nil {
		return nil, fmt.Errorf("decode rows: %w", err)
	}
	doc := 0
	for i, isNull := range b.null {
		if isNull {
			continue
		}
		more, err := d.ReadArrayNext()
		if err != nil {
			return nil, fmt.Errorf("decode rows: %w", err)
		}
		if !more {
			return nil, fmt.Errorf("decode rows: document %d is not one JSON value", i)
		}
		v, err := d.ReadValue()
		if err != nil {
			return nil, fmt.Errorf("decode rows: %w", err)
		}
		// A corrupt document ("1,2", or "[1" before "2]") must not
		// shift the rows after it: each value ends inside its document.
		if !onlySpace(b.buf, d.Offset(), b.ends[doc]) {
			return nil, fmt.Errorf("decode rows: document %d is not one JSON value", i)
		}
		doc++
		out[i] = v
	}
	return out, nil
}

// onlySpace reports whether buf[from:to] is JSON whitespace (false when
// from is past to).
func onlySpace(buf []byte, from, to int) bool {
	if from > to {
		return false
	}
	for _, c := range buf[from:to] {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}
