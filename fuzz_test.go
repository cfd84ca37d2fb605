package factor_test

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// fuzzValues are entries the fuzzer can pick by index besides arbitrary
// float64 bit patterns.
var fuzzValues = []float64{0, 1, 0.5, -1, 1e-300, 1e300, math.MaxFloat64, math.SmallestNonzeroFloat64,
	math.NaN(), math.Inf(1), math.Inf(-1), 1e-8, 3, 100}

// fuzzMatrix builds a small matrix from fuzz bytes.
func fuzzMatrix(data []byte, n, m int) (*mat.Dense, []byte) {
	x := mat.NewDense(n, m, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			var v float64
			switch {
			case len(data) == 0:
				v = float64((i*m+j)%5) + 0.5
			case data[0] < 200:
				v = float64(data[0]) / 16
				data = data[1:]
			case data[0] < 240 || len(data) < 9:
				v = fuzzValues[int(data[0])%len(fuzzValues)]
				data = data[1:]
			default:
				v = math.Float64frombits(binary.LittleEndian.Uint64(data[1:9]))
				data = data[9:]
			}
			x.Set(i, j, v)
		}
	}
	return x, data
}

// checkResult requires a finite, non-negative result (or only finite, for ALS).
func checkResult(t *testing.T, what string, a mat.Matrix, nonNegative bool) {
	r, c := a.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			v := a.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) || nonNegative && v < 0 {
				t.Fatalf("%s[%d, %d] = %g", what, i, j, v)
			}
		}
	}
}

// sentinels are the errors every error of a fit or transform must wrap.
var sentinels = []error{factor.ErrNegative, factor.ErrNotFinite, factor.ErrShape, factor.ErrRank,
	factor.ErrZeroEntries, factor.ErrNotFitted, factor.ErrInvalidOption, factor.ErrTooLarge}

// checkSentinel fails the test unless err wraps one of the sentinels.
func checkSentinel(t *testing.T, what string, err error) {
	t.Helper()
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("%s: error %q wraps no sentinel", what, err)
}

// fuzzIncomplete turns x into incomplete data as the mode byte says: bit 0
// gives weights, built from the next fuzz bytes (any values, negative and
// NaN ones included), as a *CSR storing their nonzero entries when bit 2 is
// set and they are finite; bit 1 sets WithObservedOnly, with X as a *CSR
// storing its non-NaN entries when bit 3 is set and they are finite (else
// dense, NaN marking the missing entries). It returns the data to fit and
// the options, and whether weights are on.
func fuzzIncomplete(x *mat.Dense, mode byte, data []byte) (mat.Matrix, []factor.Option, bool) {
	rows, cols := x.Dims()
	var opts []factor.Option
	var in mat.Matrix = x
	weighted := mode&1 != 0
	if weighted {
		w, _ := fuzzMatrix(data, rows, cols)
		var wm mat.Matrix = w
		if mode&4 != 0 {
			if c, err := csrOfFinite(w, func(v float64) bool { return v != 0 }); err == nil {
				wm = c
			}
		}
		opts = append(opts, factor.WithWeights(wm))
	}
	if mode&2 != 0 {
		opts = append(opts, factor.WithObservedOnly())
		if mode&8 != 0 {
			if c, err := csrOfFinite(x, func(v float64) bool { return !math.IsNaN(v) }); err == nil {
				in = c
			}
		}
	}
	return in, opts, weighted
}

// csrOfFinite returns the CSR matrix storing the entries of a that keep
// accepts (NewCSR refuses any that are not finite).
func csrOfFinite(a *mat.Dense, keep func(float64) bool) (*factor.CSR, error) {
	rows, cols := a.Dims()
	indptr := make([]int, rows+1)
	var indices []int
	var data []float64
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if v := a.At(i, j); keep(v) {
				indices, data = append(indices, j), append(data, v)
			}
		}
		indptr[i+1] = len(data)
	}
	return factor.NewCSR(rows, cols, indptr, indices, data)
}

