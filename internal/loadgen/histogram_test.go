package loadgen

import (
	"bytes"
	"encoding/xml"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBucketsAreLogScale(t *testing.T) {
	t.Parallel()
	require.Equal(t, 100*time.Microsecond, bucketEdges[0])
	require.Equal(t, 10*time.Second, bucketEdges[len(bucketEdges)-1])
	for i := 1; i < len(bucketEdges); i++ {
		ratio := float64(bucketEdges[i]) / float64(bucketEdges[i-1])
		require.Contains(t, []float64{2, 2.5}, ratio, "edge %s after %s", bucketEdges[i], bucketEdges[i-1])
	}
	l := Latencies{10 * time.Microsecond, 150 * time.Microsecond, 200 * time.Microsecond, 3 * time.Millisecond, 4 * time.Millisecond, 20 * time.Second}
	got := bucketCounts(l)
	want := make([]int, len(bucketEdges)-1)
	want[0] = 2           // below 100 µs, and [100 µs, 200 µs)
	want[1] = 1           // [200 µs, 500 µs)
	want[4] = 2           // [2 ms, 5 ms)
	want[len(want)-1] = 1 // 20 s: the last bucket
	require.Equal(t, want, got)
}

func TestHistogramIsAnSVGWithEveryEndpoint(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	for i := range 500 {
		e := Endpoints[i%len(Endpoints)]
		rec.add(e, 200, time.Duration(i+1)*37*time.Microsecond, false)
	}
	rep := rec.report(time.Second)
	var buf bytes.Buffer
	require.NoError(t, rep.WriteHistogram(&buf))

	// Well-formed XML whose texts name every endpoint and the axes.
	dec := xml.NewDecoder(&buf)
	var texts []string
	rects := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "rect" {
				rects++
			}
		case xml.CharData:
			texts = append(texts, string(tok))
		}
	}
	for _, e := range Endpoints {
		require.Contains(t, texts, string(e))
	}
	require.Contains(t, texts, "latency (log scale)")
	require.Contains(t, texts, "requests")
	require.Contains(t, texts, "1ms")
	require.Contains(t, texts, "1s")
	require.Greater(t, rects, len(Endpoints)*2, "bars and legend boxes")
}
