package factor_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// Bad input with weights and missing entries (issue 10): each error wraps
// the matching sentinel (errors.Is), a bad entry is an *EntryError at the
// first bad row and column, nothing panics, and a failed Fit leaves a
// fitted model exactly as it was.

// modelState is what a failed Fit must not change.
type modelState struct {
	w, h *mat.Dense
	obj  float64
	n    int
	hist []float64
}

func stateOf(m fitter) modelState {
	return modelState{m.W(), m.H(), m.Objective(), m.NIter(), m.History()}
}

func (a modelState) same(b modelState) bool {
	return sameBits(a.w, b.w) && sameBits(a.h, b.h) && math.Float64bits(a.obj) == math.Float64bits(b.obj) &&
		a.n == b.n && sameHistory(a.hist, b.hist)
}

// wantFitError fits x, expecting an error wrapping want, and an
// *EntryError at (row, col) unless row < 0. If before is not nil the model
// must be left as it was.
func wantFitError(t *testing.T, name string, m fitter, x mat.Matrix, want error, row, col int, before *modelState) {
	t.Helper()
	err := noPanic(t, name, func() error { return m.Fit(x) })
	switch {
	case err == nil:
		t.Errorf("%s: Fit succeeded, want an error wrapping %v", name, want)
		return
	case !errors.Is(err, want):
		t.Errorf("%s: Fit: %v, want an error wrapping %v", name, err, want)
	}
	if row >= 0 {
		var e *factor.EntryError
		if !errors.As(err, &e) {
			t.Errorf("%s: %v is not an *EntryError", name, err)
		} else if e.Row != row || e.Col != col {
			t.Errorf("%s: EntryError at [%d, %d], want [%d, %d]", name, e.Row, e.Col, row, col)
		}
	}
	if before != nil {
		if !before.same(stateOf(m)) {
			t.Errorf("%s: the failed Fit changed the model", name)
		}
	} else if w := m.W(); w != nil {
		t.Errorf("%s: a model whose only Fit failed has a W", name)
	}
}

