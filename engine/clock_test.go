package engine

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFakeClockFiresInDeadlineOrder(t *testing.T) {
	c := NewFakeClock(time.UnixMilli(0))
	var got []int64
	c.AfterFunc(300*time.Millisecond, func() { got = append(got, c.Now().UnixMilli()) })
	c.AfterFunc(100*time.Millisecond, func() {
		got = append(got, c.Now().UnixMilli())
		// A timer scheduled from a callback fires in the same Advance when due.
		c.AfterFunc(100*time.Millisecond, func() { got = append(got, c.Now().UnixMilli()) })
	})
	stopped := c.AfterFunc(150*time.Millisecond, func() { t.Fatal("stopped timer fired") })
	require.True(t, stopped.Stop())
	require.False(t, stopped.Stop())
	c.Advance(250 * time.Millisecond)
	require.Equal(t, []int64{100, 200}, got)
	require.Equal(t, []time.Duration{50 * time.Millisecond}, c.Pending())
	c.Advance(time.Second)
	require.Equal(t, []int64{100, 200, 300}, got)
	require.EqualValues(t, 1250, c.Now().UnixMilli())
}
