package protocol

import (
	"strconv"

	"github.com/datafn/datafn-go/value"
)

// ParseCursor reads a cursor string (§1.2, §7.7): one or more ASCII decimal
// digits whose value fits a signed 64-bit integer. Signs, spaces, the empty
// string and anything else fail.
//
// Leading zeros are accepted ("007" is 7): §7.7 admits any "string of decimal
// digits whose value fits", and refusing them would reject requests the spec
// calls valid. Cursors the server writes never have them (FormatCursor).
func ParseCursor(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	// Only digits are left, so ParseInt can fail only by overflow.
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// FormatCursor writes seq as a cursor string, without leading zeros (§8.4).
func FormatCursor(seq int64) string { return strconv.FormatInt(seq, 10) }

// CursorValue is ParseCursor for a JSON value: only a string can be a cursor,
// so the number 5 fails like "-1" does (§7.7, PL-6). The server checks pull
// request cursors with it, the client the cursors of clone and pull results
// (§9.5).
func CursorValue(v value.Value) (int64, bool) {
	if v.Kind() != value.String {
		return 0, false
	}
	return ParseCursor(v.Str())
}
