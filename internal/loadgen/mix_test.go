package loadgen

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDrawsFollowTheWeights(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mix  Mix
	}{
		{"the default mix", DefaultMix},
		{"reads only", Mix{Agenda: 1, Search: 1}},
		{"uneven", Mix{Agenda: 97, Book: 2, Move: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := tt.mix.picker()
			require.NoError(t, err)
			const draws = 200_000
			r := rand.New(rand.NewPCG(42, 7))
			got := map[Endpoint]int{}
			for range draws {
				got[p.pick(r)]++
			}
			total := 0.0
			for _, w := range tt.mix {
				total += w
			}
			for _, e := range Endpoints {
				want := tt.mix[e] / total
				// 0.5 percentage point: about 5 standard deviations at p=0.4 over 200 000 draws.
				require.InDelta(t, want, float64(got[e])/draws, 0.005, "%s: drawn %d times of %d", e, got[e], draws)
				if tt.mix[e] == 0 {
					require.Zero(t, got[e], "%s has weight 0", e)
				}
			}
		})
	}
}

func TestDrawsAreRepeatableWithASeed(t *testing.T) {
	t.Parallel()
	p, err := DefaultMix.picker()
	require.NoError(t, err)
	seq := func() []Endpoint {
		r := rand.New(rand.NewPCG(3, 3))
		out := make([]Endpoint, 50)
		for i := range out {
			out[i] = p.pick(r)
		}
		return out
	}
	require.Equal(t, seq(), seq())
}

func TestParseMix(t *testing.T) {
	t.Parallel()
	with := func(changes Mix) Mix {
		m := Mix{}
		for k, v := range DefaultMix {
			m[k] = v
		}
		for k, v := range changes {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		in      string
		want    Mix
		wantErr string
	}{
		{"", DefaultMix, ""},
		{DefaultMix.String(), DefaultMix, ""},
		{"agenda=10, book=0", with(Mix{Agenda: 10, Book: 0}), ""},
		{"status=2.5", with(Mix{Status: 2.5}), ""},
		{"agenda", nil, "want endpoint=weight"},
		{"login=5", nil, `unknown endpoint "login"`},
		{"book=-1", nil, "not a number ≥ 0"},
		{"book=many", nil, "not a number ≥ 0"},
		{"agenda=0,availability=0,search=0,patient=0,book=0,status=0,move=0", nil, "every weight is 0"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseMix(tt.in)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDefaultMixIsTheIssues(t *testing.T) {
	t.Parallel()
	require.Equal(t, "agenda=40,availability=15,search=15,patient=10,book=10,status=5,move=5", DefaultMix.String())
}
