package factor_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// Property tests of weights and missing entries (issue 10), written from
// the documented objectives, not from the code: the expected values are
// computed here from their definitions.

// wSpec is one solver setting of the weighted property tests.
type wSpec struct {
	name                 string
	als                  bool
	solver               factor.Solver // NMF
	beta                 float64       // NMF
	alphaW, alphaH, l1   float64       // NMF
	alpha                float64       // VanillaALS
	countScaled, nonNeg  bool          // VanillaALS
	extraOpts            []factor.Option
	positive, signedData bool
}

var wSpecs = []wSpec{
	{name: "hals", solver: factor.HALS, beta: 2},
	{name: "hals-elastic", solver: factor.HALS, beta: 2, alphaW: 0.01, alphaH: 0.02, l1: 0.4},
	{name: "mu-b2", solver: factor.MU, beta: 2},
	{name: "mu-kl", solver: factor.MU, beta: 1},
	{name: "mu-is", solver: factor.MU, beta: 0, positive: true},
	{name: "mu-b0.5", solver: factor.MU, beta: 0.5},
	{name: "mu-b1.5", solver: factor.MU, beta: 1.5},
	{name: "mu-b3", solver: factor.MU, beta: 3},
	{name: "mu-kl-elastic", solver: factor.MU, beta: 1, alphaW: 0.01, alphaH: 0.01, l1: 0.6},
	{name: "als", als: true, alpha: 0.1, signedData: true},
	{name: "als-alpha0", als: true, alpha: 0, signedData: true},
	{name: "als-wr", als: true, alpha: 0.05, countScaled: true, signedData: true},
	{name: "als-nonneg", als: true, alpha: 0.1, nonNeg: true, signedData: true},
	{name: "als-nonneg-wr", als: true, alpha: 0.05, countScaled: true, nonNeg: true, signedData: true},
}

func wSpecNamed(name string) wSpec {
	for _, s := range wSpecs {
		if s.name == name {
			return s
		}
	}
	panic("no wSpec " + name)
}

// model returns a model of the setting with k components and extra options.
func (s wSpec) model(k int, extra ...factor.Option) fitter {
	if s.als {
		opts := []factor.Option{factor.WithK(k), factor.WithAlpha(s.alpha)}
		if s.countScaled {
			opts = append(opts, factor.WithCountScaledAlpha())
		}
		if s.nonNeg {
			opts = append(opts, factor.WithNonNegative())
		}
		return factor.NewVanillaALS(append(append(opts, s.extraOpts...), extra...)...)
	}
	opts := []factor.Option{factor.WithK(k), factor.WithSolver(s.solver), factor.WithBeta(s.beta),
		factor.WithAlpha(s.alphaW), factor.WithAlphaH(s.alphaH), factor.WithL1Ratio(s.l1)}
	return factor.NewNMF(append(append(opts, s.extraOpts...), extra...)...)
}

// data returns n×m data the setting takes: of both signs for ALS, positive
// for β ≤ 0, else non-negative with about 20% zeros.
func (s wSpec) data(n, m int, seed uint64) *mat.Dense {
	switch {
	case s.signedData:
		return randomMatrix(n, m, -0.5, 0, seed)
	case s.positive || s.beta <= 0:
		return randomMatrix(n, m, 0.05, 0, seed)
	}
	return randomMatrix(n, m, 0, 0.2, seed)
}

// entryDivergence is d_β(x | y) of one entry, from its definition, x = 0
// contributing its limit.
func entryDivergence(x, y, beta float64) float64 {
	switch {
	case beta == 2:
		return 0.5 * (x - y) * (x - y)
	case beta == 1 && x == 0:
		return y
	case beta == 1:
		return x*math.Log(x/y) - x + y
	case beta == 0:
		return x/y - math.Log(x/y) - 1
	case x == 0:
		return math.Pow(y, beta) / beta
	}
	return (math.Pow(x, beta) - beta*x*math.Pow(y, beta-1) + (beta-1)*math.Pow(y, beta)) / (beta * (beta - 1))
}

