package schema

import (
	"errors"
	"fmt"

	"github.com/datafn/datafn-go/value"
)

// ErrRowID is returned when a decoded row has no string id.
var ErrRowID = errors.New("row id must be a string")

// internMax is the longest string value the row decoder shares between rows:
// enum-like values ("active", tags, colours) repeat across rows, long text
// rarely does.
const internMax = 24

// RowFromObject makes a Row from a record object: "id" and the fields of the
// resource; other keys are dropped.
func (r *Resource) RowFromObject(obj value.Value) Row {
	row := Row{ID: obj.Get("id").Str(), Vals: make([]value.Value, len(r.Fields))}
	vals := obj.Elems()
	for i, k := range obj.Keys() {
		if j := r.FieldIndex(k); j >= 0 {
			row.Vals[j] = vals[i]
		}
	}
	return row
}

// RowObject is the record object of a row: id first, then the fields in
// schema order; absent fields are omitted, nulls kept (§3.2, §4.4).
func (r *Resource) RowObject(row *Row) value.Value {
	keys := make([]string, 1, 1+len(r.Fields))
	vals := make([]value.Value, 1, 1+len(r.Fields))
	keys[0], vals[0] = "id", value.Str(row.ID)
	for i := range r.Fields {
		if v := row.Get(i); !v.IsAbsent() {
			keys = append(keys, r.Fields[i].Name)
			vals = append(vals, v)
		}
	}
	return value.Obj(keys, vals)
}

// AppendRowJSON appends the JSON of RowObject(row) to dst without building
// the object.
func (r *Resource) AppendRowJSON(dst []byte, row *Row) []byte {
	dst = append(dst, `{"id":`...)
	dst = value.AppendString(dst, row.ID)
	for i := range r.Fields {
		v := row.Get(i)
		if v.IsAbsent() {
			continue
		}
		dst = append(dst, ',')
		if i < len(r.keyJSON) {
			dst = append(dst, r.keyJSON[i]...)
		} else {
			dst = append(value.AppendString(dst, r.Fields[i].Name), ':')
		}
		dst = value.AppendJSON(dst, v)
	}
	return append(dst, '}')
}

// DecodeRow decodes one JSON record object straight into a Row. Values are
// not shared with other rows: one row repeats too little to pay for it.
func (r *Resource) DecodeRow(data []byte) (Row, error) {
	d := value.NewDecoder(data)
	row, err := r.decodeRow(d)
	if err == nil {
		err = d.ReadEnd()
	}
	if err != nil {
		return Row{}, fmt.Errorf("decode %s row: %w", r.Name, err)
	}
	return row, nil
}

// DecodeRows decodes a JSON array of record objects. Short strings and small
// arrays and objects repeated across the rows are held once.
func (r *Resource) DecodeRows(data []byte) ([]Row, error) {
	d := value.NewDecoder(data)
	d.InternStrings(internMax)
	rows, err := r.decodeRows(d)
	if err == nil {
		err = d.ReadEnd()
	}
	if err != nil {
		return nil, fmt.Errorf("decode %s rows: %w", r.Name, err)
	}
	return rows, nil
}

func (r *Resource) decodeRows(d *value.Decoder) ([]Row, error) {
	if err := d.ReadArrayStart(); err != nil {
		return nil, err
	}
	var rows []Row
	for {
		more, err := d.ReadArrayNext()
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
		row, err := r.decodeRow(d)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	// The caller keeps the rows: give back append's spare capacity.
	if cap(rows)-len(rows) > len(rows)/8 {
		rows = append(make([]Row, 0, len(rows)), rows...)
	}
	return rows, nil
}

// decodeRow reads one object. Keys usually arrive in schema order, so the
// next expected field is tried before the name index.
func (r *Resource) decodeRow(d *value.Decoder) (Row, error) {
	if err := d.ReadObjectStart(); err != nil {
		return Row{}, err
	}
	n := len(r.Fields)
	row := Row{Vals: make([]value.Value, n)}
	hasID, next := false, 0
	for {
		k, ok, err := d.ReadObjectKeyBytes()
		if err != nil {
			return Row{}, err
		}
		if !ok {
			break
		}
		i, isID := -1, string(k) == "id"
		if next < n && r.Fields[next].Name == string(k) {
			i = next
		} else if !isID {
			i = r.FieldIndex(string(k))
		}
		switch {
		case i >= 0:
			if row.Vals[i], err = d.ReadValue(); err != nil {
				return Row{}, err
			}
			next = i + 1
		case isID:
			v, err := d.ReadValue()
			if err != nil {
				return Row{}, err
			}
			if v.Kind() != value.String {
				return Row{}, ErrRowID
			}
			row.ID, hasID = v.Str(), true
		default:
			if err := d.Skip(); err != nil {
				return Row{}, err
			}
		}
	}
	if !hasID {
		return Row{}, ErrRowID
	}
	return row, nil
}
