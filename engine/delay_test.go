package engine

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPE9_RetryDelayFormula(t *testing.T) {
	def := RetryBackoff{BaseDelayMs: 1000, Multiplier: 2, MaxDelayMs: 60000, JitterMs: 500}
	for n, lo := range []time.Duration{1000, 2000, 4000} {
		require.Equal(t, lo*time.Millisecond, retryDelay(def, n+1, 0))
		require.Equal(t, (lo+499)*time.Millisecond, retryDelay(def, n+1, 0.998).Round(time.Millisecond))
	}
	steep := RetryBackoff{BaseDelayMs: 1000, Multiplier: 10, MaxDelayMs: 5000}
	var got []time.Duration
	for n := 1; n <= 3; n++ {
		got = append(got, retryDelay(steep, n, 0.7))
	}
	require.Equal(t, []time.Duration{1000 * time.Millisecond, 5000 * time.Millisecond, 5000 * time.Millisecond}, got)
}

func TestIntervalBackoffWithoutInterval(t *testing.T) {
	cfg := DefaultConfig(nil)
	s := &syncer{c: &Client{cfg: cfg, deps: Deps{Random: func() float64 { return 0 }}}}
	var got []time.Duration
	for f := 1; f <= 4; f++ {
		s.failures = f
		got = append(got, s.intervalBackoffDelay())
	}
	require.Equal(t, []time.Duration{60 * time.Second, 120 * time.Second, 240 * time.Second, 300 * time.Second}, got)
}
