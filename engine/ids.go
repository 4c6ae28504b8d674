package engine

import "encoding/binary"

// newUUID is a random (version 4, RFC 9562) UUID in its 36-character
// lowercase form, the "<uuid>" of clientIds and generated ids. The random
// bytes come from randomBytes: crypto/rand natively, the runtime's ChaCha8
// generator (seeded from crypto.getRandomValues) in the browser (ids_js.go),
// which keeps crypto/rand and google/uuid out of datafn.wasm.
func newUUID() string {
	var u [16]byte
	randomBytes(u[:])
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // variant 10
	const hex = "0123456789abcdef"
	var out [36]byte
	j := 0
	for i, b := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hex[b>>4], hex[b&0xf]
		j += 2
	}
	return string(out[:])
}

// randomFloat is uniform in [0, 1): 53 random bits.
func randomFloat() float64 {
	var b [8]byte
	randomBytes(b[:])
	return float64(binary.LittleEndian.Uint64(b[:])>>11) / (1 << 53)
}
