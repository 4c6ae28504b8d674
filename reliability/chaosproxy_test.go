//go:build !js

package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fault is what the chaos proxy does with one request.
type fault int

const (
	fPass fault = iota
	// fLostRequest closes the connection without forwarding.
	fLostRequest
	// fDropClose forwards (the server applies), then closes the connection
	// without an answer.
	fDropClose
	// fDropRST forwards, then resets the connection (SO_LINGER 0).
	fDropRST
	// fDropCut forwards, then sends the status line, the headers with the
	// full Content-Length and half the body, and closes.
	fDropCut
	// fDupSeq sends the request to the server twice, one after the other,
	// and answers with one of the two answers.
	fDupSeq
	// fDupConc sends the request twice at once and answers with one.
	fDupConc
	// fSlowApplied forwards, then holds the answer until the client has
	// given up (its request timeout).
	fSlowApplied
	// fSlowLate holds the request until the client has given up, then
	// forwards it: the server applies a request nobody waits for.
	fSlowLate
	// f5xxBefore answers 500, 502 or 503 without forwarding (in bursts).
	f5xxBefore
	// f5xxAfter forwards, then answers 500, 502 or 503 (in bursts).
	f5xxAfter
	// fGarbageText forwards, then answers 200 with a body that is not JSON.
	fGarbageText
	// fGarbageTruncated forwards, then answers 200 with the server's body
	// cut short (and a Content-Length that matches the cut body).
	fGarbageTruncated
	// fGarbageShape forwards, then answers 200 with JSON of the wrong shape.
	fGarbageShape
	// fGarbageTypes forwards, then answers 200 with the server's ok:true
	// envelope where one field of the result has the wrong type.
	fGarbageTypes
	numFaults
)

func (f fault) String() string {
	return [...]string{"pass", "lostRequest", "dropClose", "dropRST", "dropCut", "dupSeq", "dupConc",
		"slowApplied", "slowLate", "5xxBefore", "5xxAfter", "garbageText", "garbageTruncated", "garbageShape",
		"garbageTypes"}[f]
}

// chaosOps are the operations the proxy injects faults into.
var chaosOps = []string{"push", "pull", "clone", "mutation", "query"}

// chaosProxy is a real TCP HTTP proxy between engine clients and the
// server. Client id is the first path segment: the remote of client c is
// <proxy>/c/datafn and requests go on to <server>/datafn/<op>. Each client
// has its own seeded fault plan.
type chaosProxy struct {
	t      *testing.T
	target string
	ln     net.Listener
	hs     *http.Server
	fwd    *http.Client
	seed   uint64
	// passRate is the share of requests that pass untouched.
	passRate float64
	// holdCap bounds how long a slow fault waits for the client to give up.
	holdCap time.Duration
	healed  atomic.Bool
	// late counts the fSlowLate forwards not made yet.
	late atomic.Int32

	// only, when set, is the list of faults to draw from.
	only []fault
	// evilDup, for the checker's self-test, gives the second copy of a
	// duplicated /push or /mutation fresh mutationIds, so that the server's
	// idempotency cannot see it is the same.
	evilDup bool
	// evilAck, for the checker's self-test, answers some pushes with a
	// made-up success without forwarding them.
	evilAck bool

	mu     sync.Mutex
	plans  map[string]*clientPlan
	counts map[fault]map[string]int
	reqs   map[string]int
	wrong  map[string]int // garbageTypes: which field got the wrong type
}

// clientPlan is one client's fault plan: its random source and the
// 5xx answers left in the current burst.
type clientPlan struct {
	rng   *rand.Rand
	burst int
}

func startChaosProxy(t *testing.T, target string, seed uint64) *chaosProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &chaosProxy{t: t, target: target, ln: ln, seed: seed, passRate: 0.5, holdCap: 10 * time.Second,
		fwd:    &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}},
		plans:  map[string]*clientPlan{},
		counts: map[fault]map[string]int{}, reqs: map[string]int{}, wrong: map[string]int{}}
	p.hs = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.hs.Serve(ln) }()
	t.Cleanup(func() {
		_ = p.hs.Close()
		p.waitLate()
	})
	return p
}

// remote is the protocol base URL of client id through the proxy.
func (p *chaosProxy) remote(id string) string {
	return "http://" + p.ln.Addr().String() + "/" + id + "/datafn"
}

