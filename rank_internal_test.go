package factor

import (
	"context"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestHeldOutError recomputes EstimateRank's held-out errors from the
// documented fold construction: the base entries numbered in row-major
// order (all n·m, or Ω), fold t holding out those whose rank in the
// survey's permutation lies in [t·h, t·h + h) mod N with h = round(p·N),
// each fold fitted here by NMF.Fit with WithWeights of the base weights
// with the held-out entries at 0, and scored here by the mean divergence
// on them, weighted. It also checks that the permutation is one and that
// disjoint folds are disjoint. Cases: Frobenius and KL on dense data,
// folds that wrap around (f·h > N), and missing entries (NaN, with
// WithObservedOnly) with weights.
func TestHeldOutError(t *testing.T) {
	x := lowRankDense(16, 12, 3, 4)
	missing := mat.DenseCopyOf(x)
	weights := mat.NewDense(16, 12, nil)
	for i := range 16 {
		for j := range 12 {
			weights.Set(i, j, float64((i+2*j)%4)/2) // 0, 0.5, 1 or 1.5
			if (3*i+j)%7 == 0 {
				missing.Set(i, j, math.NaN())
			}
		}
	}
	ks := []int{2, 4}
	for _, tc := range []struct {
		name  string
		x     *mat.Dense
		folds int
		p     float64
		opts  []Option
	}{
		{"frobenius", x, 3, 0.1, nil},
		{"kl", x, 2, 0.2, []Option{WithBeta(KullbackLeibler)}},
		{"wrapping", x, 3, 0.45, nil},
		{"observed, weighted", missing, 2, 0.15, []Option{WithObservedOnly(), WithWeights(weights)}},
	} {
		opts := append([]Option{WithRestarts(1), WithHeldOutFolds(tc.folds), WithHeldOutFraction(tc.p), WithSeed(7)}, tc.opts...)
		scores, err := EstimateRank(context.Background(), tc.x, ks, opts...)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		cfg := newConfig(opts)
		// The base entries: every (i, j), or those observed with a
		// positive weight.
		var base [][2]int
		for i := range 16 {
			for j := range 12 {
				if tc.x.At(i, j) == tc.x.At(i, j) && (len(tc.opts) < 2 || weights.At(i, j) > 0) {
					base = append(base, [2]int{i, j})
				}
			}
		}
		in, _, err := cfg.nmfInput(tc.x)
		if err != nil {
			t.Fatal(err)
		}
		h, err := newHeldOut(in, &cfg)
		if err != nil {
			t.Fatal(err)
		}
		rank := h.ranks()
		total := len(base)
		size := int(math.Round(tc.p * float64(total)))
		if h.total != total || h.h != size || len(rank) != total {
			t.Fatalf("%s: N = %d, h = %d, ranks %d; want %d, %d, %d", tc.name, h.total, h.h, len(rank), total, size, total)
		}
		seen := make([]bool, total)
		for _, r := range rank {
			if r < 0 || r >= total || seen[r] {
				t.Fatalf("%s: the ranks are no permutation", tc.name)
			}
			seen[r] = true
		}
		timesHeld := make([]int, total)
		for ki, k := range ks {
			var errs []float64
			for f := range tc.folds {
				mask := mat.NewDense(16, 12, nil)
				var heldOut [][2]int
				for e, ij := range base {
					w := 1.0
					if len(tc.opts) == 2 {
						w = weights.At(ij[0], ij[1])
					}
					if heldOutBy(rank[e], f, size, total) {
						heldOut = append(heldOut, ij)
						if ki == 0 {
							timesHeld[e]++
						}
						continue
					}
					mask.Set(ij[0], ij[1], w)
				}
				if len(heldOut) != size {
					t.Fatalf("%s: fold %d holds out %d entries, want %d", tc.name, f, len(heldOut), size)
				}
				fitOpts := append([]Option{WithK(k), WithSeed(7), WithWeights(mask)}, tc.opts...)
				if len(tc.opts) == 2 {
					fitOpts = fitOpts[:len(fitOpts)-1] // the mask carries the weights
				}
				m := NewNMF(fitOpts...)
				if err := m.Fit(tc.x); err != nil {
					t.Fatalf("%s: fold %d: %v", tc.name, f, err)
				}
				var wh mat.Dense
				wh.Mul(m.W(), m.H())
				var sum, wsum float64
				for _, ij := range heldOut {
					xv, y, w := tc.x.At(ij[0], ij[1]), wh.At(ij[0], ij[1]), 1.0
					if len(tc.opts) == 2 {
						w = weights.At(ij[0], ij[1])
					}
					d := (xv - y) * (xv - y) / 2
					if cfg.beta == KullbackLeibler {
						d = y - xv
						if xv > 0 {
							d += xv * math.Log(xv/y)
						}
					}
					sum += w * d
					wsum += w
				}
				errs = append(errs, sum/wsum)
			}
			var mean, ss float64
			for _, e := range errs {
				mean += e / float64(len(errs))
			}
			for _, e := range errs {
				ss += (e - mean) * (e - mean)
			}
			std := math.Sqrt(ss/float64(len(errs)-1)) / math.Sqrt(float64(len(errs)))
			s := scores[ki]
			if math.Abs(s.HeldOutErr-mean) > 1e-12*mean || math.Abs(s.HeldOutErrStd-std) > 1e-12*mean {
				t.Errorf("%s: k = %d: held-out error %.15g ± %.15g, recomputed %.15g ± %.15g", tc.name, k, s.HeldOutErr, s.HeldOutErrStd, mean, std)
			}
		}
		if tc.folds*size <= total {
			for e, c := range timesHeld {
				if c > 1 {
					t.Errorf("%s: entry %v held out by %d folds, want disjoint folds", tc.name, base[e], c)
				}
			}
		}
	}
}

// heldOutBy reports whether fold t holds out the entry of rank r in the
// permutation of N = total entries, h = size a fold: whether r lies in
// [t·h, t·h + h) modulo N, as EstimateRank documents its folds.
func heldOutBy(r, t, size, total int) bool {
	return ((r-t*size)%total+total)%total < size
}
