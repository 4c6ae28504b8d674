package engine

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// Storage pressure (issue #8). A write transaction that fails for a reason
// of the storage itself (IndexedDB's QuotaExceededError, a failed commit)
// leaves nothing behind (§11.6): the caller's promise rejects with the
// storage error, and the app gets a storage_failed event. While storage
// fails, the sync engine retries the work that could not be written (clone
// of notStarted tables, pull, push) with a growing delay; the first write
// transaction that stores something again fires storage_recovered and runs
// that work at once.

// ErrQuota is the error of a write refused because the storage is full:
// INTERNAL "Storage error: quota exceeded", path "storage".
func ErrQuota(cause error) *protocol.Error { return StorageError("storage", "quota exceeded", cause) }

const quotaMessage = "Storage error: quota exceeded"

// IsQuotaExceeded reports whether err is ErrQuota.
func IsQuotaExceeded(err error) bool {
	var pe *protocol.Error
	return errors.As(err, &pe) && pe.Code == protocol.CodeInternal && pe.Message == quotaMessage
}

// isStorageFailure reports whether err is a failure of the storage itself
// rather than of the engine's logic (hydration transitions, a bad seq) or of
// a closed database.
func isStorageFailure(err error) bool {
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeInternal || !strings.HasPrefix(pe.Message, "Storage error: ") {
		return false
	}
	switch pe.Message {
	case ErrThroughSeq().Message, ErrHydrationState().Message, ErrHydrationTransition().Message,
		"Storage error: database is closed":
		return false
	}
	return true
}

// watchedStorage reports storage failures and recoveries of the Storage it
// wraps to its client.
type watchedStorage struct {
	Storage
	c       *Client
	failing atomic.Bool
	quota   atomic.Bool // the last failure was ErrQuota
}

func (w *watchedStorage) Update(ctx context.Context, fn func(WriteTx) error) error {
	var m writeMarker
	err := w.Storage.Update(ctx, func(tx WriteTx) error {
		m.WriteTx = tx
		return fn(&m)
	})
	if m.hydration {
		w.c.forgetHydration()
	}
	switch {
	case err == nil:
		// Only a transaction that stored something proves there is room
		// again; after other failures a removal proves the storage works.
		proof := m.grew || (m.shrank && !w.quota.Load())
		if proof && w.failing.CompareAndSwap(true, false) {
			w.c.storageRecovered()
		}
	case isStorageFailure(err):
		w.quota.Store(IsQuotaExceeded(err))
		w.failing.Store(true)
		w.c.storageFailed(err)
	}
	return err
}

// writeMarker notes whether a transaction stored anything (grew) or only
// removed something (shrank), and whether it wrote a hydration state.
type writeMarker struct {
	WriteTx
	grew, shrank bool
	hydration    bool // a hydration state was written
}

func (m *writeMarker) SetHydration(resource string, s HydrationState) error {
	m.hydration = true
	return m.WriteTx.SetHydration(resource, s)
}

func (m *writeMarker) ResetHydration(resource string) error {
	m.hydration = true
	return m.WriteTx.ResetHydration(resource)
}

func (m *writeMarker) DeleteRow(resource, id string) error {
	m.shrank = true
	return m.WriteTx.DeleteRow(resource, id)
}

func (m *writeMarker) ChangelogAck(throughSeq float64) error {
	m.shrank = true
	return m.WriteTx.ChangelogAck(throughSeq)
}

func (m *writeMarker) PutRow(resource string, row value.Value) error {
	m.grew = true
	return m.WriteTx.PutRow(resource, row)
}

func (m *writeMarker) SetCursor(key, cursor string) error {
	m.grew = true
	return m.WriteTx.SetCursor(key, cursor)
}

func (m *writeMarker) SetCloneProgress(resource string, p CloneProgress) error {
	m.grew = true
	return m.WriteTx.SetCloneProgress(resource, p)
}

func (m *writeMarker) ChangelogAppend(e ChangelogEntry) (ChangelogEntry, error) {
	m.grew = true
	return m.WriteTx.ChangelogAppend(e)
}

// storageFailed fires storage_failed and arms the storage retry.
func (c *Client) storageFailed(err error) {
	pe := protocol.As(err)
	c.emit(protocol.Event{Type: protocol.EventStorageFailed, Context: obj(
		kv{"error", obj(kv{"code", value.Str(string(pe.Code))}, kv{"message", value.Str(pe.Message)})},
		kv{"quotaExceeded", value.Boolean(IsQuotaExceeded(err))})})
	if s := c.sync; s != nil {
		s.post(func() {
			s.storageFailing = true
			s.armStorageRetry()
		})
	}
}

// storageRecovered fires storage_recovered and runs the waiting work now.
func (c *Client) storageRecovered() {
	c.emit(protocol.Event{Type: protocol.EventStorageRecovered})
	if s := c.sync; s != nil {
		s.post(func() {
			s.storageFailing = false
			s.storageRetries = 0
			s.clearStorageRetry()
			s.retryAfterStorage()
		})
	}
}

// The storage retry delay: 1 s, doubling up to 30 s.
const (
	storageRetryFirst = time.Second
	storageRetryMax   = 30 * time.Second
)

// armStorageRetry schedules the next retry of the work storage refused
// (loop goroutine). Nothing is scheduled while stopped.
func (s *syncer) armStorageRetry() {
	if !s.storageFailing || !s.running || s.closing || s.storageRetry != nil {
		return
	}
	d := storageRetryFirst << min(s.storageRetries, 5)
	d = min(d, storageRetryMax)
	s.storageRetryGen++
	gen := s.storageRetryGen
	s.storageRetry = s.c.deps.Clock.AfterFunc(d, func() {
		s.post(func() {
			if gen != s.storageRetryGen {
				return
			}
			s.storageRetry = nil
			s.storageRetries++
			s.retryAfterStorage()
			s.armStorageRetry()
		})
	})
}

func (s *syncer) clearStorageRetry() {
	s.storageRetryGen++
	if s.storageRetry != nil {
		s.storageRetry.Stop()
		s.storageRetry = nil
	}
}

// retryAfterStorage requests what a storage failure may have left undone:
// a clone of tables left notStarted, a pull and a push.
func (s *syncer) retryAfterStorage() {
	if !s.automatic() {
		return
	}
	s.requestPull(true, nil)
	s.requestPush(true, nil)
	s.cloneNotStarted()
}