// weightedObjective is the documented objective of the setting on X with
// weights M, summed over the entries with M > 0 only (X is not read
// elsewhere):
//
//	NMF: Σ M_ij·d_β(x_ij | (WH)_ij) + α_W·m·(l1|W|₁ + ½(1−l1)‖W‖²) + α_H·n·(l1|H|₁ + ½(1−l1)‖H‖²)
//	ALS: Σ M_ij·(x_ij − (WH)_ij)² + α(Σ_i c_i‖w_i‖² + Σ_j c_j‖h_j‖²)
//
// with c = 1, or the number of entries with M > 0 of the row or column
// when count-scaled.
func (s wSpec) weightedObjective(x, weights, w, h mat.Matrix) float64 {
	n, m := x.Dims()
	_, k := w.Dims()
	rowCount, colCount := make([]float64, n), make([]float64, m)
	var loss float64
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			mij := weights.At(i, j)
			if !(mij > 0) {
				continue
			}
			rowCount[i]++
			colCount[j]++
			var y float64
			for t := 0; t < k; t++ {
				y += w.At(i, t) * h.At(t, j)
			}
			if s.als {
				loss += mij * (x.At(i, j) - y) * (x.At(i, j) - y)
			} else {
				loss += mij * entryDivergence(x.At(i, j), y, s.beta)
			}
		}
	}
	if s.als {
		var reg float64
		for i := 0; i < n; i++ {
			c := 1.0
			if s.countScaled {
				c = rowCount[i]
			}
			for t := 0; t < k; t++ {
				reg += c * w.At(i, t) * w.At(i, t)
			}
		}
		for j := 0; j < m; j++ {
			c := 1.0
			if s.countScaled {
				c = colCount[j]
			}
			for t := 0; t < k; t++ {
				reg += c * h.At(t, j) * h.At(t, j)
			}
		}
		return loss + s.alpha*reg
	}
	pen := func(a mat.Matrix, alpha float64) float64 {
		var sum, sq float64
		r, c := a.Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				sum += math.Abs(a.At(i, j))
				sq += a.At(i, j) * a.At(i, j)
			}
		}
		return alpha * (s.l1*sum + 0.5*(1-s.l1)*sq)
	}
	return loss + pen(w, s.alphaW*float64(m)) + pen(h, s.alphaH*float64(n))
}

// maskFor returns an n×m 0/1 matrix keeping about a fraction keep of the
// entries, with at least perLine ones in every row and column except
// emptyRows and emptyCols, which have none.
func maskFor(n, m int, keep float64, perLine int, seed uint64, emptyRows, emptyCols []int) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 11))
	mk := mat.NewDense(n, m, nil)
	var liveR, liveC []int
	for i := 0; i < n; i++ {
		if !slices.Contains(emptyRows, i) {
			liveR = append(liveR, i)
		}
	}
	for j := 0; j < m; j++ {
		if !slices.Contains(emptyCols, j) {
			liveC = append(liveC, j)
		}
	}
	for _, i := range liveR {
		for _, j := range liveC {
			if rng.Float64() < keep {
				mk.Set(i, j, 1)
			}
		}
	}
	for _, i := range liveR {
		for _, p := range rng.Perm(len(liveC))[:perLine] {
			mk.Set(i, liveC[p], 1)
		}
	}
	for _, j := range liveC {
		for _, p := range rng.Perm(len(liveR))[:perLine] {
			mk.Set(liveR[p], j, 1)
		}
	}
	return mk
}

// realWeights returns the mask times weights uniform in [0.2, 1.7).
func realWeights(mask *mat.Dense, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 13))
	n, m := mask.Dims()
	w := mat.NewDense(n, m, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			if mask.At(i, j) > 0 {
				w.Set(i, j, mask.At(i, j)*(0.2+1.5*rng.Float64()))
			}
		}
	}
	return w
}

// ones returns an n×m matrix of ones.
func ones(n, m int) *mat.Dense {
	o := mat.NewDense(n, m, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			o.Set(i, j, 1)
		}
	}
	return o
}

// startFactors returns positive starting factors W0 (n×k), H0 (k×m).
func startFactors(n, m, k int, seed uint64) (*mat.Dense, *mat.Dense) {
	w, h := randomMatrix(n, k, 0.1, 0, seed), randomMatrix(k, m, 0.1, 0, seed+1)
	w.Scale(0.5, w)
	h.Scale(0.5, h)
	return w, h
}