// TestWeightsBadData: weights and data that are wrong only once read by
// Fit. Each model is first fitted successfully; then its weights (a
// *mat.Dense the option holds, read by Fit) or its data go bad, and the
// next Fit must fail and keep the model.
func TestWeightsBadData(t *testing.T) {
	const n, m, k = 10, 8, 2
	models := []string{"hals", "mu-kl", "mu-is", "als", "als-nonneg-wr"}
	for _, name := range models {
		s := wSpecNamed(name)
		x := s.data(n, m, 81)
		if !s.als {
			x = randomMatrix(n, m, 0.1, 0, 81) // positive: every β
		}
		mask := maskFor(n, m, 0.6, k+1, 82, nil, nil)
		// zero is an entry of weight 0, one of weight > 0.
		zeroI, zeroJ, oneI, oneJ := -1, -1, -1, -1
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				if mask.At(i, j) == 0 {
					zeroI, zeroJ = i, j
				} else {
					oneI, oneJ = i, j
				}
			}
		}
		type setup struct {
			weights *mat.Dense
			model   fitter
			before  modelState
		}
		// fitted returns a model with weights (a fresh copy of mask,
		// which the case may break) fitted to x.
		fitted := func(extra ...factor.Option) (setup, bool) {
			wts := mat.DenseCopyOf(mask)
			model := s.model(k, append([]factor.Option{factor.WithMaxIter(5), factor.WithSeed(1), factor.WithWeights(wts)}, extra...)...)
			if !fitOK(t, name+": the first fit", model, x) {
				return setup{}, false
			}
			return setup{wts, model, stateOf(model)}, true
		}
		for _, c := range []struct {
			name     string
			observed bool
			breakIt  func(wts *mat.Dense) mat.Matrix // breaks the weights or returns bad data
			want     error
			row, col int
		}{
			{"negative weight", false, func(w *mat.Dense) mat.Matrix { w.Set(3, 4, -0.5); return x }, factor.ErrNegative, 3, 4},
			{"NaN weight", false, func(w *mat.Dense) mat.Matrix { w.Set(2, 5, math.NaN()); return x }, factor.ErrNotFinite, 2, 5},
			{"+Inf weight", false, func(w *mat.Dense) mat.Matrix { w.Set(6, 1, math.Inf(1)); return x }, factor.ErrNotFinite, 6, 1},
			{"all weights zero", false, func(w *mat.Dense) mat.Matrix { w.Zero(); return x }, factor.ErrShape, -1, -1},
			{"X with a row more than the weights", false, func(*mat.Dense) mat.Matrix { return s.data(n+1, m, 83) }, factor.ErrShape, -1, -1},
			{"X with a column fewer than the weights", false, func(*mat.Dense) mat.Matrix { return s.data(n, m-1, 83) }, factor.ErrShape, -1, -1},
			{"NaN in X at weight > 0 without WithObservedOnly", false, func(*mat.Dense) mat.Matrix {
				bad := mat.DenseCopyOf(x)
				bad.Set(oneI, oneJ, math.NaN())
				return bad
			}, factor.ErrNotFinite, oneI, oneJ},
			{"NaN in X at weight 0 without WithObservedOnly", false, func(*mat.Dense) mat.Matrix {
				bad := mat.DenseCopyOf(x)
				bad.Set(zeroI, zeroJ, math.NaN())
				return bad
			}, factor.ErrNotFinite, zeroI, zeroJ},
			{"+Inf in X at weight 0", false, func(*mat.Dense) mat.Matrix {
				bad := mat.DenseCopyOf(x)
				bad.Set(zeroI, zeroJ, math.Inf(1))
				return bad
			}, factor.ErrNotFinite, zeroI, zeroJ},
			{"+Inf in X with WithObservedOnly", true, func(*mat.Dense) mat.Matrix {
				bad := mat.DenseCopyOf(x)
				bad.Set(oneI, oneJ, math.Inf(1))
				return bad
			}, factor.ErrNotFinite, oneI, oneJ},
			{"-Inf in X with WithObservedOnly", true, func(*mat.Dense) mat.Matrix {
				bad := mat.DenseCopyOf(x)
				bad.Set(oneI, oneJ, math.Inf(-1))
				return bad
			}, factor.ErrNotFinite, oneI, oneJ},
			{"all of X NaN with WithObservedOnly", true, func(*mat.Dense) mat.Matrix {
				bad := mat.NewDense(n, m, nil)
				bad.Apply(func(int, int, float64) float64 { return math.NaN() }, bad)
				return bad
			}, factor.ErrShape, -1, -1},
			{"observed entries all of weight 0", true, func(w *mat.Dense) mat.Matrix {
				pattern := maskFor(n, m, 0.3, 1, 84, nil, nil)
				w.Apply(func(i, j int, v float64) float64 {
					if pattern.At(i, j) > 0 {
						return 0
					}
					return v
				}, w)
				return nanOffPattern(x, pattern)
			}, factor.ErrShape, -1, -1},
		} {
			var extra []factor.Option
			if c.observed {
				extra = append(extra, factor.WithObservedOnly())
			}
			st, ok := fitted(extra...)
			if !ok {
				continue
			}
			bad := c.breakIt(st.weights)
			wantFitError(t, name+": "+c.name, st.model, bad, c.want, c.row, c.col, &st.before)
		}
		if s.als {
			continue
		}
		// NMF: a negative entry of X where it is observed, and a zero one
		// for β ≤ 0, fail; where its weight is 0 they are never read, so
		// they must not.
		st, ok := fitted()
		if !ok {
			continue
		}
		neg := mat.DenseCopyOf(x)
		neg.Set(oneI, oneJ, -1)
		wantFitError(t, name+": negative X at weight > 0", st.model, neg, factor.ErrNegative, oneI, oneJ, &st.before)
		wantFitError(t, name+": negative X at weight > 0, X as CSR", st.model, sparseOf(t, neg), factor.ErrNegative, oneI, oneJ, &st.before)
		if s.beta <= 0 {
			zero := mat.DenseCopyOf(x)
			zero.Set(oneI, oneJ, 0)
			wantFitError(t, name+": zero X at weight > 0", st.model, zero, factor.ErrZeroEntries, oneI, oneJ, &st.before)
		}
		obsModel := s.model(k, factor.WithMaxIter(5), factor.WithSeed(1), factor.WithObservedOnly())
		negNaN := nanOffPattern(neg, mask)
		wantFitError(t, name+": negative observed X (dense-NaN)", obsModel, negNaN, factor.ErrNegative, oneI, oneJ, nil)
		wantFitError(t, name+": negative observed X (CSR)", obsModel, csrOnPattern(t, neg, mask), factor.ErrNegative, oneI, oneJ, nil)

		ignored := mat.DenseCopyOf(x)
		ignored.Set(zeroI, zeroJ, -1)
		forms := map[string]mat.Matrix{"dense": ignored, "csr": sparseOf(t, ignored)}
		if s.beta <= 0 {
			withZero := mat.DenseCopyOf(ignored)
			withZero.Set(zeroI, zeroJ, 0)
			forms["zero at weight 0"] = withZero
		}
		for form, xi := range forms {
			model := s.model(k, factor.WithMaxIter(5), factor.WithSeed(1), factor.WithWeights(mask))
			if fitOK(t, name+": negative or zero X at weight 0 ("+form+")", model, xi) {
				if lo := math.Min(minEntry(model.W()), minEntry(model.H())); !(lo >= 0) {
					t.Errorf("%s: negative X at weight 0 (%s): negative factor entry %g", name, form, lo)
				}
			}
		}
		// With WithObservedOnly and weights, a stored entry of weight 0 is
		// not read either.
		obsW := s.model(k, factor.WithMaxIter(5), factor.WithSeed(1), factor.WithObservedOnly(), factor.WithWeights(mask))
		fitOK(t, name+": negative stored X of weight 0", obsW, csrOnPattern(t, ignored, ones(n, m)))
	}
}

