package servertest

import "testing"

// item is one acceptance checklist item.
type item struct {
	name string
	run  func(t *testing.T, open Opener)
}

// RunHTTPSuite runs every item of protocol.md A.2, A.3 and A.5-A.10 that an
// in-process server can show (ENV-7, SCH-1 and the restart half of M-2 need
// the binary: cmd/datafn-server tests them) against stores from open. Each
// item gets a fresh store and namespace.
func RunHTTPSuite(t *testing.T, open Opener) {
	var all []item
	all = append(all, envelopeItems()...)
	all = append(all, mutationItems()...)
	all = append(all, transactItems()...)
	all = append(all, cloneItems()...)
	all = append(all, pullItems()...)
	all = append(all, pushItems()...)
	all = append(all, seqItems()...)
	all = append(all, endpointItems()...)
	all = append(all, queryItems()...)
	for _, it := range all {
		t.Run(it.name, func(t *testing.T) { it.run(t, open) })
	}
}