// withJunk returns a copy of x whose entries where weights is not > 0 are
// replaced by other finite values: huge, zero, tiny, and for ALS (signed)
// negative.
func withJunk(x, weights mat.Matrix, seed uint64, signed bool) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 17))
	d := mat.DenseCopyOf(x)
	n, m := d.Dims()
	junk := []float64{1e6, 0, 1e-300, 12345.678, 3e5}
	if signed {
		junk = append(junk, -1e6, -7)
	}
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			if !(weights.At(i, j) > 0) {
				d.Set(i, j, junk[rng.IntN(len(junk))]*(1+rng.Float64()))
			}
		}
	}
	return d
}

// sameHistory reports whether two histories are the same bits.
func sameHistory(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
}

// fitOK fits and reports a failure (error or panic) as a test error.
func fitOK(t *testing.T, what string, m fitter, x mat.Matrix) (ok bool) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: Fit panicked: %v", what, r)
			ok = false
		}
	}()
	if err := m.Fit(x); err != nil {
		t.Errorf("%s: Fit: %v", what, err)
		return false
	}
	return true
}

// TestAllOneWeightsMatchUnweighted: weights of one everywhere (dense, and
// CSR storing every entry), and WithObservedOnly on an X with nothing
// missing, give the unweighted fit to 1e-9, from the same custom start and
// from InitRandom with the same seed, for every solver and β.
func TestAllOneWeightsMatchUnweighted(t *testing.T) {
	const n, m, k, iters = 18, 12, 3, 25
	w0, h0 := startFactors(n, m, k, 3)
	all := ones(n, m)
	for _, s := range wSpecs {
		x := s.data(n, m, 21)
		xCSRAll := csrOnPattern(t, x, all) // every entry stored, zeros too
		starts := map[string][]factor.Option{
			"custom": {factor.WithInitialFactors(w0, h0)},
			"random": {factor.WithInit(factor.InitRandom), factor.WithSeed(7)},
		}
		for startName, start := range starts {
			base := append([]factor.Option{factor.WithTol(0), factor.WithMaxIter(iters)}, start...)
			ref := s.model(k, base...)
			if !fitOK(t, s.name+"/unweighted", ref, x) {
				continue
			}
			for _, f := range []weightedForm{
				{"weights-dense", x, []factor.Option{factor.WithWeights(all)}},
				{"weights-csr", x, []factor.Option{factor.WithWeights(csrOnPattern(t, all, all))}},
				{"x-csr/weights-dense", xCSRAll, []factor.Option{factor.WithWeights(all)}},
				{"observed-dense-no-nan", x, []factor.Option{factor.WithObservedOnly()}},
				{"observed-csr-all-stored", xCSRAll, []factor.Option{factor.WithObservedOnly()}},
			} {
				name := fmt.Sprintf("%s/%s/%s", s.name, startName, f.name)
				got := s.model(k, append(slices.Clone(base), f.opts...)...)
				if !fitOK(t, name, got, f.x) {
					continue
				}
				eW, eH := relErr(got.W(), ref.W()), relErr(got.H(), ref.H())
				eObj := relDiff(got.Objective(), ref.Objective())
				if !(eW <= 1e-9 && eH <= 1e-9 && eObj <= 1e-9) {
					t.Errorf("%s: relative difference from the unweighted fit W %.3g, H %.3g, objective %.3g (%.15g vs %.15g)",
						name, eW, eH, eObj, got.Objective(), ref.Objective())
				}
				if hg, hr := got.History(), ref.History(); len(hg) != len(hr) {
					t.Errorf("%s: history of %d entries, unweighted %d", name, len(hg), len(hr))
				} else {
					for i := range hg {
						if !(relDiff(hg[i], hr[i]) <= 1e-9) {
							t.Errorf("%s: history[%d] = %.15g, unweighted %.15g", name, i, hg[i], hr[i])
							break
						}
					}
				}
			}
		}
	}
}