// TestWeightsBadOptions: settings that can never fit. Fit returns an
// error wrapping the sentinel, does not panic, and leaves no model.
func TestWeightsBadOptions(t *testing.T) {
	const n, m, k = 10, 8, 2
	x := randomMatrix(n, m, 0.1, 0, 91)
	mask := maskFor(n, m, 0.6, k+1, 92, nil, nil)
	csrMask := csrOnPattern(t, mask, mask)
	emptyCSR, err := factor.NewCSR(n, m, make([]int, n+1), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	zerosCSR := csrOnPattern(t, mat.NewDense(n, m, nil), mask) // stores only zeros
	negCSR := func() *factor.CSR {
		d := mat.DenseCopyOf(mask)
		d.Set(4, 6, -2)
		d.Set(4, 7, -3)
		return csrOnPattern(t, d, ones(n, m))
	}()
	nmf := func(opts ...factor.Option) fitter {
		return factor.NewNMF(append([]factor.Option{factor.WithK(k), factor.WithMaxIter(5)}, opts...)...)
	}
	als := func(opts ...factor.Option) fitter {
		return factor.NewVanillaALS(append([]factor.Option{factor.WithK(k), factor.WithMaxIter(5), factor.WithAlpha(0.1)}, opts...)...)
	}
	for _, c := range []struct {
		name     string
		model    fitter
		x        mat.Matrix
		want     error
		row, col int
	}{
		{"NMF WithWeights(nil)", nmf(factor.WithWeights(nil)), x, factor.ErrInvalidOption, -1, -1},
		{"ALS WithWeights(nil)", als(factor.WithWeights(nil)), x, factor.ErrInvalidOption, -1, -1},
		{"AcceleratedHALS with weights", nmf(factor.WithSolver(factor.AcceleratedHALS), factor.WithWeights(mask)), x, factor.ErrInvalidOption, -1, -1},
		{"AcceleratedHALS with CSR weights", nmf(factor.WithSolver(factor.AcceleratedHALS), factor.WithWeights(csrMask)), x, factor.ErrInvalidOption, -1, -1},
		{"AcceleratedHALS observed-only", nmf(factor.WithSolver(factor.AcceleratedHALS), factor.WithObservedOnly()), csrOnPattern(t, x, mask), factor.ErrInvalidOption, -1, -1},
		{"NMF WithCountScaledAlpha", nmf(factor.WithCountScaledAlpha()), x, factor.ErrInvalidOption, -1, -1},
		{"NMF WithNonNegative", nmf(factor.WithNonNegative()), x, factor.ErrInvalidOption, -1, -1},
		{"NMF WithCountScaledAlpha and weights", nmf(factor.WithWeights(mask), factor.WithCountScaledAlpha()), x, factor.ErrInvalidOption, -1, -1},
		{"NMF CSR weights of another shape", nmf(factor.WithWeights(csrOnPattern(t, ones(n, m+1), ones(n, m+1)))), x, factor.ErrShape, -1, -1},
		{"ALS dense weights of another shape", als(factor.WithWeights(ones(n+2, m))), x, factor.ErrShape, -1, -1},
		{"NMF CSR weights storing nothing", nmf(factor.WithWeights(emptyCSR)), x, factor.ErrShape, -1, -1},
		{"ALS CSR weights storing nothing", als(factor.WithWeights(emptyCSR)), x, factor.ErrShape, -1, -1},
		{"NMF CSR weights storing only zeros", nmf(factor.WithWeights(zerosCSR)), x, factor.ErrShape, -1, -1},
		{"NMF negative CSR weights", nmf(factor.WithWeights(negCSR)), x, factor.ErrNegative, 4, 6},
		{"ALS negative CSR weights", als(factor.WithWeights(negCSR)), x, factor.ErrNegative, 4, 6},
		{"NMF observed-only CSR X storing nothing", nmf(factor.WithObservedOnly()), emptyCSR, factor.ErrShape, -1, -1},
		{"ALS observed-only CSR X storing nothing", als(factor.WithObservedOnly()), emptyCSR, factor.ErrShape, -1, -1},
		{"NMF NaN in X without WithObservedOnly", nmf(), nanOffPattern(x, mask), factor.ErrNotFinite, -1, -1},
		{"ALS NaN in X without WithObservedOnly", als(), nanOffPattern(x, mask), factor.ErrNotFinite, -1, -1},
	} {
		wantFitError(t, c.name, c.model, c.x, c.want, c.row, c.col, nil)
	}

	// MiniBatchNMF takes none of them, in Fit and in PartialFit.
	for name, opt := range map[string]factor.Option{
		"WithWeights":          factor.WithWeights(mask),
		"WithObservedOnly":     factor.WithObservedOnly(),
		"WithCountScaledAlpha": factor.WithCountScaledAlpha(),
		"WithNonNegative":      factor.WithNonNegative(),
	} {
		for _, partial := range []bool{false, true} {
			mb := factor.NewMiniBatchNMF(factor.WithK(k), factor.WithBatchSize(4), factor.WithMaxIter(2), opt)
			call := mb.Fit
			if partial {
				call = mb.PartialFit
			}
			err := noPanic(t, "MiniBatchNMF "+name, func() error { return call(x) })
			if !errors.Is(err, factor.ErrInvalidOption) {
				t.Errorf("MiniBatchNMF %s (partial %v): %v, want an error wrapping ErrInvalidOption", name, partial, err)
			}
		}
	}
}

// TestObservedTransformBadInput: Transform of an observed-only model reads
// NaN as missing but still refuses infinite entries, negative observed
// entries (NMF) and rows of another width; Transform of a model with
// weights but not observed-only refuses NaN.
func TestObservedTransformBadInput(t *testing.T) {
	const n, m, k = 12, 8, 2
	x := randomMatrix(n, m, 0.1, 0, 95)
	mask := maskFor(n, m, 0.6, k+1, 96, nil, nil)
	obs := factor.NewNMF(factor.WithK(k), factor.WithMaxIter(10), factor.WithObservedOnly())
	weighted := factor.NewNMF(factor.WithK(k), factor.WithMaxIter(10), factor.WithWeights(mask))
	obsALS := factor.NewVanillaALS(factor.WithK(k), factor.WithMaxIter(10), factor.WithAlpha(0.1), factor.WithObservedOnly())
	for name, model := range map[string]fitter{"nmf-observed": obs, "nmf-weighted": weighted, "als-observed": obsALS} {
		in := mat.Matrix(nanOffPattern(x, mask))
		if name == "nmf-weighted" {
			in = x
		}
		if !fitOK(t, name, model, in) {
			continue
		}
		tr := model.(transformer)
		row := func(vals ...float64) *mat.Dense { return mat.NewDense(1, len(vals), vals) }
		nan := math.NaN()
		cases := []struct {
			what string
			y    mat.Matrix
			want error
		}{
			{"+Inf", row(1, nan, math.Inf(1), 1, 1, 1, 1, 1), factor.ErrNotFinite},
			{"too wide", row(1, 2, 1, 1, 1, 1, 1, 1, 1), factor.ErrShape},
		}
		switch name {
		case "nmf-observed":
			cases = append(cases, struct {
				what string
				y    mat.Matrix
				want error
			}{"negative observed", row(1, nan, -1, 1, 1, 1, 1, 1), factor.ErrNegative})
		case "nmf-weighted":
			cases = append(cases, struct {
				what string
				y    mat.Matrix
				want error
			}{"NaN, not observed-only", row(1, nan, 1, 1, 1, 1, 1, 1), factor.ErrNotFinite})
		}
		for _, c := range cases {
			var err error
			noPanic(t, name+": Transform "+c.what, func() error { _, err = tr.Transform(c.y); return nil })
			if !errors.Is(err, c.want) {
				t.Errorf("%s: Transform of a row with %s: %v, want an error wrapping %v", name, c.what, err, c.want)
			}
		}
	}
}

// finishes runs call on its own goroutine and returns its error, failing
// the test if it has not returned within the limit (the goroutine is then
// left running: the point is to report a hang, not to stop it).
func finishes(t *testing.T, what string, limit time.Duration, call func() error) (error, bool) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("panic: %v", r)
			}
		}()
		done <- call()
	}()
	select {
	case err := <-done:
		return err, true
	case <-time.After(limit):
		t.Errorf("%s: still running after %v", what, limit)
		return nil, false
	}
}

