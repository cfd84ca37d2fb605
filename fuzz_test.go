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

// FuzzFit feeds arbitrary small matrices and settings to Fit and Transform:
// each must return an error or a finite, non-negative result, never panic.
func FuzzFit(f *testing.F) {
	f.Add(uint8(3), uint8(4), uint8(2), uint8(0), uint8(0), uint8(5), []byte{16, 32, 48, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add(uint8(2), uint8(2), uint8(3), uint8(1), uint8(2), uint8(3), []byte{0, 0, 0, 0})
	f.Add(uint8(4), uint8(3), uint8(1), uint8(2), uint8(4), uint8(20), []byte{203, 204, 205, 206, 207, 210})
	f.Add(uint8(1), uint8(1), uint8(1), uint8(3), uint8(6), uint8(1), []byte{250, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f})
	f.Add(uint8(5), uint8(5), uint8(4), uint8(4), uint8(1), uint8(50), []byte{})
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
		model := factor.NewNMF(opts...)
		if err := model.Fit(x); err != nil {
			return
		}
		checkResult(t, "W", model.W(), true)
		checkResult(t, "H", model.H(), true)
		if o := model.Objective(); math.IsNaN(o) || math.IsInf(o, 0) || o < 0 {
			t.Fatalf("objective %g", o)
		}
		w, err := model.Transform(x)
		if errors.Is(err, factor.ErrNotFinite) {
			return // data near the float64 limit can overflow from Transform's start
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

// FuzzALS does the same for VanillaALS, whose data may have any sign.
func FuzzALS(f *testing.F) {
	f.Add(uint8(3), uint8(4), uint8(2), uint8(0), uint8(5), []byte{16, 32, 48, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add(uint8(2), uint8(2), uint8(3), uint8(1), uint8(3), []byte{0, 0, 0, 0})
	f.Add(uint8(4), uint8(3), uint8(1), uint8(7), uint8(20), []byte{203, 204, 205, 206, 207, 210})
	f.Fuzz(func(t *testing.T, n, m, k, alphaByte, iters uint8, data []byte) {
		rows, cols := int(n%6)+1, int(m%6)+1
		x, _ := fuzzMatrix(data, rows, cols)
		a := factor.NewVanillaALS(factor.WithK(int(k%5)+1), factor.WithAlpha(float64(alphaByte%4)/4),
			factor.WithMaxIter(int(iters%30)), factor.WithSeed(uint64(iters)))
		if err := a.Fit(x); err != nil {
			return
		}
		checkResult(t, "W", a.W(), false)
		checkResult(t, "H", a.H(), false)
		// Transform can fail only as Fit can: a (numerically) singular
		// system or an overflow.
		if _, err := a.Transform(x); err != nil && !errors.Is(err, factor.ErrRank) && !errors.Is(err, factor.ErrNotFinite) {
			t.Fatalf("Transform failed: %v", err)
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
