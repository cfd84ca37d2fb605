package factor_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// rowBlockModel is a model that makes a row-block fit: *factor.NMF or
// *factor.VanillaALS.
type rowBlockModel interface {
	RowBlocks() (*factor.RowBlocks, error)
	W() *mat.Dense
	H() *mat.Dense
	History() []float64
	Objective() float64
	ReconstructionErr() float64
	NIter() int
}

// fitRowBlocks runs the row-block protocol of RowBlocks on the blocks of
// x, in process: every round the blocks run in turn, their sums are added
// in a shuffled order, and the state and the sums go through their binary
// encodings as they would between processes. It returns the rounds run.
func fitRowBlocks(t *testing.T, model rowBlockModel, blocks []mat.Matrix, w0, h0 *mat.Dense) int {
	t.Helper()
	rb, err := model.RowBlocks()
	if err != nil {
		t.Fatal(err)
	}
	n, k := w0.Dims()
	st, err := rb.Start(n, h0)
	if err != nil {
		t.Fatal(err)
	}
	// The blocks' rows of W.
	ws := make([][]float64, len(blocks))
	first := 0
	for b, x := range blocks {
		r, _ := x.Dims()
		ws[b] = make([]float64, r*k)
		for i := range r {
			copy(ws[b][i*k:(i+1)*k], w0.RawRowView(first+i))
		}
		first += r
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rounds := 0
	for ; !st.Done(); rounds++ {
		if rounds >= rb.Rounds() {
			t.Fatalf("not done after Rounds() = %d rounds", rb.Rounds())
		}
		st = throughBytes(t, st, new(factor.RowBlockState))
		parts := make([]*factor.RowBlockSums, len(blocks))
		for b, x := range blocks {
			s, err := rb.Block(st, x, ws[b])
			if err != nil {
				t.Fatalf("round %d, block %d: %v", rounds, b, err)
			}
			parts[b] = throughBytes(t, s, new(factor.RowBlockSums))
		}
		var sum factor.RowBlockSums
		for _, b := range rng.Perm(len(parts)) {
			if err := sum.Add(parts[b]); err != nil {
				t.Fatal(err)
			}
		}
		if err := rb.Step(st, &sum); err != nil {
			t.Fatalf("round %d: %v", rounds, err)
		}
	}
	if s, err := rb.Block(st, blocks[0], ws[0]); s != nil || err != nil {
		t.Errorf("Block of a done state: %v, %v; want nil sums", s, err)
	}
	var all []float64
	for _, w := range ws {
		all = append(all, w...)
	}
	if err := rb.Finish(st, mat.NewDense(n, k, all)); err != nil {
		t.Fatal(err)
	}
	return rounds
}

// throughBytes returns v encoded and decoded into out.
func throughBytes[T interface {
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
}](t *testing.T, v, out T) T {
	t.Helper()
	b, err := v.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if err := out.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	return out
}

// normDiff returns ‖a − b‖_F / ‖b‖_F.
func normDiff(a, b mat.Matrix) float64 {
	var d mat.Dense
	d.Sub(a, b)
	return mat.Norm(&d, 2) / mat.Norm(b, 2)
}

// compareFits fails unless the row-block fit got agrees with the in-memory
// fit want of x to 1e-9 relative: W, H, each objective of the history, the
// final objective and the reconstruction error. Both compute the objective
// of an iteration by the Gram identity, accurate to about 1e-16·‖X‖²
// absolute (see the package documentation), so an objective also passes
// within 1e-13·‖X‖² of Fit's, which only a nearly exact fit can tell from
// 1e-9 relative.
func compareFits(t *testing.T, x mat.Matrix, got, want rowBlockModel) {
	t.Helper()
	const tol = 1e-9
	if got.NIter() != want.NIter() {
		t.Fatalf("%d iterations, Fit %d", got.NIter(), want.NIter())
	}
	worst := 0.0
	for name, d := range map[string]float64{"W": normDiff(got.W(), want.W()), "H": normDiff(got.H(), want.H())} {
		if !(d <= tol) {
			t.Errorf("%s differs from Fit's by %.3g relative", name, d)
		}
		worst = max(worst, d)
	}
	sq := mat.Norm(x, 2) * mat.Norm(x, 2)
	agree := func(a, b float64) bool {
		d := math.Abs(a - b)
		if d <= tol*b {
			worst = max(worst, d/b)
			return true
		}
		return d <= 1e-13*sq
	}
	gh, wh := got.History(), want.History()
	for i := range wh {
		if !agree(gh[i], wh[i]) {
			t.Errorf("objective %d: %.17g, Fit %.17g", i+1, gh[i], wh[i])
		}
	}
	if a, b := got.Objective(), want.Objective(); !agree(a, b) {
		t.Errorf("objective %.17g, Fit %.17g", a, b)
	}
	// ReconstructionErr is sqrt(2·loss) for NMF, sqrt(loss) for ALS.
	if a, b := got.ReconstructionErr(), want.ReconstructionErr(); !agree(a*a/2, b*b/2) {
		t.Errorf("reconstruction error %.17g, Fit %.17g", a, b)
	}
	t.Logf("%d iterations; largest relative difference from Fit %.2g", want.NIter(), worst)
}

// denseBlocks cuts x into blocks of rows rows (views).
func denseBlocks(x *mat.Dense, rows int) []mat.Matrix {
	n, m := x.Dims()
	var out []mat.Matrix
	for lo := 0; lo < n; lo += rows {
		out = append(out, x.Slice(lo, min(lo+rows, n), 0, m))
	}
	return out
}

// tfidfBlocks reads the Debian tf-idf matrix whole and in blocks of rows
// rows, with the library's row reader.
func tfidfBlocks(t *testing.T, rows int) (*factor.CSR, []mat.Matrix) {
	t.Helper()
	f, err := os.Open("testdata/debian6_tfidf.mtx")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	whole, err := factor.ReadMatrixMarket(f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	r := factor.NewMatrixMarketRowReader(f)
	var blocks []mat.Matrix
	for {
		b, err := r.Next(rows)
		if err != nil {
			break
		}
		blocks = append(blocks, b)
	}
	return whole.(*factor.CSR), blocks
}

// scaledCSR returns c times s.
func scaledCSR(t *testing.T, c *factor.CSR, s float64) *factor.CSR {
	t.Helper()
	var is, js []int
	var vs []float64
	c.DoNonZero(func(i, j int, v float64) { is, js, vs = append(is, i), append(js, j), append(vs, v*s) })
	r, cols := c.Dims()
	x, err := factor.NewCSRFromTriplets(r, cols, is, js, vs)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// startOf returns the factors of a fit with WithMaxIter(0): the start.
func startOf(t *testing.T, model interface {
	Fit(mat.Matrix) error
	W() *mat.Dense
	H() *mat.Dense
}, x mat.Matrix) (w, h *mat.Dense) {
	t.Helper()
	if err := model.Fit(x); err != nil {
		t.Fatal(err)
	}
	return model.W(), model.H()
}

func TestRowBlocksMatchFit(t *testing.T) {
	digits := loadCSV("testdata/digits.csv")
	tfidf, tfidfParts := tfidfBlocks(t, 400)
	// The tf-idf times 2^40, which Fit brings to unit scale and RowBlocks
	// fits as it is.
	var bigParts []mat.Matrix
	for _, b := range tfidfParts {
		bigParts = append(bigParts, scaledCSR(t, b.(*factor.CSR), 0x1p40))
	}
	big := scaledCSR(t, tfidf, 0x1p40)
	cases := []struct {
		name   string
		x      mat.Matrix
		blocks []mat.Matrix
		opts   []factor.Option
		als    bool
	}{
		{"digits/hals", digits, denseBlocks(digits, 500), []factor.Option{factor.WithK(16), factor.WithTol(0), factor.WithMaxIter(30), factor.WithAlpha(0.001), factor.WithL1Ratio(0.5)}, false},
		{"digits/mu", digits, denseBlocks(digits, 700), []factor.Option{factor.WithK(8), factor.WithSolver(factor.MU), factor.WithTol(0), factor.WithMaxIter(20)}, false},
		{"tfidf/hals", tfidf, tfidfParts, []factor.Option{factor.WithK(6), factor.WithTol(1e-3), factor.WithMaxIter(200), factor.WithAlphaH(0.0001)}, false},
		{"tfidf×2^40/hals", big, bigParts, []factor.Option{factor.WithK(6), factor.WithTol(0), factor.WithMaxIter(15), factor.WithAlpha(1e-12), factor.WithL1Ratio(0.3)}, false},
		{"tfidf×2^40/als", big, bigParts, []factor.Option{factor.WithK(6), factor.WithAlpha(1e10), factor.WithTol(0), factor.WithMaxIter(15)}, true},
		{"digits/als", digits, denseBlocks(digits, 600), []factor.Option{factor.WithK(10), factor.WithAlpha(1), factor.WithTol(0), factor.WithMaxIter(25)}, true},
		{"tfidf/als", tfidf, tfidfParts, []factor.Option{factor.WithK(6), factor.WithAlpha(0.1), factor.WithTol(1e-4), factor.WithMaxIter(100)}, true},
		{"tfidf/als-nonneg-count", tfidf, tfidfParts, []factor.Option{factor.WithK(6), factor.WithAlpha(0.001), factor.WithCountScaledAlpha(), factor.WithNonNegative(), factor.WithTol(0), factor.WithMaxIter(15)}, true},
		{"digits/start", digits, denseBlocks(digits, 500), []factor.Option{factor.WithK(5), factor.WithMaxIter(0)}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var w0, h0 *mat.Dense
			var want, got rowBlockModel
			if c.als {
				w0, h0 = startOf(t, factor.NewVanillaALS(append(c.opts, factor.WithMaxIter(0), factor.WithSeed(3))...), c.x)
				fit := factor.NewVanillaALS(append(c.opts, factor.WithInitialFactors(w0, h0))...)
				if err := fit.Fit(c.x); err != nil {
					t.Fatal(err)
				}
				want, got = fit, factor.NewVanillaALS(c.opts...)
			} else {
				w0, h0 = startOf(t, factor.NewNMF(append(c.opts, factor.WithMaxIter(0))...), c.x)
				fit := factor.NewNMF(append(c.opts, factor.WithInitialFactors(w0, h0))...)
				if err := fit.Fit(c.x); err != nil {
					t.Fatal(err)
				}
				want, got = fit, factor.NewNMF(c.opts...)
			}
			if len(c.blocks) < 3 {
				t.Fatalf("%d blocks, want several", len(c.blocks))
			}
			fitRowBlocks(t, got, c.blocks, w0, h0)
			compareFits(t, c.x, got, want)
		})
	}
}

// lowRankExact returns an n×m matrix of rank r, the product of uniform
// random factors, and those factors, each entry moved by up to ±noise
// (and kept ≥ 0).
func lowRankExact(n, m, r int, noise float64) (x, a, b *mat.Dense) {
	rng := rand.New(rand.NewPCG(7, 8))
	a, b = mat.NewDense(n, r, nil), mat.NewDense(r, m, nil)
	for _, f := range []*mat.Dense{a, b} {
		raw := f.RawMatrix().Data
		for i := range raw {
			raw[i] = rng.Float64()
		}
	}
	x = new(mat.Dense)
	x.Mul(a, b)
	for _, f := range []*mat.Dense{a, b} {
		raw := f.RawMatrix().Data
		for i := range raw {
			raw[i] = max(raw[i]+noise*(2*rng.Float64()-1), 0)
		}
	}
	return x, a, b
}

// TestRowBlocksExactRounds checks the rounds that sum ‖X − WH‖² exactly,
// which Fit computes exactly at the start and the end of a nearly exact
// fit of dense X: from a start near an exact factorization there is one
// after the start and one after the last iteration, and the objectives
// match Fit's. With the same blocks held as CSR there are none, as Fit of
// a CSR computes none, and the final objective differs from the exact one
// (so that the test of the exact rounds can fail).
func TestRowBlocksExactRounds(t *testing.T) {
	x, w0, h0 := lowRankExact(200, 30, 3, 8e-3)
	opts := []factor.Option{factor.WithK(3), factor.WithTol(0), factor.WithMaxIter(20)}
	fit := factor.NewNMF(append(opts, factor.WithInitialFactors(w0, h0))...)
	if err := fit.Fit(x); err != nil {
		t.Fatal(err)
	}
	sq := mat.Norm(x, 2) * mat.Norm(x, 2)
	if f := fit.Objective(); f > 1e-4*0.5*sq {
		t.Fatalf("final objective %g: the fit is not near enough to exact to test the exact rounds", f)
	}
	got := factor.NewNMF(opts...)
	if rounds := fitRowBlocks(t, got, denseBlocks(x, 64), w0, h0); rounds != 1+1+20+1 {
		t.Errorf("%d rounds, want the start, its exact round, 20 iterations and the final exact round", rounds)
	}
	compareFits(t, x, got, fit)
	// Exact on both sides: within 1e-9 relative, where the Gram identity's
	// 1e-16·‖X‖² would be far off (below).
	if d := math.Abs(got.Objective()-fit.Objective()) / fit.Objective(); d > 1e-9 {
		t.Errorf("final objective %.17g, Fit %.17g (both exact): %.2g relative", got.Objective(), fit.Objective(), d)
	}

	var blocks []mat.Matrix
	for _, b := range denseBlocks(x, 64) {
		blocks = append(blocks, sparseOf(t, mat.DenseCopyOf(b)))
	}
	gotCSR := factor.NewNMF(opts...)
	if rounds := fitRowBlocks(t, gotCSR, blocks, w0, h0); rounds != 1+20 {
		t.Errorf("CSR blocks: %d rounds, want the start and 20 iterations", rounds)
	}
	if a, b := gotCSR.Objective(), fit.Objective(); math.Abs(a-b) < 1e-6*b {
		t.Errorf("the Gram identity's objective %.17g and the exact one %.17g agree: the case does not tell them apart", a, b)
	}
}

func TestRowBlocksModel(t *testing.T) {
	digits := loadCSV("testdata/digits.csv")
	opts := []factor.Option{factor.WithK(4), factor.WithTol(0), factor.WithMaxIter(5)}
	w0, h0 := startOf(t, factor.NewNMF(append(opts, factor.WithMaxIter(0))...), digits)
	got := factor.NewNMF(opts...)
	fitRowBlocks(t, got, denseBlocks(digits, 400), w0, h0)
	b, err := got.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var loaded factor.NMF
	if err := loaded.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !sameBits(loaded.H(), got.H()) || !sameBits(loaded.W(), got.W()) || loaded.NIter() != 5 {
		t.Error("the loaded model differs from the row-block fit")
	}
	w, err := loaded.Transform(digits.Slice(0, 3, 0, 64))
	if err != nil {
		t.Fatal(err)
	}
	if r, c := w.Dims(); r != 3 || c != 4 {
		t.Errorf("Transform gave %d×%d", r, c)
	}
}

func TestRowBlocksErrors(t *testing.T) {
	x := mat.NewDense(4, 3, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3})
	h := mat.NewDense(2, 3, []float64{1, 1, 1, 1, 1, 1})
	for name, m := range map[string]interface {
		RowBlocks() (*factor.RowBlocks, error)
	}{
		"kl":        factor.NewNMF(factor.WithK(2), factor.WithBeta(factor.KullbackLeibler)),
		"ahals":     factor.NewNMF(factor.WithK(2), factor.WithSolver(factor.AcceleratedHALS)),
		"restarts":  factor.NewNMF(factor.WithK(2), factor.WithRestarts(2)),
		"initial":   factor.NewNMF(factor.WithK(2), factor.WithInitialFactors(x, h)),
		"init":      factor.NewNMF(factor.WithK(2), factor.WithInit(factor.InitRandom)),
		"weights":   factor.NewNMF(factor.WithK(2), factor.WithWeights(x)),
		"observed":  factor.NewVanillaALS(factor.WithK(2), factor.WithObservedOnly()),
		"no k":      factor.NewNMF(),
		"k zero":    factor.NewVanillaALS(factor.WithK(0)),
		"alpha NaN": factor.NewNMF(factor.WithK(2), factor.WithAlpha(math.NaN())),
	} {
		if _, err := m.RowBlocks(); !errors.Is(err, factor.ErrInvalidOption) {
			t.Errorf("%s: %v, want ErrInvalidOption", name, err)
		}
	}

	rb, err := factor.NewNMF(factor.WithK(2), factor.WithMaxIter(3)).RowBlocks()
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		n    int
		h    mat.Matrix
		want error
	}{
		"k":        {4, mat.NewDense(3, 3, nil), factor.ErrShape},
		"n":        {0, h, factor.ErrShape},
		"nil":      {4, nil, factor.ErrShape},
		"negative": {4, mat.NewDense(2, 3, []float64{1, -1, 1, 1, 1, 1}), factor.ErrNegative},
		"zeros":    {4, mat.NewDense(2, 3, nil), factor.ErrInvalidOption},
		"NaN":      {4, mat.NewDense(2, 3, []float64{1, math.NaN(), 1, 1, 1, 1}), factor.ErrNotFinite},
	} {
		if _, err := rb.Start(c.n, c.h); !errors.Is(err, c.want) {
			t.Errorf("Start %s: %v, want %v", name, err, c.want)
		}
	}

	st, err := rb.Start(4, h)
	if err != nil {
		t.Fatal(err)
	}
	w := []float64{1, 1, 1, 1, 1, 1, 1, 1}
	neg := mat.NewDense(2, 3, []float64{1, 2, 3, 4, -5, 6})
	var ee *factor.EntryError
	if _, err := rb.Block(st, neg, w[:4]); !errors.As(err, &ee) || ee.Row != 1 || ee.Col != 1 || !errors.Is(err, factor.ErrNegative) {
		t.Errorf("negative X: %v, want an EntryError at (1, 1)", err)
	}
	if _, err := rb.Block(st, x.Slice(0, 2, 0, 3), []float64{1, 1, 1, -1}); !errors.As(err, &ee) || ee.Row != 1 || ee.Col != 1 || !errors.Is(err, factor.ErrNegative) {
		t.Errorf("negative W: %v, want an EntryError at (1, 1)", err)
	}
	if _, err := rb.Block(st, x.Slice(0, 2, 0, 2), w[:4]); !errors.Is(err, factor.ErrShape) {
		t.Errorf("2 columns: %v, want ErrShape", err)
	}
	if _, err := rb.Block(st, x.Slice(0, 2, 0, 3), w[:3]); !errors.Is(err, factor.ErrShape) {
		t.Errorf("short W: %v, want ErrShape", err)
	}

	// Sums of half the rows, then of all rows with W all zero.
	half, err := rb.Block(st, x.Slice(0, 2, 0, 3), w[:4])
	if err != nil {
		t.Fatal(err)
	}
	if err := rb.Step(st, half); !errors.Is(err, factor.ErrShape) {
		t.Errorf("sums of 2 of 4 rows: %v, want ErrShape", err)
	}
	if err := rb.Step(st, nil); !errors.Is(err, factor.ErrShape) {
		t.Errorf("no sums: %v, want ErrShape", err)
	}
	zero := make([]float64, 8)
	allZero, err := rb.Block(st, x, zero)
	if err != nil {
		t.Fatal(err)
	}
	if err := rb.Step(st, allZero); !errors.Is(err, factor.ErrInvalidOption) {
		t.Errorf("W all zero: %v, want ErrInvalidOption", err)
	}
	if err := rb.Finish(st, mat.NewDense(4, 2, w)); !errors.Is(err, factor.ErrInvalidOption) {
		t.Errorf("Finish before done: %v, want ErrInvalidOption", err)
	}

	// Sums of the start do not add to sums of an iteration, nor feed it.
	start, err := rb.Block(st, x, w)
	if err != nil {
		t.Fatal(err)
	}
	if err := rb.Step(st, start); err != nil {
		t.Fatal(err)
	}
	iter, err := rb.Block(st, x, w)
	if err != nil {
		t.Fatal(err)
	}
	if err := iter.Add(start); !errors.Is(err, factor.ErrInvalidOption) {
		t.Errorf("Add of sums of two rounds: %v, want ErrInvalidOption", err)
	}
	if err := rb.Step(st, start); !errors.Is(err, factor.ErrShape) {
		t.Errorf("Step with the start's sums in an iteration: %v, want ErrShape", err)
	}

	// Damaged encodings.
	b, err := st.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		c := append([]byte(nil), b...)
		c[i] ^= 0x10
		if err := new(factor.RowBlockState).UnmarshalBinary(c); !errors.Is(err, factor.ErrFormat) {
			t.Fatalf("state with byte %d changed: %v, want ErrFormat", i, err)
		}
	}
	for n := range len(b) {
		if err := new(factor.RowBlockState).UnmarshalBinary(b[:n]); !errors.Is(err, factor.ErrFormat) {
			t.Fatalf("state cut to %d bytes: %v, want ErrFormat", n, err)
		}
	}
	sb, err := iter.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if err := new(factor.RowBlockSums).UnmarshalBinary(append(sb, 0)); !errors.Is(err, factor.ErrFormat) {
		t.Errorf("sums with a byte after them: %v, want ErrFormat", err)
	}
	if err := new(factor.RowBlockState).UnmarshalBinary(sb); !errors.Is(err, factor.ErrFormat) {
		t.Errorf("sums read as a state: %v, want ErrFormat", err)
	}

	// Finish with W of the wrong shape or sign.
	done, err := factor.NewNMF(factor.WithK(2), factor.WithMaxIter(0)).RowBlocks()
	if err != nil {
		t.Fatal(err)
	}
	st, err = done.Start(4, h)
	if err != nil {
		t.Fatal(err)
	}
	s, err := done.Block(st, x, w)
	if err != nil {
		t.Fatal(err)
	}
	if err := done.Step(st, s); err != nil || !st.Done() {
		t.Fatalf("WithMaxIter(0) after the start: %v, done %v", err, st.Done())
	}
	if err := done.Finish(st, mat.NewDense(3, 2, nil)); !errors.Is(err, factor.ErrShape) {
		t.Errorf("Finish with 3 rows of W: %v, want ErrShape", err)
	}
	if err := done.Finish(st, mat.NewDense(4, 2, []float64{1, 1, 1, 1, 1, 1, 1, -1})); !errors.Is(err, factor.ErrNegative) {
		t.Errorf("Finish with a negative W: %v, want ErrNegative", err)
	}

	// ‖X‖² past float64.
	big := mat.NewDense(4, 3, []float64{1e200, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1})
	st, _ = rb.Start(4, h)
	if s, err := rb.Block(st, big, w); err != nil {
		t.Fatal(err)
	} else if err := rb.Step(st, s); !errors.Is(err, factor.ErrNotFinite) {
		t.Errorf("‖X‖² = ∞: %v, want ErrNotFinite", err)
	}
}