// heal makes every later request pass, and waits for late forwards.
func (p *chaosProxy) heal() {
	p.mu.Lock()
	p.healed.Store(true)
	p.mu.Unlock()
	p.waitLate()
}

// waitLate waits until every fSlowLate request has been forwarded.
func (p *chaosProxy) waitLate() {
	deadline := time.Now().Add(p.holdCap + 30*time.Second)
	for p.late.Load() > 0 {
		require.True(p.t, time.Now().Before(deadline), "late forwards never made")
		time.Sleep(10 * time.Millisecond)
	}
}

// choose draws the fault for one request of client on op.
func (p *chaosProxy) choose(client, op string) fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reqs[op]++
	f := fPass
	if !p.healed.Load() {
		cp := p.plans[client]
		if cp == nil {
			h := fnv.New64a()
			_, _ = h.Write([]byte(client))
			cp = &clientPlan{rng: rand.New(rand.NewPCG(p.seed, h.Sum64()))}
			p.plans[client] = cp
		}
		switch {
		case cp.burst > 0:
			cp.burst--
			f = f5xxBefore + fault(cp.rng.IntN(2))
		case cp.rng.Float64() >= p.passRate:
			f = fault(1 + cp.rng.IntN(int(numFaults)-1))
			if p.only != nil {
				f = p.only[cp.rng.IntN(len(p.only))]
			}
			if f == f5xxBefore || f == f5xxAfter {
				cp.burst = cp.rng.IntN(4)
			}
		}
	}
	if f == fSlowLate {
		p.late.Add(1)
	}
	if p.counts[f] == nil {
		p.counts[f] = map[string]int{}
	}
	p.counts[f][op]++
	return f
}

// rng is a random source for one request's details (status, body, cut).
func (p *chaosProxy) rng() *rand.Rand {
	return rand.New(rand.NewPCG(p.seed, rand.Uint64()))
}

// answer is the server's answer to one forwarded request.
type answer struct {
	status int
	ctype  string
	body   []byte
}

// forward sends one request to the server.
func (p *chaosProxy) forward(ctx context.Context, op string, header http.Header, body []byte) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.target+"/datafn/"+op, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", header.Get("Content-Type"))
	if a := header.Get("Authorization"); a != "" {
		req.Header.Set("Authorization", a)
	}
	res, err := p.fwd.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{}, err
	}
	return answer{res.StatusCode, res.Header.Get("Content-Type"), data}, nil
}

// ServeHTTP implements http.Handler.
func (p *chaosProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	client, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	op := rest[strings.LastIndexByte(rest, '/')+1:]
	if !strings.HasPrefix(rest, "datafn/") || r.Method != http.MethodPost {
		http.Error(w, "chaos proxy: unexpected request "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	f := p.choose(client, op)
	if p.evilAck && op == "push" && f != fPass {
		if f == fSlowLate {
			p.late.Add(-1)
		}
		p.fakeAck(w, body)
		return
	}
	switch f {
	case fLostRequest:
		p.hangUp(w, false)
		return
	case f5xxBefore:
		p.write5xx(w)
		return
	case fSlowLate:
		p.hold(r)
		go func() {
			defer p.late.Add(-1)
			_, _ = p.forward(context.Background(), op, r.Header, body)
		}()
		p.hangUp(w, false)
		return
	}

	var a answer
	switch f {
	case fDupSeq, fDupConc:
		a, err = p.twice(f, op, r.Header, body)
	default:
		a, err = p.forward(context.Background(), op, r.Header, body)
	}
	if err != nil {
		// The server is not meant to go away in these runs.
		p.t.Errorf("chaos proxy: forward %s: %v", op, err)
		http.Error(w, "Bad Gateway", http.StatusBadGateway)
		return
	}
	switch f {
	case fDropClose:
		p.hangUp(w, false)
	case fDropRST:
		p.hangUp(w, true)
	case fDropCut:
		p.cut(w, a)
	case fSlowApplied:
		p.hold(r)
		writeAnswer(w, a) // the client is gone; this write fails
	case f5xxAfter:
		p.write5xx(w)
	case fGarbageText:
		writeAnswer(w, answer{200, "text/html", []byte(pick(p.rng(), garbageTexts))})
	case fGarbageTruncated:
		n := 0
		if len(a.body) > 1 {
			n = p.rng().IntN(len(a.body) - 1)
		}
		writeAnswer(w, answer{200, a.ctype, a.body[:n]})
	case fGarbageShape:
		writeAnswer(w, answer{200, "application/json", []byte(pick(p.rng(), garbageShapes))})
	case fGarbageTypes:
		writeAnswer(w, answer{200, a.ctype, p.wrongType(op, a.body)})
	default:
		writeAnswer(w, a)
	}
}

// twice sends the request to the server twice, one after the other or at
// once, and returns one of the two answers.
func (p *chaosProxy) twice(f fault, op string, header http.Header, body []byte) (answer, error) {
	second := body
	if p.evilDup && (op == "push" || op == "mutation") {
		second = renameMutationIDs(body)
	}
	var a, b answer
	var errA, errB error
	if f == fDupSeq {
		a, errA = p.forward(context.Background(), op, header, body)
		b, errB = p.forward(context.Background(), op, header, second)
	} else {
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); a, errA = p.forward(context.Background(), op, header, body) }()
		go func() { defer wg.Done(); b, errB = p.forward(context.Background(), op, header, second) }()
		wg.Wait()
	}
	if errA != nil || errB != nil {
		return answer{}, fmt.Errorf("%w / %w", errA, errB)
	}
	if p.rng().IntN(2) == 0 {
		return a, nil
	}
	return b, nil
}

