package engine

import "sync"

// syncer is the sync loop of §12. One goroutine (loop) owns every piece of
// trigger state: whether the engine runs, whether it is online, the push
// interval and backoff timers, the failure counter, and the queues of work.
// Everything else (client calls, timers, connectivity callbacks, finished
// jobs) sends it closures through post. Work itself runs in job goroutines,
// one FIFO job (pull or push cycle) and one clone run at a time; each job
// does its units in the sync lane (§12.10) and reports back to the loop.
//
//	           Start                    Stop / Close
//	stopped ───────────► running ───────────────────► stopped
//	                      │   ▲
//	              offline │   │ online
//	                      ▼   │
//	                   running, offline (no automatic work)
//
//	push trigger state (running):
//	  regular ──cycle acknowledged nothing──► backing off
//	     ▲                                        │
//	     └──────cycle acknowledged something──────┘
//
//	a FIFO job: queued ──holds the lane──► started ──► done
//	  (a request joins a queued job of its kind; a request during a started
//	   pull queues one more; during a started push it sets the follow flag)
type syncer struct {
	c *Client

	inMu   sync.Mutex
	inbox  []func()
	signal chan struct{}
	quit   chan struct{}
	jobs   sync.WaitGroup

	// Owned by the loop goroutine.
	running, online bool
	closing         bool
	unsubConn       func()
	interval        Timer
	intervalGen     int
	backoff         Timer
	backoffGen      int
	failures        int
	fifo            []fifoJob
	fifoBusy        bool
	lastPull        *ticket
	lastPush        *ticket
	pushRunning     *ticket
	pushFollow      bool
	clones          []*cloneJob
	cloneBusy       bool
	lastError       *StatusError
	// storage retry (storage_watch.go)
	storageFailing  bool
	storageRetry    Timer
	storageRetryGen int
	storageRetries  int

	// doubts may be touched from any goroutine (it has its own lock).
	doubts doubts
}

// ticket is one queued pull or push cycle and the callers waiting for it.
// started flips when its first unit holds the lane; until then later
// requests join it.
type ticket struct {
	mu      sync.Mutex
	started bool
	waiters []chan error
}

// join adds w to a ticket that has not started; false when it has.
func (t *ticket) join(w chan error) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.started {
		return false
	}
	if w != nil {
		t.waiters = append(t.waiters, w)
	}
	return true
}

func (t *ticket) start() {
	t.mu.Lock()
	t.started = true
	t.mu.Unlock()
}

func (t *ticket) takeWaiters() []chan error {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.waiters
	t.waiters = nil
	return w
}

func newTicket(w chan error) *ticket {
	t := &ticket{}
	if w != nil {
		t.waiters = []chan error{w}
	}
	return t
}

type fifoJob struct {
	push bool
	t    *ticket
}

func newSyncer(c *Client) *syncer {
	s := &syncer{c: c, signal: make(chan struct{}, 1), quit: make(chan struct{})}
	s.online = c.deps.Connectivity.IsOnline()
	go s.loop()
	return s
}

// post sends fn to the loop goroutine; it never blocks (timers fire from
// FakeClock.Advance and connectivity callbacks from the browser).
func (s *syncer) post(fn func()) {
	s.inMu.Lock()
	s.inbox = append(s.inbox, fn)
	s.inMu.Unlock()
	select {
	case s.signal <- struct{}{}:
	default:
	}
}

// ask runs fn on the loop and waits for it.
func (s *syncer) ask(fn func()) {
	done := make(chan struct{})
	s.post(func() { fn(); close(done) })
	select {
	case <-done:
	case <-s.quit:
	}
}

func (s *syncer) loop() {
	for {
		select {
		case <-s.signal:
		case <-s.quit:
			return
		}
		for {
			s.inMu.Lock()
			batch := s.inbox
			s.inbox = nil
			s.inMu.Unlock()
			if len(batch) == 0 {
				break
			}
			for _, fn := range batch {
				fn()
			}
		}
		// Work starts only after every message that arrived together was
		// handled, so requests of one turn coalesce (§12.10).
		s.kick()
	}
}

// enabled reports whether the client can sync at all (§12.1 step 1).
func (s *syncer) enabled() bool {
	c := s.c.cfg
	return s.c.store != nil && s.c.transport != nil && c.Remote != "" && c.Mode != ModeLocalOnly
}

// automatic reports whether automatic requests are honoured now.
func (s *syncer) automatic() bool { return s.running && s.online && !s.closing }

