package sqlq

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Like reports whether s matches the whole DFQL like pattern p (§4.5): '%'
// matches any run of code points (none included), '_' exactly one code
// point, everything else itself; there is no escape character.
func Like(s, p string) bool {
	// Iterative matcher with single backtracking point for the last '%':
	// linear enough for patterns of at most 200 code points.
	si, pi := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			switch p[pi] {
			case '%':
				starP, starS = pi, si
				pi++
				continue
			case '_':
				_, n := utf8.DecodeRuneInString(s[si:])
				si += n
				pi++
				continue
			default:
				pr, pn := utf8.DecodeRuneInString(p[pi:])
				sr, sn := utf8.DecodeRuneInString(s[si:])
				if pr == sr && pn == sn && p[pi:pi+pn] == s[si:si+sn] {
					si += sn
					pi += pn
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		si, pi = starS, starP+1
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}

// Fold lower-cases every code point with the Unicode simple lowercase
// mapping (unicode.ToLower), the case folding of §3.6.
func Fold(s string) string {
	return strings.Map(unicode.ToLower, s)
}

// ILike is Like after folding both sides (§3.6).
func ILike(s, p string) bool { return Like(Fold(s), Fold(p)) }