// renameMutationIDs gives every mutationId in a /push or /mutation body a
// new value.
func renameMutationIDs(body []byte) []byte {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return body
	}
	var walk func(x any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && k == "mutationId" {
					x[k] = s + "-evil"
				} else {
					walk(e)
				}
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	out, _ := json.Marshal(v)
	return out
}

// fakeAck answers a push with a success that lists every mutation as
// applied, without forwarding it.
func (p *chaosProxy) fakeAck(w http.ResponseWriter, body []byte) {
	var req struct {
		Mutations []struct {
			MutationID string `json:"mutationId"`
		} `json:"mutations"`
	}
	_ = json.Unmarshal(body, &req)
	ids := []string{}
	for _, m := range req.Mutations {
		ids = append(ids, m.MutationID)
	}
	res, _ := json.Marshal(map[string]any{"ok": true, "result": map[string]any{"ok": true, "applied": ids, "errors": []any{}}})
	writeAnswer(w, answer{200, "application/json", res})
}

// hold waits until the client has closed its connection (its request
// timeout), at most holdCap.
func (p *chaosProxy) hold(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(p.holdCap):
	}
}

// hangUp closes the client's connection without an answer; rst resets it.
func (p *chaosProxy) hangUp(w http.ResponseWriter, rst bool) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok && rst {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// cut sends the head of a and half its body, then closes the connection.
func (p *chaosProxy) cut(w http.ResponseWriter, a answer) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", a.status,
		http.StatusText(a.status), a.ctype, len(a.body))
	_, _ = buf.Write(a.body[:len(a.body)/2])
	_ = buf.Flush()
}

// write5xx answers 500, 502 or 503 with one of the bodies such a status
// comes with: plain text, an HTML page, nothing, or a JSON error envelope.
func (p *chaosProxy) write5xx(w http.ResponseWriter) {
	rng := p.rng()
	status := []int{500, 502, 503}[rng.IntN(3)]
	var a answer
	switch rng.IntN(4) {
	case 0:
		a = answer{status, "text/plain; charset=utf-8", []byte(http.StatusText(status) + "\n")}
	case 1:
		a = answer{status, "text/html", []byte(fmt.Sprintf("<html><body><h1>%d %s</h1></body></html>", status,
			http.StatusText(status)))}
	case 2:
		a = answer{status, "text/plain", nil}
	default:
		code := map[int]string{500: "INTERNAL", 502: "INTERNAL", 503: "SERVICE_UNAVAILABLE"}[status]
		a = answer{status, "application/json", []byte(`{"ok":false,"error":{"code":"` + code +
			`","message":"` + http.StatusText(status) + `","details":{"path":"$"}}}`)}
	}
	writeAnswer(w, a)
}