// TestWeightZeroEntriesNotRead: an entry of weight 0 is never read, so
// changing X there (to huge, zero, tiny or, for ALS, negative values)
// changes no bit of W, H, Objective or History, with the weights dense or
// CSR, X dense or CSR, from a custom start and from the default and other
// starts (which must take their scale and SVD from the weighted data only),
// and with WithObservedOnly and weights that are 0 at some stored entries.
func TestWeightZeroEntriesNotRead(t *testing.T) {
	const n, m, k, iters = 16, 11, 3, 12
	w0, h0 := startFactors(n, m, k, 5)
	for _, s := range wSpecs {
		x := s.data(n, m, 31)
		mask := maskFor(n, m, 0.6, k+1, 32, nil, nil)
		weights := realWeights(mask, 33)
		x2 := withJunk(x, weights, 34, s.signedData)
		starts := map[string][]factor.Option{
			"custom":  {factor.WithInitialFactors(w0, h0)},
			"default": {factor.WithSeed(3)},
		}
		if !s.als && (s.name == "hals" || s.name == "mu-kl") {
			starts["random"] = []factor.Option{factor.WithInit(factor.InitRandom), factor.WithSeed(3)}
			starts["nndsvd"] = []factor.Option{factor.WithInit(factor.InitNNDSVD)}
			starts["nndsvda"] = []factor.Option{factor.WithInit(factor.InitNNDSVDA)}
			starts["nndsvdar"] = []factor.Option{factor.WithInit(factor.InitNNDSVDAR), factor.WithSeed(3)}
		}
		// A stored pattern wider than the weights: observed entries of
		// weight 0 are not read either.
		wider := maskFor(n, m, 0.8, k+1, 35, nil, nil)
		wider.Add(wider, mask)
		for startName, start := range starts {
			base := append([]factor.Option{factor.WithTol(0), factor.WithMaxIter(iters)}, start...)
			for _, f := range []struct {
				name   string
				x1, x2 mat.Matrix
				opts   []factor.Option
			}{
				{"x-dense/weights-dense", x, x2, []factor.Option{factor.WithWeights(weights)}},
				{"x-dense/weights-csr", x, x2, []factor.Option{factor.WithWeights(csrOnPattern(t, weights, weights))}},
				{"x-csr/weights-dense", sparseOf(t, x), sparseOf(t, x2), []factor.Option{factor.WithWeights(weights)}},
				{"x-csr/weights-csr", sparseOf(t, x), sparseOf(t, x2), []factor.Option{factor.WithWeights(csrOnPattern(t, weights, weights))}},
				{"observed-csr/weights", csrOnPattern(t, x, wider), csrOnPattern(t, x2, wider),
					[]factor.Option{factor.WithObservedOnly(), factor.WithWeights(weights)}},
				{"observed-nan/weights", nanOffPattern(x, wider), nanOffPattern(x2, wider),
					[]factor.Option{factor.WithObservedOnly(), factor.WithWeights(weights)}},
			} {
				name := fmt.Sprintf("%s/%s/%s", s.name, startName, f.name)
				opts := append(slices.Clone(base), f.opts...)
				a, b := s.model(k, opts...), s.model(k, opts...)
				if !fitOK(t, name+"/X", a, f.x1) || !fitOK(t, name+"/X changed at weight 0", b, f.x2) {
					continue
				}
				if !sameBits(a.W(), b.W()) || !sameBits(a.H(), b.H()) ||
					math.Float64bits(a.Objective()) != math.Float64bits(b.Objective()) || !sameHistory(a.History(), b.History()) {
					t.Errorf("%s: changing X at entries of weight 0 changed the fit (W by %.3g, H by %.3g, objective %.15g → %.15g)",
						name, relErr(b.W(), a.W()), relErr(b.H(), a.H()), a.Objective(), b.Objective())
				}
			}
		}
	}
}