// TestObservedHugeEntryFinishes (FuzzFit/9cc1bdd6af020fef): a dense X with
// NaN as missing and an observed entry of math.MaxFloat64 must fail (as the
// same X without missing entries does, with ErrNotFinite) or fit, not hang
// in the start's SVD.
func TestObservedHugeEntryFinishes(t *testing.T) {
	nan := math.NaN()
	x := mat.NewDense(3, 3, []float64{3, nan, 3, nan, 3, 3, math.MaxFloat64, 3, 3})
	// InitNNDSVD and InitNNDSVDA hang as InitAuto does (in gonum's SVD);
	// one of them is enough to show it, as a hung call keeps spinning.
	for _, init := range []factor.Init{factor.InitRandom, factor.InitAuto} {
		m := factor.NewNMF(factor.WithK(2), factor.WithBeta(factor.KullbackLeibler), factor.WithMaxIter(8),
			factor.WithInit(init), factor.WithObservedOnly())
		err, ok := finishes(t, fmt.Sprintf("init %v", init), 5*time.Second, func() error { return m.Fit(x) })
		if ok && err != nil && !errors.Is(err, factor.ErrNotFinite) {
			t.Errorf("init %v: %v, want success or an error wrapping ErrNotFinite", init, err)
		}
	}
}

