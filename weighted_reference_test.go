package factor_test

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// weightedCase is one case of kind "weighted" (NMF) or "als_weighted"
// (VanillaALS) of testdata/reference_next (../shared's
// make_reference_next.py) or testdata/reference_weighted
// (tools/refgen/make_weighted.py): X, the weights M (0 = missing), the
// start W0, H0, and the W, H and objective reached after exactly n_iter
// iterations with tol = 0. The entries of X where M = 0 hold junk
// (1000·max|X|), except in the "observed" cases, where M is the stored
// pattern of a sparse X.
type weightedCase struct {
	Name        string      `json:"name"`
	Kind        string      `json:"kind"`
	Solver      string      `json:"solver"`
	Beta        float64     `json:"beta"`
	K           int         `json:"k"`
	AlphaW      float64     `json:"alpha_w"`
	AlphaH      float64     `json:"alpha_h"`
	L1Ratio     float64     `json:"l1_ratio"`
	Alpha       float64     `json:"alpha"`
	MaxIter     int         `json:"max_iter"`
	NIter       int         `json:"n_iter"`
	CountScaled bool        `json:"count_scaled"`
	NonNegative bool        `json:"nonnegative"`
	Observed    bool        `json:"observed"`
	X           [][]float64 `json:"X"`
	M           [][]float64 `json:"M"`
	W0          [][]float64 `json:"W0"`
	H0          [][]float64 `json:"H0"`
	W           [][]float64 `json:"W"`
	H           [][]float64 `json:"H"`
	Objective   float64     `json:"objective"`
}

// loadWeightedCases returns the weighted and als_weighted cases of
// testdata/reference_next (9 and 3 of them, as make_reference_next.py
// writes) and of testdata/reference_weighted.
func loadWeightedCases(t *testing.T) []weightedCase {
	t.Helper()
	next := append(loadJSONCases[weightedCase](t, filepath.Join("testdata", "reference_next", "w_*.json")),
		loadJSONCases[weightedCase](t, filepath.Join("testdata", "reference_next", "als_w_*.json"))...)
	if len(next) != 12 {
		t.Fatalf("want the 12 weighted cases of reference_next, found %d", len(next))
	}
	own := loadJSONCases[weightedCase](t, filepath.Join("testdata", "reference_weighted", "*.json"))
	for _, c := range append(next, own...) {
		if c.Kind != "weighted" && c.Kind != "als_weighted" {
			t.Fatalf("case %s: kind %q, want weighted or als_weighted", c.Name, c.Kind)
		}
	}
	return append(next, own...)
}

// weightedForm is one way of passing a case to Fit: X and the options
// that say which entries count.
type weightedForm struct {
	name string
	x    mat.Matrix
	opts []factor.Option
}

// csrOnPattern returns the CSR matrix that stores x's value at every
// position where pattern > 0 (a stored value may be 0) and nothing
// elsewhere: the observed entries of a ratings matrix.
func csrOnPattern(t testing.TB, x, pattern mat.Matrix) *factor.CSR {
	t.Helper()
	n, m := x.Dims()
	indptr := make([]int, n+1)
	var indices []int
	var data []float64
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			if pattern.At(i, j) > 0 {
				indices = append(indices, j)
				data = append(data, x.At(i, j))
			}
		}
		indptr[i+1] = len(data)
	}
	c, err := factor.NewCSR(n, m, indptr, indices, data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// nanOffPattern returns a copy of x with NaN wherever pattern is not > 0.
func nanOffPattern(x, pattern mat.Matrix) *mat.Dense {
	d := mat.DenseCopyOf(x)
	n, m := d.Dims()
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			if !(pattern.At(i, j) > 0) {
				d.Set(i, j, math.NaN())
			}
		}
	}
	return d
}

// forms returns the ways the case must pass. An observed case: X as a CSR
// storing exactly the entries where M > 0, and X dense with NaN where
// M = 0, both with WithObservedOnly. Any other case: M with WithWeights as
// a *mat.Dense and as a *CSR (stored where M > 0), with X dense as given
// (junk where M = 0) and as a CSR of X's nonzeros (the junk included); and
// the two observed forms with WithWeights(M) as well, whose weights then
// apply to the observed entries.
func (c weightedCase) forms(t *testing.T) []weightedForm {
	x, m := toDense(c.X), toDense(c.M)
	observed := []factor.Option{factor.WithObservedOnly()}
	if c.Observed {
		return []weightedForm{
			{"csr-observed", csrOnPattern(t, x, m), observed},
			{"dense-nan-observed", nanOffPattern(x, m), observed},
		}
	}
	mDense := factor.WithWeights(m)
	mCSR := factor.WithWeights(csrOnPattern(t, m, m))
	xCSR := sparseOf(t, x)
	return []weightedForm{
		{"x-dense/m-dense", x, []factor.Option{mDense}},
		{"x-dense/m-csr", x, []factor.Option{mCSR}},
		{"x-csr/m-dense", xCSR, []factor.Option{mDense}},
		{"x-csr/m-csr", xCSR, []factor.Option{mCSR}},
		{"csr-observed/m-dense", csrOnPattern(t, x, m), []factor.Option{factor.WithObservedOnly(), mDense}},
		{"dense-nan-observed/m-csr", nanOffPattern(x, m), []factor.Option{factor.WithObservedOnly(), mCSR}},
	}
}

