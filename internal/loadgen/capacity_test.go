package loadgen_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/loadgen"
	"clinic/internal/platform/db/dbtest"
)

func TestReportPasses(t *testing.T) {
	t.Parallel()
	ms := func(n int) loadgen.Millis { return loadgen.Millis(time.Duration(n) * time.Millisecond) }
	tests := []struct {
		name string
		rep  loadgen.Report
		want bool
	}{
		{"under the bound", loadgen.Report{Mode: loadgen.Open, Rate: 100, Total: loadgen.Stats{Rate: 99, P99: ms(150)}}, true},
		{"at the bound", loadgen.Report{Mode: loadgen.Open, Rate: 100, Total: loadgen.Stats{Rate: 100, P99: ms(200)}}, true},
		{"conflicts are answers", loadgen.Report{Mode: loadgen.Open, Rate: 100, Total: loadgen.Stats{Rate: 100, P99: ms(10), Conflicts: 7}}, true},
		{"p99 beyond", loadgen.Report{Mode: loadgen.Open, Rate: 100, Total: loadgen.Stats{Rate: 100, P99: ms(201)}}, false},
		{"one error", loadgen.Report{Mode: loadgen.Open, Rate: 100, Total: loadgen.Stats{Rate: 100, P99: ms(10), Errors: 1}}, false},
		{"the generator fell behind", loadgen.Report{Mode: loadgen.Open, Rate: 100, Total: loadgen.Stats{Rate: 80, P99: ms(10)}}, false},
		{"closed loop has no rate to keep", loadgen.Report{Mode: loadgen.Closed, Concurrency: 4, Total: loadgen.Stats{Rate: 3, P99: ms(10)}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.rep.Passes(200*time.Millisecond))
		})
	}
}

// TestFindCapacityStopsAtTheFirstRateBeyondTheBound searches a real server
// twice: with a generous bound every rate passes and the best is the
// highest; with a bound no answer can meet, the first rate fails and the
// search stops there.
func TestFindCapacityStopsAtTheFirstRateBeyondTheBound(t *testing.T) {
	t.Parallel()
	env := map[string]string{"FILES_URL": "file://" + t.TempDir()}
	for k, v := range loadEnv {
		env[k] = v
	}
	srv := apptest.New(t, dbtest.SQLiteURL(t), env)
	ctx := context.Background()
	st, err := loadgen.Seed(ctx, srv.URL, loadgen.HTTPClient(), loadgen.SeedOptions{Clinics: 1, Professionals: 2, Patients: 20, Appointments: 4, Users: 2})
	require.NoError(t, err)
	o := loadgen.Options{BaseURL: srv.URL, Duration: time.Second, Seed: 3}

	c, err := loadgen.FindCapacity(ctx, st, o, []int{20, 10}, 5*time.Second, 0, nil)
	require.NoError(t, err)
	require.Len(t, c.Steps, 2)
	assert.Equal(t, []int{10, 20}, []int{c.Steps[0].Rate, c.Steps[1].Rate}, "rates run from the lowest up")
	assert.Equal(t, 20, c.Best)
	assert.Equal(t, 200, c.Users, "one request per user every 10 s")
	var table bytes.Buffer
	require.NoError(t, c.WriteTable(&table))
	assert.Contains(t, table.String(), "capacity: 20 req/s, 200 simultaneous users")

	c, err = loadgen.FindCapacity(ctx, st, o, []int{10, 20}, time.Nanosecond, 0, nil)
	require.NoError(t, err)
	require.Len(t, c.Steps, 1, "the search stops after the first rate beyond the bound")
	assert.False(t, c.Steps[0].Pass)
	assert.Zero(t, c.Best)
	var js bytes.Buffer
	require.NoError(t, c.WriteJSON(&js))
	var back map[string]any
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	assert.EqualValues(t, 0, back["best_rate"])
}
