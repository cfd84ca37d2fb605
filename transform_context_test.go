package factor_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// TestTransformContext checks that TransformContext honours its context:
// a context that is already done stops every W step before it starts, one
// whose deadline passes during a long solve (the exact NNLS of many rows,
// or many iterations of MU) stops it with the deadline's error. (That a
// pass stops within a block once its context is done is TestPoolWatch's.)
func TestTransformContext(t *testing.T) {
	train := randomMatrix(40, 30, 0.05, 0, 60)
	huge := randomMatrix(200000, 30, 0.05, 0, 62) // an NNLS solve of seconds
	type model interface {
		Fit(mat.Matrix) error
		Transform(mat.Matrix) (*mat.Dense, error)
		TransformContext(context.Context, mat.Matrix) (*mat.Dense, error)
	}
	cases := []struct {
		name string
		m    model
		slow mat.Matrix // data whose transform takes far longer than the deadline, or nil
	}{
		{"nmf-nnls", factor.NewNMF(factor.WithK(12), factor.WithSeed(1)), huge},
		{"nmf-mu-kl", factor.NewNMF(factor.WithK(5), factor.WithBeta(factor.KullbackLeibler), factor.WithTol(0), factor.WithMaxIter(50), factor.WithSeed(1)), huge},
		{"nmf-mu-is", factor.NewNMF(factor.WithK(5), factor.WithBeta(factor.ItakuraSaito), factor.WithTol(0), factor.WithMaxIter(50), factor.WithSeed(1)), huge},
		{"als", factor.NewVanillaALS(factor.WithK(5), factor.WithAlpha(0.1), factor.WithSeed(1)), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.m.Fit(train); err != nil {
				t.Fatal(err)
			}
			done, cancel := context.WithCancel(context.Background())
			cancel()
			if w, err := c.m.TransformContext(done, train); !errors.Is(err, context.Canceled) || w != nil {
				t.Errorf("cancelled context: got %v, %v; want nil and an error wrapping context.Canceled", w, err)
			}
			if c.slow != nil {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
				defer cancel()
				if w, err := c.m.TransformContext(ctx, c.slow); !errors.Is(err, context.DeadlineExceeded) || w != nil {
					t.Errorf("deadline during the solve: got %v; want an error wrapping context.DeadlineExceeded", err)
				}
			}
		})
	}
}