// TestWeightedObjective: with real-valued weights, and on observed-only
// data as a CSR and as a dense matrix with NaN, the weighted objective
// (History) never increases for MU of every β, HALS and every ALS, the
// final Objective is the weighted objective recomputed here from its
// definition and the last History entry, and the NMF factors (and those of
// ALS with WithNonNegative, on data of both signs) are non-negative.
func TestWeightedObjective(t *testing.T) {
	const n, m, k, iters = 24, 15, 4, 50
	for _, s := range wSpecs {
		x := s.data(n, m, 41)
		mask := maskFor(n, m, 0.55, k+1, 42, nil, nil)
		weights := realWeights(mask, 43)
		junk := withJunk(x, mask, 44, s.signedData)
		for _, f := range []struct {
			name    string
			x       mat.Matrix
			weights mat.Matrix // the weights the objective sums with
			opts    []factor.Option
		}{
			{"weights-dense", junk, weights, []factor.Option{factor.WithWeights(weights)}},
			{"weights-csr/x-csr", sparseOf(t, junk), weights, []factor.Option{factor.WithWeights(csrOnPattern(t, weights, weights))}},
			{"observed-csr", csrOnPattern(t, x, mask), mask, []factor.Option{factor.WithObservedOnly()}},
			{"observed-nan", nanOffPattern(x, mask), mask, []factor.Option{factor.WithObservedOnly()}},
			{"observed-nan/weights", nanOffPattern(x, mask), weights, []factor.Option{factor.WithObservedOnly(), factor.WithWeights(weights)}},
		} {
			name := s.name + "/" + f.name
			model := s.model(k, append([]factor.Option{factor.WithTol(0), factor.WithMaxIter(iters), factor.WithSeed(9)}, f.opts...)...)
			if !fitOK(t, name, model, f.x) {
				continue
			}
			hist := model.History()
			if len(hist) != iters || model.NIter() != iters {
				t.Errorf("%s: %d history entries and NIter %d, want %d", name, len(hist), model.NIter(), iters)
			}
			for i := 1; i < len(hist); i++ {
				if !(hist[i] <= hist[i-1]*(1+1e-12)+1e-12) {
					t.Errorf("%s: objective rose at iteration %d: %.15g → %.15g", name, i+1, hist[i-1], hist[i])
					break
				}
			}
			if len(hist) > 0 && hist[len(hist)-1] != model.Objective() {
				t.Errorf("%s: last history entry %.15g differs from Objective %.15g", name, hist[len(hist)-1], model.Objective())
			}
			want := s.weightedObjective(x, f.weights, model.W(), model.H())
			if !(relDiff(model.Objective(), want) <= 1e-10) {
				t.Errorf("%s: Objective %.15g, weighted objective from the definition %.15g", name, model.Objective(), want)
			}
			if !s.als || s.nonNeg {
				if lo := math.Min(minEntry(model.W()), minEntry(model.H())); !(lo >= 0) {
					t.Errorf("%s: negative entry %g in the factors", name, lo)
				}
			}
		}
	}
}

// TestEmptyRowsAndColumnsGetZeroFactors checks the promise that a row
// (column) with no entry of positive weight gets a zero row of W (column
// of H) from the first iteration on, for HALS and MU, and for ALS whether
// the ridge weight of that row is positive (α > 0), zero (α = 0) or zero by
// count scaling; the rest of the fit stays finite.
func TestEmptyRowsAndColumnsGetZeroFactors(t *testing.T) {
	const n, m, k = 12, 10, 2
	emptyRows, emptyCols := []int{0, 7}, []int{4}
	mask := maskFor(n, m, 0.6, k+1, 51, emptyRows, emptyCols)
	weights := realWeights(mask, 52)
	for _, s := range wSpecs {
		x := s.data(n, m, 53)
		for _, f := range []weightedForm{
			{"weights-dense", withJunk(x, mask, 54, s.signedData), []factor.Option{factor.WithWeights(weights)}},
			{"weights-csr", withJunk(x, mask, 54, s.signedData), []factor.Option{factor.WithWeights(csrOnPattern(t, weights, weights))}},
			{"observed-csr", csrOnPattern(t, x, mask), []factor.Option{factor.WithObservedOnly()}},
			{"observed-nan", nanOffPattern(x, mask), []factor.Option{factor.WithObservedOnly()}},
		} {
			for _, iters := range []int{1, 4} {
				name := fmt.Sprintf("%s/%s/iters=%d", s.name, f.name, iters)
				w0, h0 := startFactors(n, m, k, 55)
				model := s.model(k, append([]factor.Option{factor.WithTol(0), factor.WithMaxIter(iters),
					factor.WithInitialFactors(w0, h0)}, f.opts...)...)
				if !fitOK(t, name, model, f.x) {
					continue
				}
				w, h := model.W(), model.H()
				for _, i := range emptyRows {
					if v := mat.Norm(w.RowView(i), math.Inf(1)); v != 0 {
						t.Errorf("%s: row %d of W, which has no observed entry, is %v, want 0", name, i, mat.Formatted(w.RowView(i).T()))
					}
				}
				for _, j := range emptyCols {
					if v := mat.Norm(h.ColView(j), math.Inf(1)); v != 0 {
						t.Errorf("%s: column %d of H, which has no observed entry, is %v, want 0", name, j, mat.Formatted(h.ColView(j).T()))
					}
				}
				checkFinite(t, name+": W", w)
				checkFinite(t, name+": H", h)
				if o := model.Objective(); math.IsNaN(o) || math.IsInf(o, 0) {
					t.Errorf("%s: objective %g", name, o)
				}
			}
		}
	}
}

