package engine

import (
	"context"
	"math"
	"time"

	"github.com/datafn/datafn-go/protocol"
)

// Start is client.sync.start() (§12.1): it runs the boot phase of the
// hydration plan, starts the background phase and requests a push cycle.
// Boot failures do not make it fail; they are reported by sync_failed.
func (s *syncer) Start(ctx context.Context) error {
	if !s.enabled() {
		return nil
	}
	var proceed bool
	s.ask(func() {
		if s.running || s.closing {
			return
		}
		proceed = true
		s.running = true
		s.online = s.c.deps.Connectivity.IsOnline()
		s.unsubConn = s.c.deps.Connectivity.Subscribe(func(e ConnEvent) { s.post(func() { s.onConn(e) }) })
		s.installInterval()
	})
	if !proceed {
		return nil
	}
	boot, background := s.plan()
	if err := s.awaitClone(ctx, &cloneJob{tables: boot, boot: true, auto: true}); err != nil && isAborted(err) {
		return err
	}
	if err := s.await(ctx, func(w chan error) { s.requestPull(true, w) }); err != nil && isAborted(err) {
		return err
	}
	s.post(func() {
		s.requestClone(&cloneJob{tables: background, background: true, auto: true})
		s.requestPush(true, nil)
	})
	return nil
}

// Stop is client.sync.stop(): no new automatic work; running work finishes.
func (s *syncer) Stop() { s.ask(s.stopLocked) }

func (s *syncer) stopLocked() {
	s.running = false
	s.clearInterval()
	s.clearBackoff()
	s.clearStorageRetry()
	if s.unsubConn != nil {
		s.unsubConn()
		s.unsubConn = nil
	}
}

// plan splits the local resources into the boot and background sets (§12.2).
func (s *syncer) plan() (boot, background []string) {
	h := s.c.cfg.Hydration
	bg := map[string]bool{}
	for _, n := range h.BackgroundResources {
		bg[n] = true
	}
	for _, r := range s.c.localResources() {
		if !bg[r.Name] {
			boot = append(boot, r.Name)
		}
	}
	return boot, append([]string(nil), h.BackgroundResources...)
}

// await posts a request with a waiter and waits for its outcome.
func (s *syncer) await(ctx context.Context, request func(w chan error)) error {
	w := make(chan error, 1)
	s.post(func() { request(w) })
	select {
	case err := <-w:
		return err
	case <-ctx.Done():
		return errAborted()
	}
}

func (s *syncer) awaitClone(ctx context.Context, j *cloneJob) error {
	j.done = make(chan error, 1)
	s.post(func() { s.requestClone(j) })
	select {
	case err := <-j.done:
		return err
	case <-ctx.Done():
		return errAborted()
	}
}

func isAborted(err error) bool {
	pe, ok := err.(*protocol.Error)
	return ok && pe.Code == protocol.CodeAborted
}

// requestClone queues a clone run (loop goroutine).
func (s *syncer) requestClone(j *cloneJob) {
	if s.closing {
		reply(j.done, errAborted())
		return
	}
	if j.auto && !s.automatic() {
		reply(j.done, nil)
		return
	}
	s.clones = append(s.clones, j)
}

// onConn handles a connectivity event while running (§12.11).
func (s *syncer) onConn(e ConnEvent) {
	if !s.running {
		return
	}
	switch e {
	case Offline:
		if s.online {
			s.online = false
			s.c.emit(connectivityEvent(false))
		}
		s.clearInterval()
	case Online:
		if !s.online {
			s.online = true
			s.c.emit(connectivityEvent(true))
		}
		if s.backoff == nil {
			s.installInterval()
		}
		s.requestPull(true, nil)
		s.requestPush(true, nil)
		s.cloneNotStarted()
	case Visible, Focus:
		s.requestPull(true, nil)
	}
}

// cloneNotStarted starts clone runs for plan resources still notStarted,
// boot ones first (§12.11, D30). The run itself skips tables that are not
// notStarted by its first unit.
func (s *syncer) cloneNotStarted() {
	boot, background := s.plan()
	s.requestClone(&cloneJob{tables: boot, auto: true, onlyNotStarted: true})
	s.requestClone(&cloneJob{tables: background, background: true, auto: true, onlyNotStarted: true})
}

