package factor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// kkt checks the optimality conditions of min ½wᵀGw − bᵀw, w ≥ 0: w ≥ 0,
// and the gradient Gw − b is zero where w > 0 and non-negative where w = 0.
func kkt(t *testing.T, name string, w, g, b []float64, tol float64) {
	t.Helper()
	k := len(w)
	for i := 0; i < k; i++ {
		grad := dot(g[i*k:i*k+k], w) - b[i]
		if w[i] < 0 || (w[i] > 0 && math.Abs(grad) > tol) || (w[i] == 0 && grad < -tol) {
			t.Errorf("%s: w[%d] = %g with gradient %g", name, i, w[i], grad)
		}
	}
}

func TestNNQP(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 200; trial++ {
		k := 1 + rng.IntN(8)
		rows := k + rng.IntN(10)
		h := make([]float64, k*rows)
		for i := range h {
			h[i] = rng.Float64()
		}
		g := make([]float64, k*k) // H·Hᵀ
		for s := 0; s < k; s++ {
			for u := 0; u < k; u++ {
				g[s*k+u] = dot(h[s*rows:(s+1)*rows], h[u*rows:(u+1)*rows])
			}
		}
		b := make([]float64, k)
		for i := range b {
			b[i] = rng.NormFloat64() * 3
		}
		w := make([]float64, k)
		q := newNNQP(k)
		if !q.activeSet(w, g, b) {
			t.Fatalf("trial %d: the active set did not finish on a positive definite problem", trial)
		}
		kkt(t, "active set", w, g, b, 1e-9)
	}
}

func TestNNQPSemidefinite(t *testing.T) {
	// G = [[1 1 0] [1 1 0] [0 0 2]] is singular: w0 + w1 is determined, not
	// the split. Coordinate descent must reach a minimizer.
	g := []float64{1, 1, 0, 1, 1, 0, 0, 0, 2}
	b := []float64{1, 1, -1}
	w := []float64{0.3, 0.9, 0.5}
	q := newNNQP(3)
	q.coordinateDescent(w, g, b)
	kkt(t, "coordinate descent", w, g, b, 1e-12)
	if math.Abs(w[0]+w[1]-1) > 1e-12 || w[2] != 0 {
		t.Errorf("got %v, want w0 + w1 = 1 and w2 = 0", w)
	}
	w = make([]float64, 3)
	q.solve(w, g, b)
	kkt(t, "solve", w, g, b, 1e-12)
}

func TestNNQPZeroHessian(t *testing.T) {
	// G = [[1 0] [0 0]]: the second entry's row of H is zero, and b[1] = −l1
	// (an L1 penalty and no data behind it). The objective is then linear and
	// increasing in w1, so the minimizer has w1 = 0 wherever coordinate
	// descent starts.
	g := []float64{1, 0, 0, 0}
	b := []float64{1, -0.5}
	w := []float64{0.2, 0.7}
	q := newNNQP(2)
	q.coordinateDescent(w, g, b)
	kkt(t, "coordinate descent", w, g, b, 1e-12)
	if w[0] != 1 || w[1] != 0 {
		t.Errorf("got %v, want [1 0]", w)
	}
}
