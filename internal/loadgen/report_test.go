package loadgen

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestReportTableAndJSON(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	for i := range 100 {
		rec.add(Agenda, 200, time.Duration(i+1)*time.Millisecond, false)
	}
	rec.add(Book, 201, 4*time.Millisecond, false)
	rec.add(Book, 409, 6*time.Millisecond, false)
	rec.add(Book, 429, 1*time.Millisecond, false)
	rec.add(Book, 0, 10*time.Second, true)
	rep := rec.report(2 * time.Second)
	rep.Mode, rep.Rate, rep.Duration, rep.Mix = Open, 52, Millis(2*time.Second), DefaultMix.String()

	var table bytes.Buffer
	require.NoError(t, rep.WriteTable(&table))
	lines := strings.Split(table.String(), "\n")
	require.Contains(t, lines[0], "open loop, 52 req/s, 2s")
	require.Equal(t, []string{"endpoint", "requests", "req/s", "p50", "p95", "p99", "max", "errors", "timeouts", "conflicts"}, strings.Fields(lines[2]))
	require.Equal(t, []string{"agenda", "100", "50.0", "50.0ms", "95.0ms", "99.0ms", "100.0ms", "0", "0", "0"}, strings.Fields(lines[3]))
	require.Equal(t, []string{"book", "4", "2.0", "4.0ms", "10000.0ms", "10000.0ms", "10000.0ms", "2", "1", "1"}, strings.Fields(lines[4]))
	require.Equal(t, []string{"total", "104", "52.0"}, strings.Fields(lines[5])[:3])
	require.Contains(t, table.String(), "1 answers were 429 Too Many Requests")
	_, ok := rep.Get(Search)
	require.False(t, ok, "an endpoint never drawn has no row")

	var js bytes.Buffer
	require.NoError(t, rep.WriteJSON(&js))
	var back struct {
		Mode      string  `json:"mode"`
		Rate      int     `json:"rate"`
		Endpoints []Stats `json:"endpoints"`
		Total     Stats   `json:"total"`
	}
	require.NoError(t, json.Unmarshal(js.Bytes(), &back), js.String())
	require.Equal(t, "open", back.Mode)
	require.Equal(t, 52, back.Rate)
	require.Len(t, back.Endpoints, 2)
	require.Equal(t, Millis(99*time.Millisecond), back.Endpoints[0].P99)
	require.Equal(t, map[int]int{201: 1, 409: 1, 429: 1, 0: 1}, back.Endpoints[1].Codes)
	require.Equal(t, 104, back.Total.Requests)
}