func writeAnswer(w http.ResponseWriter, a answer) {
	if a.ctype != "" {
		w.Header().Set("Content-Type", a.ctype)
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

func pick(rng *rand.Rand, list []string) string { return list[rng.IntN(len(list))] }

// garbageTexts are 200 bodies that are not JSON.
var garbageTexts = []string{
	"<html><body>Welcome to nginx!</body></html>",
	"OK",
	"",
	"\x00\x01\x02\xff\xfe",
	"{ok:true}",
	`{"ok":true,"result":{}}}`,
}

// garbageShapes are 200 bodies that are JSON but no envelope of the
// protocol, or an envelope without a usable result.
var garbageShapes = []string{
	`[]`, `null`, `"ok"`, `42`, `{}`, `{"ok":true}`, `{"result":{}}`, `{"ok":"true","result":{}}`,
	`{"ok":true,"result":[]}`, `{"ok":true,"result":null}`, `{"ok":true,"result":"done"}`, `{"ok":false}`,
	`{"ok":false,"error":"boom"}`, `{"ok":true,"result":{"ok":true}}`, `{"data":null,"nextCursor":null}`,
}

// wrongType replaces one field of the result in body (up to three levels
// deep: result.f, result.f.g, result.f.g[i]) by a value of another JSON
// type. A body that is no ok:true envelope with an object result is
// returned as a wrong-typed result.
func (p *chaosProxy) wrongType(op string, body []byte) []byte {
	rng := p.rng()
	var env map[string]any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	res, isObj := any(nil), false
	if d.Decode(&env) == nil && env["ok"] == true {
		res = env["result"]
		_, isObj = res.(map[string]any)
	}
	if !isObj {
		p.noteWrong("result")
		return []byte(`{"ok":true,"result":7}`)
	}
	type slot struct {
		path string
		get  func() any
		set  func(any)
	}
	var slots []slot
	var walk func(path string, x any, depth int)
	walk = func(path string, x any, depth int) {
		if depth == 3 {
			return
		}
		switch x := x.(type) {
		case map[string]any:
			for k, e := range x {
				slots = append(slots, slot{path + "." + k, func() any { return x[k] }, func(v any) { x[k] = v }})
				walk(path+"."+k, e, depth+1)
			}
		case []any:
			for i, e := range x {
				slots = append(slots, slot{path + "[]", func() any { return x[i] }, func(v any) { x[i] = v }})
				walk(path+"[]", e, depth+1)
			}
		}
	}
	walk("result", res, 0)
	slices.SortFunc(slots, func(a, b slot) int { return strings.Compare(a.path, b.path) })
	if len(slots) == 0 {
		p.noteWrong("result")
		return []byte(`{"ok":true,"result":7}`)
	}
	s := slots[rng.IntN(len(slots))]
	s.set(otherType(rng, s.get()))
	p.noteWrong(s.path)
	out, _ := json.Marshal(env)
	return out
}

func (p *chaosProxy) noteWrong(path string) {
	p.mu.Lock()
	p.wrong[path]++
	p.mu.Unlock()
}

func otherType(rng *rand.Rand, x any) any {
	kinds := []any{json.Number("7"), "7", true, nil, []any{}, map[string]any{"x": 1}}
	for {
		v := kinds[rng.IntN(len(kinds))]
		if fmt.Sprintf("%T", v) != fmt.Sprintf("%T", x) {
			return v
		}
	}
}

// faultLog is the counts per fault and operation, for t.Logf.
func (p *chaosProxy) faultLog() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for f := fPass; f < numFaults; f++ {
		total := 0
		var per []string
		for _, op := range chaosOps {
			total += p.counts[f][op]
			per = append(per, fmt.Sprintf("%s %d", op, p.counts[f][op]))
		}
		fmt.Fprintf(&b, "\n  %-16s %5d (%s)", f, total, strings.Join(per, ", "))
	}
	var ws []string
	for path, n := range p.wrong {
		ws = append(ws, fmt.Sprintf("%s %d", path, n))
	}
	slices.Sort(ws)
	fmt.Fprintf(&b, "\n  garbageTypes fields: %s", strings.Join(ws, ", "))
	return b.String()
}

// injected is the number of requests of op that got fault f.
func (p *chaosProxy) injected(f fault, op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[f][op]
}
