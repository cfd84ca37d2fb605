package factor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naiveTerms is weigh's per-entry contract written from the formulas, with
// math.Pow throughout: y = 0 becomes epsilon where a power of it is
// negative, and in every x term (scikit-learn's rule).
func naiveTerms(beta, x, y float64) (num, den, dx, dy float64) {
	at := func(e float64) float64 { // y^e with the zero rule for negative e
		if y == 0 && e < 0 {
			return math.Pow(epsilon, e)
		}
		return math.Pow(y, e)
	}
	yx := y // y in the x terms
	if y == 0 {
		yx = epsilon
	}
	num, den = x*at(beta-2), at(beta-1)
	switch beta {
	case 1:
		if x > 0 {
			dx = x*math.Log(x/yx) - x
		}
		return num, 1, dx, y
	case 0:
		if x > 0 {
			dx = x/yx - math.Log(x/yx) - 1
		}
		return num, den, dx, 0
	}
	if x > 0 {
		dx = x * math.Pow(yx, beta-1)
	}
	dy = math.Pow(y, beta)
	if y == 0 && beta <= 0 {
		dy = math.Pow(epsilon, beta)
	}
	return num, den, dx, dy
}

// naiveDivergence is D_β(x | y) of one entry, straight from its definition.
func naiveDivergence(beta, x, y float64) float64 {
	switch beta {
	case 1:
		if x == 0 {
			return y
		}
		return x*math.Log(x/y) - x + y
	case 0:
		return x/y - math.Log(x/y) - 1
	}
	return (math.Pow(x, beta) - beta*x*math.Pow(y, beta-1) + (beta-1)*math.Pow(y, beta)) / (beta * (beta - 1))
}

func closeTo(got, want, tol float64) bool {
	if got == want {
		return true
	}
	return math.Abs(got-want) <= tol*math.Max(math.Abs(got), math.Abs(want))
}

// TestWeighAgainstNaive holds weigh, the one per-entry divergence, to the
// formulas entry by entry, for runs of every length up to 17 (the loops
// have no blocking, but the edge lengths 0 and 1 and odd ones are cheap to
// cover), with zeros in x and y, and checks that its sums continue from
// the values passed in. The tolerance of 4e-15 allows the few ulps by which
// the fast powers of powFunc (1/√y, y·y) and the product p·y differ from
// math.Pow.
func TestWeighAgainstNaive(t *testing.T) {
	const tol = 4e-15
	rng := rand.New(rand.NewPCG(3, 4))
	for _, beta := range []float64{1, 0, 0.5, 1.5, 3, -0.5, 2.5, -2} {
		terms := newBetaTerms(beta)
		for _, n := range []int{0, 1, 2, 3, 4, 5, 7, 8, 17} {
			for _, obj := range []bool{true, false} {
				t.Run(fmt.Sprintf("beta=%g/n=%d/obj=%v", beta, n, obj), func(t *testing.T) {
					x, y := make([]float64, n), make([]float64, n)
					for j := range x {
						x[j], y[j] = 3*rng.Float64(), 2*rng.Float64()
						switch j % 4 {
						case 1:
							x[j] = 0
						case 2:
							y[j] = 0
						}
					}
					model := append([]float64(nil), y...)
					var g []float64
					if beta != 1 {
						g = make([]float64, n)
					}
					s1, s2 := terms.weigh(x, model, g, obj, 0.25, 0.5)
					wantS1, wantS2 := 0.25, 0.5
					for j := range x {
						num, den, dx, dy := naiveTerms(beta, x[j], y[j])
						if !closeTo(model[j], num, tol) {
							t.Errorf("x=%g y=%g: numerator weight %g, want %g", x[j], y[j], model[j], num)
						}
						if g != nil && !closeTo(g[j], den, tol) {
							t.Errorf("x=%g y=%g: denominator weight %g, want %g", x[j], y[j], g[j], den)
						}
						if obj || (beta != 0 && beta != 1) {
							wantS1 += dx
						}
						if beta != 1 {
							wantS2 += dy
						}
					}
					if !closeTo(s1, wantS1, tol) || !closeTo(s2, wantS2, tol) {
						t.Errorf("sums (%g, %g), want (%g, %g)", s1, s2, wantS1, wantS2)
					}
				})
			}
		}
	}
}

// TestDivergenceAssembles checks that weigh's terms, added up by
// divergence, give the beta divergence itself: the sum over the entries of
// D_β(x | y) written from its definition, for y > 0 and x ≥ 0 (x > 0 for
// β ≤ 0, where D_β is not defined at x = 0). For β = 1, Σ dy = Σ y is the
// caller's, as weigh's contract says. Cancellation between the three sums
// of the general formula costs a few digits: 1e-12 relative.
func TestDivergenceAssembles(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, beta := range []float64{1, 0, 0.5, 1.5, 3, -0.5} {
		x, y := make([]float64, 101), make([]float64, 101)
		var want, sumY, sumXBeta float64
		for j := range x {
			x[j], y[j] = 2*rng.Float64(), 0.1+rng.Float64()
			if j%3 == 0 && beta > 0 {
				x[j] = 0
			}
			want += naiveDivergence(beta, x[j], y[j])
			sumY += y[j]
			if x[j] > 0 {
				sumXBeta += math.Pow(x[j], beta)
			}
		}
		terms := newBetaTerms(beta)
		sumDx, sumDy := terms.weigh(x, y, nil, true, 0, 0)
		if beta == 1 {
			sumDy = sumY
		}
		if got := terms.divergence(sumDx, sumDy, sumXBeta); !closeTo(got, want, 1e-12) {
			t.Errorf("beta=%g: divergence %g, want %g", beta, got, want)
		}
	}
}