// fitter is what NMF and VanillaALS share for these checks.
type fitter interface {
	Fit(x mat.Matrix) error
	W() *mat.Dense
	H() *mat.Dense
	NIter() int
	Objective() float64
	History() []float64
}

// model returns the model the case describes, with extra options.
func (c weightedCase) model(t *testing.T, extra ...factor.Option) fitter {
	t.Helper()
	opts := []factor.Option{
		factor.WithK(c.K), factor.WithTol(0), factor.WithMaxIter(c.NIter),
		factor.WithInitialFactors(toDense(c.W0), toDense(c.H0)),
	}
	switch c.Kind {
	case "weighted":
		solver, ok := refSolvers[c.Solver]
		if !ok {
			t.Fatalf("case %s: unknown solver %q", c.Name, c.Solver)
		}
		opts = append(opts, factor.WithSolver(solver), factor.WithBeta(c.Beta),
			factor.WithAlpha(c.AlphaW), factor.WithAlphaH(c.AlphaH), factor.WithL1Ratio(c.L1Ratio))
		return factor.NewNMF(append(opts, extra...)...)
	case "als_weighted":
		opts = append(opts, factor.WithAlpha(c.Alpha))
		if c.CountScaled {
			opts = append(opts, factor.WithCountScaledAlpha())
		}
		if c.NonNegative {
			opts = append(opts, factor.WithNonNegative())
		}
		return factor.NewVanillaALS(append(opts, extra...)...)
	}
	t.Fatalf("case %s: unknown kind %q", c.Name, c.Kind)
	return nil
}

// TestWeightedReference holds NMF and VanillaALS with weights and missing
// entries to the weighted reference cases: W, H and the objective within
// 1e-6 (relative, Frobenius for the factors), exactly n_iter iterations,
// in every form of the case.
func TestWeightedReference(t *testing.T) {
	checks, passed := 0, 0
	for _, c := range loadWeightedCases(t) {
		worst, worstForm := 0.0, ""
		for _, f := range c.forms(t) {
			checks++
			t.Run(c.Name+"/"+f.name, func(t *testing.T) {
				e := checkWeightedCase(t, c, f)
				if e > worst || math.IsNaN(e) {
					worst, worstForm = e, f.name
				}
				if !t.Failed() {
					passed++
				}
			})
		}
		t.Logf("%-28s worst relative error %.3g (%s)", c.Name, worst, worstForm)
	}
	t.Logf("%d of %d weighted reference checks passed", passed, checks)
}

// checkWeightedCase fits one form of a case and returns the largest
// relative error of W, H and the objective (+Inf when the fit failed).
func checkWeightedCase(t *testing.T, c weightedCase, f weightedForm) float64 {
	m := c.model(t, f.opts...)
	err := noPanic(t, "Fit", func() error { return m.Fit(f.x) })
	if t.Failed() {
		return math.Inf(1)
	}
	if err != nil {
		t.Errorf("Fit: %v", err)
		return math.Inf(1)
	}
	if m.NIter() != c.NIter {
		t.Errorf("NIter = %d, want %d", m.NIter(), c.NIter)
	}
	eW, eH := relErr(m.W(), toDense(c.W)), relErr(m.H(), toDense(c.H))
	eObj := relDiff(m.Objective(), c.Objective)
	if !(eW <= refTol) || !(eH <= refTol) || !(eObj <= refTol) {
		t.Errorf("relative error W %.3g, H %.3g, objective %.3g (%.12g, reference %.12g); want ≤ %g",
			eW, eH, eObj, m.Objective(), c.Objective, refTol)
	}
	return math.Max(eW, math.Max(eH, eObj))
}

// TestWeightedReferenceInputs checks what the reference test relies on:
// the junk in the non-observed cases (X where M = 0 is far above every
// observed entry, so reading it would show) and the observed pattern in
// the observed ones.
func TestWeightedReferenceInputs(t *testing.T) {
	for _, c := range loadWeightedCases(t) {
		x, m := toDense(c.X), toDense(c.M)
		n, cols := x.Dims()
		maxObs, minJunk := 0.0, math.Inf(1)
		missing := 0
		for i := 0; i < n; i++ {
			for j := 0; j < cols; j++ {
				switch w := m.At(i, j); {
				case w < 0 || math.IsNaN(w):
					t.Errorf("%s: M[%d, %d] = %g", c.Name, i, j, w)
				case w > 0:
					maxObs = math.Max(maxObs, math.Abs(x.At(i, j)))
				default:
					missing++
					minJunk = math.Min(minJunk, math.Abs(x.At(i, j)))
				}
			}
		}
		if missing == 0 {
			t.Errorf("%s: no missing entry", c.Name)
		}
		if !c.Observed && !(minJunk >= 100*maxObs) {
			t.Errorf("%s: the missing entries of X (smallest %g) are not junk far above the observed ones (largest %g)", c.Name, minJunk, maxObs)
		}
		if got := fmt.Sprint(len(c.W), len(c.W[0]), len(c.H), len(c.H[0])); got != fmt.Sprint(n, c.K, c.K, cols) {
			t.Errorf("%s: W and H have shapes %s for X %d×%d and k = %d", c.Name, got, n, cols, c.K)
		}
	}
}
