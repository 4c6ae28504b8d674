//go:build js && wasm

package jsbridge

// statusTexts are the reason phrases of the statuses a protocol server or a
// proxy in front of it answers with, for responses that carry none (HTTP/2):
// "HTTP Error 502: Bad Gateway" must read the same on every protocol
// version. net/http has the full table but costs ~7 MB of wasm.
var statusTexts = map[int]string{
	400: "Bad Request",
	401: "Unauthorized",
	402: "Payment Required",
	403: "Forbidden",
	404: "Not Found",
	405: "Method Not Allowed",
	406: "Not Acceptable",
	407: "Proxy Authentication Required",
	408: "Request Timeout",
	409: "Conflict",
	410: "Gone",
	411: "Length Required",
	412: "Precondition Failed",
	413: "Request Entity Too Large",
	414: "Request URI Too Long",
	415: "Unsupported Media Type",
	421: "Misdirected Request",
	422: "Unprocessable Entity",
	425: "Too Early",
	426: "Upgrade Required",
	428: "Precondition Required",
	429: "Too Many Requests",
	431: "Request Header Fields Too Large",
	451: "Unavailable For Legal Reasons",
	500: "Internal Server Error",
	501: "Not Implemented",
	502: "Bad Gateway",
	503: "Service Unavailable",
	504: "Gateway Timeout",
	505: "HTTP Version Not Supported",
	507: "Insufficient Storage",
	508: "Loop Detected",
	511: "Network Authentication Required",
}

// statusText is the reason phrase of a status, "" for one not in the table.
func statusText(code int) string { return statusTexts[code] }
