package factor_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// TestScaleSweep is the scale rule's property test: for every beta and
// every scale s from 1e-200 to 1e200, a fit of s·X is as good as a fit of
// X (its factors, scaled back by 1/√s each, have a divergence from X within
// 10% of the unscaled fit's), or the fit fails with an error (ErrNotFinite,
// when its objective is not representable at that scale); its reported
// objective is s^β times the divergence of the scaled-back factors, as the
// test computes it; and VanillaALS keeps its error in the same way.
func TestScaleSweep(t *testing.T) {
	withZeros := randomMatrix(30, 20, 0.05, 0.3, 11)
	positive := randomMatrix(30, 20, 0.05, 0, 12)
	exps := []int{-200, -100, -30, -12, 12, 30, 100, 200}
	for _, beta := range []float64{2, 1, 0, 0.5, 1.5, 3} {
		x0 := withZeros
		if beta <= 0 {
			x0 = positive
		}
		fit := func(x mat.Matrix) (*factor.NMF, error) {
			m := factor.NewNMF(factor.WithK(4), factor.WithBeta(beta), factor.WithSeed(1), factor.WithMaxIter(300))
			return m, m.Fit(x)
		}
		m0, err := fit(x0)
		if err != nil {
			t.Fatalf("beta %g at scale 1: %v", beta, err)
		}
		ref := betaDivergence(x0, m0.W(), m0.H(), beta)
		for _, e := range exps {
			t.Run(fmt.Sprintf("beta=%g/s=1e%d", beta, e), func(t *testing.T) {
				s := math.Pow(10, float64(e))
				var x mat.Dense
				x.Scale(s, x0)
				m, err := fit(&x)
				if err != nil {
					// Only where s^β·D is beyond float64 may the fit fail.
					if !errors.Is(err, factor.ErrNotFinite) || e*int(math.Max(beta, 1)) <= 100 {
						t.Errorf("error %v, want a result (or ErrNotFinite past float64)", err)
					}
					return
				}
				w, h := m.W(), m.H()
				w.Scale(1/math.Sqrt(s), w)
				h.Scale(1/math.Sqrt(s), h)
				d := betaDivergence(x0, w, h, beta)
				if !(d <= 1.1*ref) {
					t.Errorf("divergence of the scaled-back fit %g, %.3g times the unscaled fit's", d, d/ref)
				}
				// Objective = s^β·d, computed in logarithms where s^β is not
				// representable; an objective that underflows is allowed.
				want := math.Log(d) + beta*math.Log(s)
				underflows := want < math.Log(math.SmallestNonzeroFloat64)
				if got := m.Objective(); !(underflows && got == 0) && !(math.Abs(math.Log(got)-want) <= 1e-6) {
					t.Errorf("Objective %g, want exp(%g) = s^β times the divergence %g", got, want, d)
				}
			})
		}
	}
	for _, e := range exps {
		s := math.Pow(10, float64(e))
		fit := func(x mat.Matrix) (*factor.VanillaALS, error) {
			a := factor.NewVanillaALS(factor.WithK(4), factor.WithSeed(1), factor.WithMaxIter(100))
			return a, a.Fit(x)
		}
		a0, err := fit(withZeros)
		if err != nil {
			t.Fatal(err)
		}
		var x mat.Dense
		x.Scale(s, withZeros)
		a, err := fit(&x)
		if err != nil {
			if !errors.Is(err, factor.ErrNotFinite) {
				t.Errorf("ALS at scale 1e%d: %v, want a result or ErrNotFinite", e, err)
			}
			continue
		}
		if r0, r := a0.ReconstructionErr(), a.ReconstructionErr()/s; !(r <= 1.1*r0) {
			t.Errorf("ALS at scale 1e%d: relative error %g against %g at scale 1", e, r, r0)
		}
	}
}

// TestScaledTransform: Transform of s·X by a model fitted on s·X gives s
// times the W of Transform at scale 1, to within the iterations' accuracy,
// for the exact NNLS step and for MU, at scales where the floors of the
// solvers would otherwise act.
func TestScaledTransform(t *testing.T) {
	x0 := randomMatrix(30, 20, 0.05, 0.3, 13)
	for _, beta := range []float64{2, 1} {
		for _, e := range []int{-150, -20, 20, 150} {
			s := math.Pow(10, float64(e))
			var x mat.Dense
			x.Scale(s, x0)
			iters := 3000 // HALS to a W that Transform's exact solve reproduces to 1e-6
			if beta != 2 {
				iters = 400
			}
			m := factor.NewNMF(factor.WithK(3), factor.WithBeta(beta), factor.WithSeed(2), factor.WithTol(0), factor.WithMaxIter(iters))
			if err := m.Fit(&x); err != nil {
				t.Fatalf("beta %g, 1e%d: %v", beta, e, err)
			}
			w, err := m.Transform(&x)
			if err != nil {
				t.Fatalf("beta %g, 1e%d: Transform: %v", beta, e, err)
			}
			tol := 1e-6
			if beta != 2 {
				tol = 0.05 // MU from its constant start, under the fit's iteration limit
			}
			if d := relErr(w, m.W()); !(d <= tol) {
				t.Errorf("beta %g, 1e%d: Transform of the training data differs from W by %g", beta, e, d)
			}
		}
	}
}

// TestObjectiveClaimsNoFitItLacks: data with one entry of 1e150 among
// entries near 1. For KL the sums behind the objective cancel to nothing,
// and the objective must still be the divergence of the factors, computed
// here entry by entry; for β = 0.5 the factors collapse to a model that is
// 0 where X is not, whose divergence is infinite, and the fit must fail.
func TestObjectiveClaimsNoFitItLacks(t *testing.T) {
	x := randomMatrix(30, 20, 0.05, 0.3, 11)
	x.Set(3, 4, 1e150)
	kl := factor.NewNMF(factor.WithK(4), factor.WithBeta(factor.KullbackLeibler), factor.WithSeed(1))
	if err := kl.Fit(x); err != nil {
		t.Fatal(err)
	}
	if got, want := kl.Objective(), betaDivergence(x, kl.W(), kl.H(), 1); !(math.Abs(got-want) <= 1e-6*want) {
		t.Errorf("KL: Objective %g, the factors' divergence %g", got, want)
	}
	err := factor.NewNMF(factor.WithK(4), factor.WithBeta(0.5), factor.WithSeed(1)).Fit(x)
	if !errors.Is(err, factor.ErrNotFinite) {
		t.Errorf("β = 0.5: %v, want ErrNotFinite for a model that is 0 where X is not", err)
	}
}