// installInterval arms the regular push interval (when configured, running
// and online).
func (s *syncer) installInterval() {
	ms := s.c.cfg.PushIntervalMs
	if ms == 0 || !s.running || !s.online || s.interval != nil {
		return
	}
	s.intervalGen++
	gen := s.intervalGen
	s.interval = s.c.deps.Clock.AfterFunc(time.Duration(ms)*time.Millisecond, func() {
		s.post(func() {
			if gen != s.intervalGen {
				return
			}
			s.interval = nil
			s.installInterval()
			s.requestPush(true, nil)
		})
	})
}

func (s *syncer) clearInterval() {
	s.intervalGen++
	if s.interval != nil {
		s.interval.Stop()
		s.interval = nil
	}
}

func (s *syncer) clearBackoff() {
	s.backoffGen++
	if s.backoff != nil {
		s.backoff.Stop()
		s.backoff = nil
	}
}

// scheduleBackoff replaces the interval with one cycle after the interval
// backoff delay (§12.8.6).
func (s *syncer) scheduleBackoff() {
	if !s.running {
		return
	}
	s.clearInterval()
	s.clearBackoff()
	d := s.intervalBackoffDelay()
	s.backoffGen++
	gen := s.backoffGen
	s.backoff = s.c.deps.Clock.AfterFunc(d, func() {
		s.post(func() {
			if gen != s.backoffGen {
				return
			}
			s.backoff = nil
			s.requestPush(true, nil)
		})
	})
}

// intervalBackoffDelay is the delay after s.failures failed cycles: with an
// interval min(interval × baseMultiplier^f + U × jitter, max), without one
// min(retry.maxDelayMs × baseMultiplier^(f−1) + U × jitter, max) (§12.8.6).
func (s *syncer) intervalBackoffDelay() time.Duration {
	cfg := s.c.cfg
	b := cfg.PushIntervalBackoff
	u := s.c.deps.Random()
	var ms float64
	if cfg.PushIntervalMs > 0 {
		ms = float64(cfg.PushIntervalMs)*math.Pow(b.BaseMultiplier, float64(s.failures)) + u*b.JitterMs
	} else {
		ms = cfg.PushRetryBackoff.MaxDelayMs*math.Pow(b.BaseMultiplier, float64(s.failures-1)) + u*b.JitterMs
	}
	return msDuration(math.Min(ms, b.MaxDelayMs))
}

// retryDelay is the delay after failed attempt n (from 1, §12.8.3).
func retryDelay(b RetryBackoff, n int, u float64) time.Duration {
	ms := b.BaseDelayMs*math.Pow(b.Multiplier, float64(n-1)) + u*b.JitterMs
	return msDuration(math.Min(ms, b.MaxDelayMs))
}

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// pushOutcome is what a push cycle reports to the loop.
type pushOutcome struct {
	empty     bool  // nothing was pending
	acked     bool  // a prefix was acknowledged
	followUp  bool  // step 13 asks for another cycle
	remaining int   // pending entries afterwards
	err       error // the failure of a cycle that acknowledged nothing
}

// pushDone applies a cycle's outcome: failure counter, backoff, follow-ups
// and pushNow waiters (§12.8.1, §12.8.4, §12.8.6, §12.13).
func (s *syncer) pushDone(t *ticket, out pushOutcome) {
	follow := s.pushFollow
	s.pushFollow = false
	var carry []chan error
	for _, w := range t.takeWaiters() {
		switch {
		case out.empty || (out.acked && out.remaining == 0):
			reply(w, nil)
		case out.acked:
			carry = append(carry, w)
		default:
			reply(w, out.err)
		}
	}
	switch {
	case out.acked:
		s.failures = 0
		if s.backoff != nil {
			s.clearBackoff()
		}
		s.installInterval()
	case !out.empty:
		s.failures++
		s.scheduleBackoff()
	}
	if out.acked && (out.followUp || follow || len(carry) > 0) && (s.automatic() || len(carry) > 0) {
		if s.lastPush == nil || !s.lastPush.join(nil) {
			s.enqueuePush(carry...)
		} else {
			for _, w := range carry {
				s.lastPush.join(w)
			}
		}
	}
}