// TestTransformNeverReturnsNaN: Transform returns finite rows or an error,
// never NaN without one. (FuzzALS/fe2af78c28402ceb: an observed-only ALS
// model fitted to tiny data, whose factors are subnormal, transforms its
// own CSR rows to NaN with a nil error, where the same rows dense report
// ErrNotFinite. FuzzALS/15523dbe31e884d3: a row with an entry of
// math.MaxFloat64 among ordinary rows transforms to NaN with a nil error,
// weights or not; a single such row reports ErrNotFinite.)
func TestTransformNeverReturnsNaN(t *testing.T) {
	tiny := mat.NewDense(2, 1, []float64{1e-8, 1e-8})
	huge := mat.NewDense(5, 1, []float64{3, math.MaxFloat64, 3, 3, 3})
	clean := mat.NewDense(5, 1, []float64{3, 1, 3, 3, 3})
	for _, c := range []struct {
		name string
		opts []factor.Option
		fit  mat.Matrix
		y    mat.Matrix
	}{
		{"observed CSR, tiny data", []factor.Option{factor.WithObservedOnly()}, csrOnPattern(t, tiny, ones(2, 1)), csrOnPattern(t, tiny, ones(2, 1))},
		{"observed CSR, count-scaled, tiny data", []factor.Option{factor.WithObservedOnly(), factor.WithCountScaledAlpha()},
			csrOnPattern(t, tiny, ones(2, 1)), csrOnPattern(t, tiny, ones(2, 1))},
		{"observed dense, tiny data", []factor.Option{factor.WithObservedOnly()}, tiny, tiny},
		{"weights, huge entry of weight 0", []factor.Option{factor.WithWeights(mat.NewDense(5, 1, []float64{3, 0, 2.5, 3.5, 4.5}))}, huge, huge},
		{"plain, huge entry in new rows", nil, clean, huge},
	} {
		a := factor.NewVanillaALS(append([]factor.Option{factor.WithK(2), factor.WithAlpha(0.75), factor.WithMaxIter(25), factor.WithSeed(25)}, c.opts...)...)
		if !fitOK(t, c.name, a, c.fit) {
			continue
		}
		var w *mat.Dense
		err := noPanic(t, c.name, func() (err error) { w, err = a.Transform(c.y); return err })
		if err != nil {
			if !errors.Is(err, factor.ErrNotFinite) && !errors.Is(err, factor.ErrRank) {
				t.Errorf("%s: Transform: %v", c.name, err)
			}
			continue
		}
		r, k := w.Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < k; j++ {
				if v := w.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("%s: Transform returned W[%d, %d] = %g and no error", c.name, i, j, v)
					i = r
					break
				}
			}
		}
	}
}

