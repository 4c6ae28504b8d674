package engine

// PendingLocal is the number of local-path mutations waiting for the next
// group commit (for tests of package engine_test).
func PendingLocal(c *Client) int {
	c.groups.mu.Lock()
	defer c.groups.mu.Unlock()
	if c.groups.pending == nil {
		return 0
	}
	return len(c.groups.pending.reqs)
}