func checkFinite(t *testing.T, what string, a mat.Matrix) {
	t.Helper()
	r, c := a.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if v := a.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("%s[%d, %d] = %g", what, i, j, v)
				return
			}
		}
	}
}

// TestWeightedDeterministicAcrossGOMAXPROCS: the same bits for GOMAXPROCS
// 1, 2 and 4, with weights, with observed-only CSR and dense-NaN input, for
// the fit and for Transform of an observed-only model.
func TestWeightedDeterministicAcrossGOMAXPROCS(t *testing.T) {
	const n, m, k = 200, 100, 6
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	mask := maskFor(n, m, 0.15, k+1, 61, nil, nil)
	weights := realWeights(mask, 62)
	newMask := maskFor(60, m, 0.2, 1, 63, []int{5}, nil)
	for _, name := range []string{"hals", "mu-kl", "mu-b1.5", "als", "als-nonneg-wr"} {
		s := wSpecNamed(name)
		x := s.data(n, m, 64)
		y := s.data(60, m, 65)
		for _, f := range []struct {
			name string
			x, y mat.Matrix // y: new data for Transform (observed-only models)
			opts []factor.Option
		}{
			{"weights-dense", withJunk(x, mask, 66, s.signedData), nil, []factor.Option{factor.WithWeights(weights)}},
			{"weights-csr/x-csr", sparseOf(t, withJunk(x, mask, 66, s.signedData)), nil,
				[]factor.Option{factor.WithWeights(csrOnPattern(t, weights, weights))}},
			{"observed-csr", csrOnPattern(t, x, mask), csrOnPattern(t, y, newMask), []factor.Option{factor.WithObservedOnly()}},
			{"observed-nan", nanOffPattern(x, mask), nanOffPattern(y, newMask), []factor.Option{factor.WithObservedOnly()}},
		} {
			var ws, hs, ts []*mat.Dense
			var objs []float64
			for _, procs := range []int{1, 2, 4} {
				runtime.GOMAXPROCS(procs)
				model := s.model(k, append([]factor.Option{factor.WithMaxIter(10), factor.WithSeed(42)}, f.opts...)...)
				if !fitOK(t, name+"/"+f.name, model, f.x) {
					break
				}
				ws, hs, objs = append(ws, model.W()), append(hs, model.H()), append(objs, model.Objective())
				if f.y != nil {
					tr, err := model.(transformer).Transform(f.y)
					if err != nil {
						t.Errorf("%s/%s: Transform: %v", name, f.name, err)
						break
					}
					ts = append(ts, tr)
				}
			}
			for i := 1; i < len(ws); i++ {
				if !sameBits(ws[0], ws[i]) || !sameBits(hs[0], hs[i]) || math.Float64bits(objs[0]) != math.Float64bits(objs[i]) {
					t.Errorf("%s/%s: the fit differs between GOMAXPROCS settings", name, f.name)
					break
				}
			}
			for i := 1; i < len(ts); i++ {
				if !sameBits(ts[0], ts[i]) {
					t.Errorf("%s/%s: Transform differs between GOMAXPROCS settings", name, f.name)
					break
				}
			}
		}
	}
}