// TestObservedALSSingularNamesAlpha: the ErrRank of a weighted ALS whose
// row system is singular names the WithAlpha that was given, not the
// ridge weight at unit scale that the solver uses (α divided by the power
// of four that brings X of 1e200 to unit scale).
func TestObservedALSSingularNamesAlpha(t *testing.T) {
	// Row 0 has one observed entry for k = 3: singular for α = 0, and
	// numerically singular for α = 0.5 against entries of 1e200.
	x := mat.NewDense(4, 4, []float64{
		1, math.NaN(), math.NaN(), math.NaN(),
		1, 2, 3, 4,
		2, 1, 4, 3,
		3, 4, 1, 2,
	})
	x.Scale(1e200, x)
	err := factor.NewVanillaALS(factor.WithK(3), factor.WithAlpha(0.5), factor.WithObservedOnly(), factor.WithSeed(1)).Fit(x)
	if !errors.Is(err, factor.ErrRank) {
		t.Fatalf("Fit: %v, want an error wrapping ErrRank", err)
	}
	if want := "raise WithAlpha (now 0.5)"; !strings.Contains(err.Error(), want) {
		t.Errorf("Fit: %v; want it to say %q", err, want)
	}
}

// TestObservedALSTransformSingularMessage: Transform of a row whose ridge
// system is singular fails with ErrRank, and does not claim that the
// model's WithAlpha is 0 when it is 0.5 (it vanishes against an H fitted
// on data of 1e150, at unit scale).
func TestObservedALSTransformSingularMessage(t *testing.T) {
	x := mat.NewDense(5, 4, []float64{1, 2, 3, 4, 2, 1, 4, 3, 3, 4, 1, 2, 4, 3, 2, 1, 1, 1, 2, 5})
	x.Scale(1e150, x)
	a := factor.NewVanillaALS(factor.WithK(3), factor.WithAlpha(0.5), factor.WithObservedOnly(), factor.WithSeed(1))
	if err := a.Fit(x); err != nil {
		t.Fatal(err)
	}
	_, err := a.Transform(mat.NewDense(1, 4, []float64{1e150, math.NaN(), math.NaN(), math.NaN()}))
	if !errors.Is(err, factor.ErrRank) {
		t.Fatalf("Transform: %v, want an error wrapping ErrRank", err)
	}
	if strings.Contains(err.Error(), "WithAlpha is 0") {
		t.Errorf("Transform: %v; the model's WithAlpha is 0.5", err)
	}
}
