//go:build js && wasm

package idb

import (
	"errors"
	"fmt"
	"syscall/js"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/protocol"
)

// DOMError is a DOMException raised by IndexedDB or the Web Locks API. Two
// DOMErrors match with errors.Is when their names are equal, so callers test
// errors.Is(err, idb.ErrQuotaExceeded) whatever the browser's message.
type DOMError struct {
	Name    string
	Message string
}

func (e *DOMError) Error() string { return e.Name + ": " + e.Message }

// Is reports whether target is a *DOMError with the same name.
func (e *DOMError) Is(target error) bool {
	t, ok := target.(*DOMError)
	return ok && t.Name == e.Name
}

// DOM exception names this package reacts to.
var (
	ErrQuotaExceeded       = &DOMError{Name: "QuotaExceededError"}
	ErrConstraint          = &DOMError{Name: "ConstraintError"}
	ErrAbort               = &DOMError{Name: "AbortError"}
	ErrVersion             = &DOMError{Name: "VersionError"}
	ErrInvalidState        = &DOMError{Name: "InvalidStateError"}
	ErrTransactionInactive = &DOMError{Name: "TransactionInactiveError"}
)

// errBlocked is the cause when an upgrade waits for connections that do not
// close (the `blocked` event) until the caller's context ends.
var errBlocked = errors.New("idb: upgrade blocked by another open connection")

// errInjected is the cause of a failure made by InjectFault.
var errInjected = errors.New("idb: injected fault")

// domError converts a DOMException (or any thrown JS value) to a *DOMError.
func domError(v js.Value) *DOMError {
	t := v.Type()
	if t != js.TypeObject && t != js.TypeFunction {
		return &DOMError{Name: "Error", Message: js.Global().Call("String", v).String()}
	}
	return &DOMError{Name: stringProp(v, "name"), Message: stringProp(v, "message")}
}

func stringProp(v js.Value, name string) string {
	p := v.Get(name)
	if p.Type() != js.TypeString {
		return ""
	}
	return p.String()
}

// catch turns a JS exception thrown by a syscall/js call (a js.Error panic)
// into *err. Go panics of any other kind keep unwinding.
func catch(err *error) {
	r := recover()
	if r == nil {
		return
	}
	if je, ok := r.(js.Error); ok {
		*err = domError(je.Value)
		return
	}
	panic(r)
}

// storageError is the protocol error for a failed IndexedDB operation:
// INTERNAL "Storage error: quota exceeded" when the browser ran out of
// quota, "Storage error: <what>: <Name>: <message>" otherwise. A cause that
// already is a *protocol.Error is returned unchanged.
func storageError(what string, cause error) error {
	var pe *protocol.Error
	if errors.As(cause, &pe) {
		return cause
	}
	if errors.Is(cause, ErrQuotaExceeded) {
		return engine.ErrQuota(cause)
	}
	return engine.StorageError("storage", fmt.Sprintf("%s: %v", what, cause), cause)
}

func errClosed() error { return engine.StorageError("storage", "database is closed", nil) }