// nnlsBrute solves min ‖A·w − b‖² over w ≥ 0 by trying every support: the
// solution is the least-squares solution on its own support, which is
// feasible, and every feasible candidate is no better, so the best feasible
// candidate is the solution (for A of full column rank, k small).
func nnlsBrute(a *mat.Dense, b []float64) []float64 {
	r, k := a.Dims()
	bv := mat.NewVecDense(r, b)
	best := make([]float64, k)
	bestObj := mat.Dot(bv, bv)
	for support := 1; support < 1<<k; support++ {
		var cols []int
		for t := 0; t < k; t++ {
			if support&(1<<t) != 0 {
				cols = append(cols, t)
			}
		}
		sub := mat.NewDense(r, len(cols), nil)
		for q, t := range cols {
			sub.SetCol(q, mat.Col(nil, t, a))
		}
		var z mat.VecDense
		if err := z.SolveVec(sub, bv); err != nil {
			continue
		}
		if slices.ContainsFunc(z.RawVector().Data, func(v float64) bool { return v < 0 }) {
			continue
		}
		var res mat.VecDense
		res.MulVec(sub, &z)
		res.SubVec(&res, bv)
		if obj := mat.Dot(&res, &res); obj < bestObj {
			bestObj = obj
			clear(best)
			for q, t := range cols {
				best[t] = z.AtVec(q)
			}
		}
	}
	return best
}

// rowSolve returns the W row the spec's Transform must give for a new row
// x with the observed columns obs, against the fitted H: NNLS for
// Frobenius NMF without penalties; the ridge solution for ALS, with
// λ = α (α·|obs| count-scaled), NNLS on the stacked system with
// WithNonNegative. A row with nothing observed gives 0.
func rowSolve(s wSpec, h *mat.Dense, x []float64, obs []int) []float64 {
	k, _ := h.Dims()
	if len(obs) == 0 {
		return make([]float64, k)
	}
	lambda := s.alpha
	if s.countScaled {
		lambda *= float64(len(obs))
	}
	rows := len(obs)
	if s.als && s.nonNeg {
		rows += k
	}
	a := mat.NewDense(rows, k, nil)
	b := make([]float64, rows)
	for q, j := range obs {
		for t := 0; t < k; t++ {
			a.Set(q, t, h.At(t, j))
		}
		b[q] = x[j]
	}
	switch {
	case !s.als:
		return nnlsBrute(a, b)
	case s.nonNeg:
		for t := 0; t < k; t++ {
			a.Set(len(obs)+t, t, math.Sqrt(lambda))
		}
		return nnlsBrute(a, b)
	}
	// A holds Hᵀ on the observed columns: solve (AᵀA + λI)·w = Aᵀb.
	var g mat.Dense
	g.Mul(a.T(), a)
	for t := 0; t < k; t++ {
		g.Set(t, t, g.At(t, t)+lambda)
	}
	var rhs, w mat.VecDense
	rhs.MulVec(a.T(), mat.NewVecDense(len(b), b))
	if err := w.SolveVec(&g, &rhs); err != nil {
		panic(err)
	}
	return w.RawVector().Data
}