func reply(w chan error, err error) {
	if w != nil {
		w <- err
	}
}

// admit decides whether a request is taken: a closing engine aborts it, and
// an automatic one is dropped (answered nil) while stopped or offline.
func (s *syncer) admit(auto bool, w chan error) bool {
	if s.closing {
		reply(w, errAborted())
		return false
	}
	if auto && !s.automatic() {
		reply(w, nil)
		return false
	}
	return true
}

// requestPull queues a pull or joins the queued one (loop goroutine).
func (s *syncer) requestPull(auto bool, w chan error) {
	if !s.admit(auto, w) {
		return
	}
	if s.lastPull != nil && s.lastPull.join(w) {
		return
	}
	s.lastPull = newTicket(w)
	s.fifo = append(s.fifo, fifoJob{t: s.lastPull})
}

// requestPush queues a push cycle, joins the queued one, or, while a cycle
// runs, sets the follow flag (§12.8.1). Explicit requests always get a cycle
// of their own after the running one.
func (s *syncer) requestPush(auto bool, w chan error) {
	if !s.admit(auto, w) {
		return
	}
	if s.lastPush != nil && s.lastPush.join(w) {
		return
	}
	if auto && s.pushRunning != nil && s.pushRunning == s.lastPush {
		s.pushFollow = true
		return
	}
	s.enqueuePush(w)
}

func (s *syncer) enqueuePush(waiters ...chan error) {
	t := &ticket{}
	for _, w := range waiters {
		if w != nil {
			t.waiters = append(t.waiters, w)
		}
	}
	s.lastPush = t
	s.fifo = append(s.fifo, fifoJob{push: true, t: t})
}

// kick starts the next FIFO job and the next clone run when idle.
func (s *syncer) kick() {
	if s.closing {
		return
	}
	// A queued job nobody waits for is automatic work: once the engine is
	// stopped (or offline) it no longer starts (§12.1 stop()).
	for !s.fifoBusy && len(s.fifo) > 0 && len(s.fifo[0].t.waiters) == 0 && !s.automatic() {
		j := s.fifo[0]
		s.fifo = s.fifo[1:]
		if s.lastPush == j.t {
			s.lastPush = nil
		}
		if s.lastPull == j.t {
			s.lastPull = nil
		}
	}
	if !s.fifoBusy && len(s.fifo) > 0 {
		j := s.fifo[0]
		s.fifo = s.fifo[1:]
		s.fifoBusy = true
		s.jobs.Add(1)
		if j.push {
			s.pushRunning = j.t
			go s.runPushJob(j.t)
		} else {
			go s.runPullJob(j.t)
		}
	}
	if !s.cloneBusy && len(s.clones) > 0 {
		j := s.clones[0]
		s.clones = s.clones[1:]
		s.cloneBusy = true
		s.jobs.Add(1)
		go s.runCloneJob(j)
	}
}

func (s *syncer) runPullJob(t *ticket) {
	defer s.jobs.Done()
	err := s.pull(s.c.ctx, t)
	s.post(func() {
		s.fifoBusy = false
		for _, w := range t.takeWaiters() {
			reply(w, err)
		}
	})
}

func (s *syncer) runPushJob(t *ticket) {
	defer s.jobs.Done()
	out := s.pushCycle(s.c.ctx, t)
	s.post(func() {
		s.fifoBusy = false
		s.pushRunning = nil
		s.pushDone(t, out)
	})
}

func (s *syncer) runCloneJob(j *cloneJob) {
	defer s.jobs.Done()
	err := s.cloneRun(s.c.ctx, j)
	s.post(func() {
		s.cloneBusy = false
		reply(j.done, err)
	})
}

// shutdown stops everything for Close: queued work is dropped (its waiters
// get DFQL_ABORTED), running jobs finish (their requests are aborted), then
// the loop ends.
func (s *syncer) shutdown() {
	s.ask(func() {
		s.stopLocked()
		s.closing = true
		for _, j := range s.fifo {
			for _, w := range j.t.takeWaiters() {
				reply(w, errAborted())
			}
		}
		s.fifo = nil
		for _, j := range s.clones {
			reply(j.done, errAborted())
		}
		s.clones = nil
	})
	s.jobs.Wait()
	// The jobs' reports are already queued; quit is closed after them, so
	// every waiter gets its answer.
	s.post(func() { close(s.quit) })
	<-s.quit
}
