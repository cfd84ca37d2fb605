package factor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestOrthonormalize checks both paths of orthonormalize: the result has
// orthonormal columns spanning the input's columns, for a well-conditioned
// input (CholeskyQR2) and for one with two equal columns (Householder).
func TestOrthonormalize(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const rows, cols = 300, 8
	for _, degenerate := range []bool{false, true} {
		a := make([]float64, rows*cols)
		for i := range a {
			a[i] = rng.NormFloat64()
		}
		if degenerate {
			for i := 0; i < rows; i++ {
				a[i*cols+5] = a[i*cols+2]
			}
		}
		q := append([]float64(nil), a...)
		c := newCore(&input{n: rows, m: 1}, cols, nil, nil, newPool(2))
		c.orthonormalize(q, rows, cols, 2)
		c.pool.close()
		for s := 0; s < cols; s++ {
			for u := 0; u < cols; u++ {
				var d float64
				for i := 0; i < rows; i++ {
					d += q[i*cols+s] * q[i*cols+u]
				}
				want := 0.0
				if s == u {
					want = 1
				}
				if math.Abs(d-want) > 1e-12 {
					t.Fatalf("degenerate=%v: (QᵀQ)[%d,%d] = %g", degenerate, s, u, d)
				}
			}
		}
		// Every column of a lies in the span of Q: a − Q·Qᵀa = 0.
		for u := 0; u < cols; u++ {
			resid := 0.0
			for i := 0; i < rows; i++ {
				v := a[i*cols+u]
				for s := 0; s < cols; s++ {
					var proj float64
					for r := 0; r < rows; r++ {
						proj += q[r*cols+s] * a[r*cols+u]
					}
					v -= q[i*cols+s] * proj
				}
				resid += v * v
			}
			if resid > 1e-20*rows {
				t.Fatalf("degenerate=%v: column %d leaves the span by %g", degenerate, u, math.Sqrt(resid))
			}
		}
	}
}