// TestObservedTransform: Transform of a model fitted WithObservedOnly
// solves each new row against its observed columns only, NaN entries of a
// dense row and unstored entries of a CSR row being missing: the W row is
// the one computed here independently (NNLS for Frobenius NMF, the ridge
// or non-negative ridge solve for ALS); the dense and CSR forms agree; a
// row with nothing observed gives 0; and concurrent calls give the same
// bits as serial ones (run with -race).
func TestObservedTransform(t *testing.T) {
	const n, m, k = 40, 12, 3
	for _, name := range []string{"hals", "mu-b2", "als", "als-wr", "als-nonneg", "als-nonneg-wr"} {
		s := wSpecNamed(name)
		x := s.data(n, m, 71)
		mask := maskFor(n, m, 0.5, k+1, 72, nil, nil)
		y := s.data(9, m, 73)
		// New rows: fully observed, a few entries, one entry, none.
		newMask := maskFor(9, m, 0.4, 1, 74, []int{8}, nil)
		for j := 0; j < m; j++ {
			newMask.Set(0, j, 1)
		}
		for j := 0; j < m; j++ {
			newMask.Set(7, j, 0)
		}
		newMask.Set(7, 5, 1)
		for _, fitForm := range []struct {
			name string
			x    mat.Matrix
		}{{"fit-csr", csrOnPattern(t, x, mask)}, {"fit-nan", nanOffPattern(x, mask)}} {
			model := s.model(k, factor.WithMaxIter(30), factor.WithSeed(2), factor.WithObservedOnly())
			if !fitOK(t, name+"/"+fitForm.name, model, fitForm.x) {
				continue
			}
			tm := model.(transformer)
			h := model.H()
			dense, err := tm.Transform(nanOffPattern(y, newMask))
			if err != nil {
				t.Errorf("%s/%s: Transform of rows with NaN: %v", name, fitForm.name, err)
				continue
			}
			sparse, err := tm.Transform(csrOnPattern(t, y, newMask))
			if err != nil {
				t.Errorf("%s/%s: Transform of CSR rows: %v", name, fitForm.name, err)
				continue
			}
			for i := 0; i < 9; i++ {
				var obs []int
				for j := 0; j < m; j++ {
					if newMask.At(i, j) > 0 {
						obs = append(obs, j)
					}
				}
				want := mat.NewVecDense(k, rowSolve(s, h, mat.Row(nil, i, y), obs))
				for form, got := range map[string]*mat.Dense{"dense-nan": dense, "csr": sparse} {
					var d mat.VecDense
					d.SubVec(got.RowView(i), want)
					scale := math.Max(mat.Norm(want, 2), 1e-300)
					if len(obs) == 0 {
						if mat.Norm(got.RowView(i), math.Inf(1)) != 0 {
							t.Errorf("%s/%s/%s: row %d has nothing observed and transforms to %v, want 0", name, fitForm.name, form, i, mat.Formatted(got.RowView(i).T()))
						}
					} else if !s.als && len(obs) < k {
						// Fewer observed entries than k: the NNLS solution
						// need not be unique; any W row ≥ 0 of the least
						// residual will do.
						rowX := mat.Row(nil, i, y)
						gotRes, wantRes := observedResidual(h, got.RawRowView(i), rowX, obs), observedResidual(h, want.RawVector().Data, rowX, obs)
						if lo := slices.Min(got.RawRowView(i)); !(lo >= 0) || !(gotRes <= wantRes+1e-9*(1+normOn(rowX, obs))) {
							t.Errorf("%s/%s/%s: row %d (%d observed) transforms to %v with residual %.3g; the NNLS optimum's is %.3g",
								name, fitForm.name, form, i, len(obs), mat.Formatted(got.RowView(i).T()), gotRes, wantRes)
						}
					} else if e := mat.Norm(&d, 2) / scale; !(e <= 1e-9) {
						t.Errorf("%s/%s/%s: row %d (%d observed) transforms to %v, the solve on its observed columns gives %v (relative error %.3g)",
							name, fitForm.name, form, i, len(obs), mat.Formatted(got.RowView(i).T()), mat.Formatted(want.T()), e)
					}
				}
			}
			if fitForm.name == "fit-csr" {
				checkConcurrentTransform(t, tm, []mat.Matrix{
					nanOffPattern(y, newMask), csrOnPattern(t, s.data(9, m, 79), newMask),
					nanOffPattern(s.data(30, m, 75), maskFor(30, m, 0.5, 1, 76, nil, nil)),
					csrOnPattern(t, s.data(25, m, 77), maskFor(25, m, 0.3, 1, 78, nil, nil)),
				})
			}
		}
	}
}

// observedResidual returns Σ over obs of (x_j − w·h_j)².
func observedResidual(h *mat.Dense, w, x []float64, obs []int) float64 {
	var r float64
	for _, j := range obs {
		y := 0.0
		for t := range w {
			y += w[t] * h.At(t, j)
		}
		r += (x[j] - y) * (x[j] - y)
	}
	return r
}

// normOn returns Σ over obs of x_j².
func normOn(x []float64, obs []int) float64 {
	var r float64
	for _, j := range obs {
		r += x[j] * x[j]
	}
	return r
}
