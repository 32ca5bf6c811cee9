package loadgen

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPercentilesAreExactNearestRank(t *testing.T) {
	t.Parallel()
	ms := func(n ...int) Latencies {
		l := make(Latencies, len(n))
		for i, v := range n {
			l[i] = time.Duration(v) * time.Millisecond
		}
		return l
	}
	// 1…n ms, shuffled: the p-th percentile of 1…100 is p ms.
	seq := func(n int) Latencies {
		l := make(Latencies, n)
		for i := range l {
			l[i] = time.Duration(i+1) * time.Millisecond
		}
		r := rand.New(rand.NewPCG(1, 2))
		r.Shuffle(len(l), func(i, j int) { l[i], l[j] = l[j], l[i] })
		return l
	}
	tests := []struct {
		name               string
		in                 Latencies
		p50, p95, p99, max time.Duration
	}{
		{"none", nil, 0, 0, 0, 0},
		{"one", ms(7), 7 * time.Millisecond, 7 * time.Millisecond, 7 * time.Millisecond, 7 * time.Millisecond},
		{"two", ms(10, 20), 10 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond},
		{"1…100 ms", seq(100), 50 * time.Millisecond, 95 * time.Millisecond, 99 * time.Millisecond, 100 * time.Millisecond},
		{"1…1000 ms", seq(1000), 500 * time.Millisecond, 950 * time.Millisecond, 990 * time.Millisecond, 1000 * time.Millisecond},
		// 99 fast answers and one slow: p99 is still fast, max is not.
		{"one outlier in 100", append(ms(make([]int, 99)...), time.Second), 0, 0, 0, time.Second},
		// 98 fast and 2 slow: p99 (rank 99) is slow.
		{"two outliers in 100", append(append(ms(make([]int, 98)...), time.Second), 2*time.Second), 0, 0, time.Second, 2 * time.Second},
		{"ten values", ms(5, 1, 9, 3, 7, 2, 8, 4, 10, 6), 5 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := append(Latencies(nil), tt.in...)
			l.Sort()
			require.Equal(t, tt.p50, l.Percentile(50), "p50")
			require.Equal(t, tt.p95, l.Percentile(95), "p95")
			require.Equal(t, tt.p99, l.Percentile(99), "p99")
			require.Equal(t, tt.max, l.Max(), "max")
			require.Equal(t, tt.max, l.Percentile(100), "p100 is the max")
		})
	}
}

func TestSeriesCountsConflictsApartFromErrors(t *testing.T) {
	t.Parallel()
	var s series
	for _, r := range []struct {
		code    int
		timeout bool
	}{{200, false}, {201, false}, {409, false}, {409, false}, {500, false}, {429, false}, {404, false}, {0, true}, {0, false}} {
		s.add(r.code, time.Millisecond, r.timeout)
	}
	st := s.stats("book", time.Second)
	require.Equal(t, 9, st.Requests)
	require.Equal(t, 2, st.Conflicts, "409s are conflicts")
	require.Equal(t, 5, st.Errors, "500, 429, 404 and the two without an answer")
	require.Equal(t, 1, st.Timeouts)
	require.Equal(t, map[int]int{200: 1, 201: 1, 409: 2, 500: 1, 429: 1, 404: 1, 0: 2}, st.Codes)
	require.InDelta(t, 9.0, st.Rate, 1e-9)
}

func TestMillisAreWrittenInMilliseconds(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(struct {
		A, B, C Millis
	}{Millis(1500 * time.Microsecond), Millis(2 * time.Second), Millis(1234567 * time.Nanosecond)})
	require.NoError(t, err)
	require.JSONEq(t, `{"A":1.5,"B":2000,"C":1.235}`, string(b))
	var m Millis
	require.NoError(t, json.Unmarshal([]byte("12.5"), &m))
	require.Equal(t, Millis(12500*time.Microsecond), m)
}
