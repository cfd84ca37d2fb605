package factor_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// countdownContext is a context whose Err turns to context.Canceled after
// a given number of calls: it shows, without any timing, that a long
// computation keeps asking its context rather than asking once.
type countdownContext struct {
	context.Context
	left atomic.Int64
}

func newCountdown(calls int64) *countdownContext {
	c := &countdownContext{Context: context.Background()}
	c.left.Store(calls)
	return c
}

func (c *countdownContext) Err() error {
	if c.left.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// TestTransformContext checks that TransformContext honours its context:
// a context that is already done stops every W step before it starts; one
// that becomes done during the multiplicative update or between blocks of
// the exact NNLS solve stops it there; and a live context gives the bits
// of Transform.
func TestTransformContext(t *testing.T) {
	train := randomMatrix(40, 30, 0.05, 0, 60)
	large := randomMatrix(3000, 30, 0.05, 0, 61) // many row blocks for the NNLS solve
	type model interface {
		Fit(mat.Matrix) error
		Transform(mat.Matrix) (*mat.Dense, error)
		TransformContext(context.Context, mat.Matrix) (*mat.Dense, error)
	}
	cases := []struct {
		name string
		m    model
		// calls is how many checks of the context the transform of large
		// makes before the countdown context stops it: more than one shows
		// that it checks during the solve, not only before it.
		calls int64
	}{
		{"nmf-nnls", factor.NewNMF(factor.WithK(5), factor.WithSeed(1)), 3},
		{"nmf-mu-kl", factor.NewNMF(factor.WithK(5), factor.WithBeta(factor.KullbackLeibler), factor.WithTol(0), factor.WithMaxIter(50), factor.WithSeed(1)), 3},
		{"nmf-mu-is", factor.NewNMF(factor.WithK(5), factor.WithBeta(factor.ItakuraSaito), factor.WithTol(0), factor.WithMaxIter(50), factor.WithSeed(1)), 3},
		{"als", factor.NewVanillaALS(factor.WithK(5), factor.WithAlpha(0.1), factor.WithSeed(1)), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.m.Fit(train); err != nil {
				t.Fatal(err)
			}
			done, cancel := context.WithCancel(context.Background())
			cancel()
			if w, err := c.m.TransformContext(done, large); !errors.Is(err, context.Canceled) || w != nil {
				t.Errorf("cancelled context: got %v, %v; want nil and an error wrapping context.Canceled", w, err)
			}
			if w, err := c.m.TransformContext(newCountdown(c.calls), large); !errors.Is(err, context.Canceled) || w != nil {
				t.Errorf("context done after %d checks: got %v; want an error wrapping context.Canceled", c.calls, err)
			}
			want, err := c.m.Transform(large)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.m.TransformContext(context.Background(), large)
			if err != nil {
				t.Fatal(err)
			}
			if !sameBits(got, want) {
				t.Error("TransformContext with a live context differs from Transform")
			}
		})
	}
}
