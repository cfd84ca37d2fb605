package factor_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// randomMatrix returns an n×m matrix of uniform [lo, lo+1) entries, with
// each entry zero with probability zeros.
func randomMatrix(n, m int, lo, zeros float64, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := mat.NewDense(n, m, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			if rng.Float64() >= zeros {
				x.Set(i, j, lo+rng.Float64())
			}
		}
	}
	return x
}

// withNaN returns a copy of x with each entry NaN (missing) with
// probability share.
func withNaN(x *mat.Dense, share float64, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 9))
	out := mat.DenseCopyOf(x)
	n, m := x.Dims()
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			if rng.Float64() < share {
				out.Set(i, j, math.NaN())
			}
		}
	}
	return out
}

// sparseOf converts a dense matrix to CSR, storing its nonzero entries.
func sparseOf(t testing.TB, x *mat.Dense) *factor.CSR {
	t.Helper()
	n, m := x.Dims()
	var is, js []int
	var vs []float64
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			if v := x.At(i, j); v != 0 {
				is, js, vs = append(is, i), append(js, j), append(vs, v)
			}
		}
	}
	c, err := factor.NewCSRFromTriplets(n, m, is, js, vs)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// betaDivergence computes D_β(X | WH) entry by entry from its definition,
// independently of the package: ½(x−y)² for β = 2, x·log(x/y) − x + y for
// β = 1, x/y − log(x/y) − 1 for β = 0, and
// (x^β − β·x·y^(β−1) + (β−1)·y^β)/(β(β−1)) otherwise, where an entry with
// x = 0 contributes its limit (y for KL, y^β/β in general).
func betaDivergence(x, w, h mat.Matrix, beta float64) float64 {
	var y mat.Dense
	y.Mul(w, h)
	n, m := x.Dims()
	var d float64
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			xv, yv := x.At(i, j), y.At(i, j)
			switch {
			case beta == 2:
				d += 0.5 * (xv - yv) * (xv - yv)
			case beta == 1 && xv == 0:
				d += yv
			case beta == 1:
				d += xv*math.Log(xv/yv) - xv + yv
			case beta == 0:
				d += xv/yv - math.Log(xv/yv) - 1
			case xv == 0:
				d += math.Pow(yv, beta) / beta
			default:
				d += (math.Pow(xv, beta) - beta*xv*math.Pow(yv, beta-1) + (beta-1)*math.Pow(yv, beta)) / (beta * (beta - 1))
			}
		}
	}
	return d
}

// nmfObjective is the NMF objective of DESIGN.md computed from its
// definition: D_β + α_W·m·(l1|W|₁ + ½(1−l1)‖W‖²) + α_H·n·(l1|H|₁ + ½(1−l1)‖H‖²).
func nmfObjective(x, w, h mat.Matrix, beta, alphaW, alphaH, l1 float64) float64 {
	n, m := x.Dims()
	reg := func(a mat.Matrix, alpha float64, scale int) float64 {
		var l1Norm, sq float64
		r, c := a.Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				v := a.At(i, j)
				l1Norm += math.Abs(v)
				sq += v * v
			}
		}
		return alpha * float64(scale) * (l1*l1Norm + 0.5*(1-l1)*sq)
	}
	return betaDivergence(x, w, h, beta) + reg(w, alphaW, m) + reg(h, alphaH, n)
}

// minEntry returns the smallest entry of a.
func minEntry(a mat.Matrix) float64 {
	r, c := a.Dims()
	lo := math.Inf(1)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			lo = math.Min(lo, a.At(i, j))
		}
	}
	return lo
}

// sameBits reports whether a and b have identical entries, bit for bit.
func sameBits(a, b mat.Matrix) bool {
	ar, ac := a.Dims()
	br, bc := b.Dims()
	if ar != br || ac != bc {
		return false
	}
	for i := 0; i < ar; i++ {
		for j := 0; j < ac; j++ {
			if math.Float64bits(a.At(i, j)) != math.Float64bits(b.At(i, j)) {
				return false
			}
		}
	}
	return true
}

// noPanic runs call and turns a panic into a test error, so that every case
// of a table reports, not only the first to panic.
func noPanic(t *testing.T, name string, call func() error) (err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: panic: %v", name, r)
		}
	}()
	return call()
}