// FuzzFit feeds arbitrary small matrices and settings to Fit and Transform:
// each must return an error wrapping a sentinel or a finite, non-negative
// result, never panic. The byte after the one setting the penalties drives
// weights and missing entries (see fuzzIncomplete).
func FuzzFit(f *testing.F) {
	f.Add(uint8(3), uint8(4), uint8(2), uint8(0), uint8(0), uint8(5), []byte{16, 32, 48, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add(uint8(2), uint8(2), uint8(3), uint8(1), uint8(2), uint8(3), []byte{0, 0, 0, 0})
	f.Add(uint8(4), uint8(3), uint8(1), uint8(2), uint8(4), uint8(20), []byte{203, 204, 205, 206, 207, 210})
	f.Add(uint8(1), uint8(1), uint8(1), uint8(3), uint8(6), uint8(1), []byte{250, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f})
	f.Add(uint8(5), uint8(5), uint8(4), uint8(4), uint8(1), uint8(50), []byte{})
	// Weights (dense; CSR with observed-only), observed-only (dense NaN,
	// CSR): 3×4 and 3×3 matrices, the penalty byte, the mode byte, weights.
	// Byte 204 is NaN.
	f.Add(uint8(2), uint8(3), uint8(2), uint8(0), uint8(0), uint8(5),
		[]byte{16, 32, 48, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 1, 16, 0, 16, 32, 0, 8, 16, 16, 0, 16, 16, 16})
	f.Add(uint8(2), uint8(2), uint8(2), uint8(2), uint8(1), uint8(8), []byte{16, 204, 48, 1, 204, 3, 4, 5, 6, 0, 2})
	f.Add(uint8(2), uint8(2), uint8(1), uint8(0), uint8(2), uint8(10), []byte{16, 204, 48, 1, 204, 3, 4, 5, 6, 0, 10})
	f.Add(uint8(2), uint8(2), uint8(2), uint8(2), uint8(4), uint8(6),
		[]byte{16, 204, 48, 1, 204, 3, 4, 5, 6, 5, 7, 16, 0, 16, 16, 0, 16, 16, 16, 0})
	f.Fuzz(func(t *testing.T, n, m, k, solverByte, betaByte, iters uint8, data []byte) {
		rows, cols := int(n%6)+1, int(m%6)+1
		x, rest := fuzzMatrix(data, rows, cols)
		betas := []float64{2, 1, 0, 0.5, 1.5, 3, -0.5}
		beta := betas[int(betaByte)%len(betas)]
		opts := []factor.Option{
			factor.WithK(int(k%5) + 1),
			factor.WithBeta(beta),
			factor.WithSolver(factor.Solver(solverByte % 4)),
			factor.WithInit(factor.Init(int(solverByte/4) % 5)),
			factor.WithMaxIter(int(iters % 30)),
			factor.WithSeed(uint64(iters)),
		}
		if len(rest) > 0 {
			opts = append(opts, factor.WithAlpha(float64(rest[0]%8)/100), factor.WithL1Ratio(float64(rest[0]%3)/2))
		}
		var in mat.Matrix = x
		weighted := false
		if len(rest) > 1 {
			var more []factor.Option
			in, more, weighted = fuzzIncomplete(x, rest[1], rest[2:])
			opts = append(opts, more...)
		}
		model := factor.NewNMF(opts...)
		if err := model.Fit(in); err != nil {
			checkSentinel(t, "Fit", err)
			return
		}
		checkResult(t, "W", model.W(), true)
		checkResult(t, "H", model.H(), true)
		if o := model.Objective(); math.IsNaN(o) || math.IsInf(o, 0) || o < 0 {
			t.Fatalf("objective %g", o)
		}
		w, err := model.Transform(in)
		if errors.Is(err, factor.ErrNotFinite) {
			return // data near the float64 limit can overflow from Transform's start
		}
		if weighted && (errors.Is(err, factor.ErrNegative) || errors.Is(err, factor.ErrZeroEntries)) {
			return // Transform has no weights: it reads the entries of weight 0
		}
		if err != nil {
			t.Fatalf("Transform of the training data failed: %v", err)
		}
		checkResult(t, "Transform", w, true)
		// W·H of data near the float64 limit may be past it: InverseTransform
		// says so rather than return Inf.
		if _, err := model.InverseTransform(w); err != nil && !errors.Is(err, factor.ErrNotFinite) {
			t.Fatalf("InverseTransform: %v", err)
		}
	})
}

// FuzzALS does the same for VanillaALS, whose data may have any sign. The
// byte after the matrix drives weights and missing entries (bits 0 to 3, as
// fuzzIncomplete), WithCountScaledAlpha (bit 4) and WithNonNegative (bit
// 5), whose factors must then be non-negative.
func FuzzALS(f *testing.F) {
	f.Add(uint8(3), uint8(4), uint8(2), uint8(0), uint8(5), []byte{16, 32, 48, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add(uint8(2), uint8(2), uint8(3), uint8(1), uint8(3), []byte{0, 0, 0, 0})
	f.Add(uint8(4), uint8(3), uint8(1), uint8(7), uint8(20), []byte{203, 204, 205, 206, 207, 210})
	// Weights, observed-only, count-scaled and non-negative (see above).
	f.Add(uint8(2), uint8(3), uint8(2), uint8(1), uint8(5),
		[]byte{16, 32, 48, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x33, 16, 0, 16, 32, 0, 8, 16, 16, 0, 16, 16, 16})
	f.Add(uint8(2), uint8(2), uint8(2), uint8(2), uint8(8), []byte{16, 204, 48, 1, 204, 3, 4, 5, 6, 0x2a})
	f.Add(uint8(2), uint8(2), uint8(1), uint8(3), uint8(6), []byte{16, 0, 48, 1, 2, 3, 4, 5, 6, 0x15, 16, 0, 16, 16, 0, 16, 16, 16, 0})
	f.Fuzz(func(t *testing.T, n, m, k, alphaByte, iters uint8, data []byte) {
		rows, cols := int(n%6)+1, int(m%6)+1
		x, rest := fuzzMatrix(data, rows, cols)
		opts := []factor.Option{factor.WithK(int(k%5) + 1), factor.WithAlpha(float64(alphaByte%4) / 4),
			factor.WithMaxIter(int(iters % 30)), factor.WithSeed(uint64(iters))}
		var in mat.Matrix = x
		nonNeg := false
		if len(rest) > 0 {
			var more []factor.Option
			in, more, _ = fuzzIncomplete(x, rest[0], rest[1:])
			opts = append(opts, more...)
			if rest[0]&16 != 0 {
				opts = append(opts, factor.WithCountScaledAlpha())
			}
			if nonNeg = rest[0]&32 != 0; nonNeg {
				opts = append(opts, factor.WithNonNegative())
			}
		}
		a := factor.NewVanillaALS(opts...)
		if err := a.Fit(in); err != nil {
			checkSentinel(t, "Fit", err)
			return
		}
		checkResult(t, "W", a.W(), nonNeg)
		checkResult(t, "H", a.H(), nonNeg)
		if o := a.Objective(); math.IsNaN(o) || math.IsInf(o, 0) || o < 0 {
			t.Fatalf("objective %g", o)
		}
		// Transform can fail only as Fit can: a (numerically) singular
		// system or an overflow.
		w, err := a.Transform(in)
		if err != nil && !errors.Is(err, factor.ErrRank) && !errors.Is(err, factor.ErrNotFinite) {
			t.Fatalf("Transform failed: %v", err)
		}
		if err == nil {
			checkResult(t, "Transform", w, nonNeg)
		}
	})
}

// FuzzImplicit feeds arbitrary small interaction matrices and settings to
// ImplicitALS: Fit must fail with an error wrapping a sentinel or give
// finite factors and objective, and then Transform, Recommend, RecommendRow
// and SimilarItems must answer (or fail with a sentinel), never panic.
func FuzzImplicit(f *testing.F) {
	f.Add(uint8(3), uint8(4), uint8(2), uint8(1), uint8(0), uint8(5), []byte{16, 32, 48, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add(uint8(2), uint8(2), uint8(3), uint8(0), uint8(1), uint8(3), []byte{0, 0, 0, 0})
	f.Add(uint8(4), uint8(3), uint8(1), uint8(7), uint8(3), uint8(20), []byte{203, 204, 205, 206, 207, 210})
	f.Add(uint8(1), uint8(1), uint8(1), uint8(3), uint8(2), uint8(1), []byte{250, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f})
	f.Add(uint8(5), uint8(5), uint8(4), uint8(2), uint8(4), uint8(9), []byte{})
	f.Fuzz(func(t *testing.T, n, m, k, alphaByte, cgByte, iters uint8, data []byte) {
		rows, cols := int(n%6)+1, int(m%6)+1
		x, rest := fuzzMatrix(data, rows, cols)
		confidences := []float64{0, 1, 40, 1e-3, 1e6}
		conf := confidences[int(cgByte/8)%len(confidences)]
		opts := []factor.Option{
			factor.WithK(int(k%5) + 1),
			factor.WithAlpha([]float64{0, 0.01, 0.1, 1, 1e-12, 100, 1e200, -1}[alphaByte%8]),
			factor.WithConfidence(conf),
			factor.WithCGSteps(int(cgByte % 4)),
			factor.WithMaxIter(int(iters % 20)),
			factor.WithTol(float64(iters/20) * 1e-3),
			factor.WithSeed(uint64(iters)),
		}
		sentinel := func(err error) bool {
			for _, s := range []error{factor.ErrNegative, factor.ErrNotFinite, factor.ErrShape, factor.ErrRank,
				factor.ErrInvalidOption, factor.ErrNotFitted, factor.ErrTooLarge} {
				if errors.Is(err, s) {
					return true
				}
			}
			return false
		}
		model := factor.NewImplicitALS(opts...)
		if err := model.Fit(x); err != nil {
			if !sentinel(err) {
				t.Fatalf("Fit: error %v wraps no sentinel", err)
			}
			return
		}
		checkResult(t, "W", model.W(), false)
		checkResult(t, "H", model.H(), false)
		if o := model.Objective(); math.IsNaN(o) || math.IsInf(o, 0) || o < 0 {
			t.Fatalf("objective %g", o)
		}
		if w, err := model.Transform(x); err != nil {
			if !sentinel(err) {
				t.Fatalf("Transform: error %v wraps no sentinel", err)
			}
		} else {
			checkResult(t, "Transform", w, false)
		}
		count := 0
		if len(rest) > 0 {
			count = int(rest[0]%8) - 1 // -1 .. 6
		}
		check := func(what string, items []int, scores []float64, err error) {
			if err != nil {
				if !sentinel(err) {
					t.Fatalf("%s: error %v wraps no sentinel", what, err)
				}
				return
			}
			if len(items) != len(scores) || len(items) > max(count, 0) {
				t.Fatalf("%s: %d items, %d scores for n = %d", what, len(items), len(scores), count)
			}
			for p, j := range items {
				if j < 0 || j >= cols || math.IsNaN(scores[p]) {
					t.Fatalf("%s: item %d, score %g", what, j, scores[p])
				}
			}
		}
		for u := -1; u <= rows; u++ {
			items, scores, err := model.Recommend(u, count)
			check("Recommend", items, scores, err)
		}
		for j := -1; j <= cols; j++ {
			items, scores, err := model.SimilarItems(j, count)
			check("SimilarItems", items, scores, err)
		}
		items, scores, err := model.RecommendRow(x.Slice(0, 1, 0, cols), count)
		check("RecommendRow", items, scores, err)
	})
}
