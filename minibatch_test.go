package factor_test

import (
	"errors"
	"fmt"
	"log"
	"math"
	"runtime"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// TestMiniBatchSteps checks, without early stopping, that a fit takes
// ⌈n/b⌉ steps per epoch, records one batch cost a step, and leaves
// non-negative finite factors, dense and CSR, for several betas.
func TestMiniBatchSteps(t *testing.T) {
	for _, beta := range []float64{2, 1, 0.5, 0} {
		zeros := 0.4
		if beta <= 0 {
			zeros = 0
		}
		x := randomMatrix(53, 17, 0.01, zeros, 3)
		inputs := map[string]mat.Matrix{"dense": x}
		if beta > 0 {
			inputs["csr"] = sparseOf(t, x)
		}
		for kind, in := range inputs {
			for _, tc := range []struct{ batch, epochs, want int }{{10, 3, 18}, {53, 2, 2}, {1000, 4, 4}, {1, 1, 53}} {
				m := factor.NewMiniBatchNMF(factor.WithK(3), factor.WithBeta(beta), factor.WithBatchSize(tc.batch),
					factor.WithMaxIter(tc.epochs), factor.WithTol(0), factor.WithMaxNoImprovement(0), factor.WithInit(factor.InitRandom))
				name := fmt.Sprintf("beta=%g/%s/batch=%d", beta, kind, tc.batch)
				if err := m.Fit(in); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if m.NSteps() != tc.want || m.NIter() != tc.epochs || len(m.History()) != tc.want {
					t.Errorf("%s: NSteps %d, NIter %d, %d costs; want %d, %d, %d", name, m.NSteps(), m.NIter(), len(m.History()), tc.want, tc.epochs, tc.want)
				}
				for _, f := range []*mat.Dense{m.W(), m.H()} {
					if v := minEntry(f); !(v >= 0) {
						t.Errorf("%s: a factor has entry %g", name, v)
					}
				}
				for s, c := range m.History() {
					if !(c >= 0) || math.IsInf(c, 0) {
						t.Errorf("%s: batch cost %d is %g", name, s, c)
					}
				}
				if e := m.ReconstructionErr(); !(e >= 0) || math.IsInf(e, 0) {
					t.Errorf("%s: ReconstructionErr %g", name, e)
				}
			}
		}
	}
}

// TestMiniBatchPartialAfterFit checks that PartialFit continues a Fit: one
// step more, one cost more, the epochs as they were, and H moved.
func TestMiniBatchPartialAfterFit(t *testing.T) {
	x := randomMatrix(40, 12, 0.1, 0, 5)
	m := factor.NewMiniBatchNMF(factor.WithK(3), factor.WithBatchSize(8), factor.WithMaxIter(2), factor.WithTol(0), factor.WithInit(factor.InitRandom))
	if err := m.Fit(x); err != nil {
		t.Fatal(err)
	}
	h, steps, iters := m.H(), m.NSteps(), m.NIter()
	if err := m.PartialFit(rowsOf(x, 0, 7)); err != nil {
		t.Fatal(err)
	}
	if m.NSteps() != steps+1 || len(m.History()) != steps+1 || m.NIter() != iters {
		t.Errorf("after PartialFit: NSteps %d, %d costs, NIter %d; want %d, %d, %d", m.NSteps(), len(m.History()), m.NIter(), steps+1, steps+1, iters)
	}
	if sameBits(h, m.H()) {
		t.Error("PartialFit left H as it was")
	}
	if r, _ := m.W().Dims(); r != 7 {
		t.Errorf("W has %d rows after PartialFit of 7", r)
	}
	if !math.IsNaN(m.ReconstructionErr()) {
		t.Errorf("ReconstructionErr %g after PartialFit, want NaN", m.ReconstructionErr())
	}
}

// TestMiniBatchDeterministic checks that the same fit, Fit and PartialFit
// then Transform, gives the same bits under GOMAXPROCS 1 and 2, on inputs
// large enough for the pool to split the work.
func TestMiniBatchDeterministic(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	x := randomMatrix(700, 260, 0.05, 0.5, 11)
	for _, beta := range []float64{2, 1, 1.5} {
		for kind, in := range map[string]mat.Matrix{"dense": x, "csr": sparseOf(t, x)} {
			var w, h, wt [2]*mat.Dense
			for p := range 2 {
				runtime.GOMAXPROCS(p + 1)
				m := factor.NewMiniBatchNMF(factor.WithK(6), factor.WithBeta(beta), factor.WithBatchSize(300),
					factor.WithMaxIter(2), factor.WithInit(factor.InitRandom), factor.WithSeed(4))
				if err := m.Fit(in); err != nil {
					t.Fatal(err)
				}
				if err := m.PartialFit(rowsOf(in, 100, 400)); err != nil {
					t.Fatal(err)
				}
				var err error
				w[p], h[p] = m.W(), m.H()
				if wt[p], err = m.Transform(in); err != nil {
					t.Fatal(err)
				}
			}
			if !sameBits(w[0], w[1]) || !sameBits(h[0], h[1]) || !sameBits(wt[0], wt[1]) {
				t.Errorf("beta=%g/%s: results differ between GOMAXPROCS 1 and 2", beta, kind)
			}
		}
	}
}

// TestMiniBatchValidation checks that bad settings and input are errors,
// never panics, and that a failed call leaves the model as it was.
func TestMiniBatchValidation(t *testing.T) {
	x := randomMatrix(20, 6, 0, 0.3, 2)
	base := []factor.Option{factor.WithK(2), factor.WithInit(factor.InitRandom)}
	bad := map[string][]factor.Option{
		"batch 0":        {factor.WithBatchSize(0)},
		"batch -3":       {factor.WithBatchSize(-3)},
		"forget 1.5":     {factor.WithForgetFactor(1.5)},
		"forget -0.1":    {factor.WithForgetFactor(-0.1)},
		"forget NaN":     {factor.WithForgetFactor(math.NaN())},
		"no-improv -1":   {factor.WithMaxNoImprovement(-1)},
		"fresh iter 0":   {factor.WithFreshRestartsMaxIter(0)},
		"transform 0":    {factor.WithTransformMaxIter(0)},
		"epochs 0":       {factor.WithMaxIter(0)},
		"solver":         {factor.WithSolver(factor.MU)},
		"restarts":       {factor.WithRestarts(2)},
		"feature names":  {factor.WithFeatureNames([]string{"a", "b", "c", "d", "e", "f"})},
		"no W for Fit":   {factor.WithInitialFactors(nil, mat.NewDense(2, 6, nil))},
		"negative alpha": {factor.WithAlpha(-1)},
	}
	for name, opts := range bad {
		m := factor.NewMiniBatchNMF(append(base, opts...)...)
		err := noPanic(t, name, func() error { return m.Fit(x) })
		if !errors.Is(err, factor.ErrInvalidOption) {
			t.Errorf("%s: Fit gave %v, want ErrInvalidOption", name, err)
		}
		if name != "no W for Fit" {
			err = noPanic(t, name, func() error { return m.PartialFit(x) })
			if !errors.Is(err, factor.ErrInvalidOption) {
				t.Errorf("%s: PartialFit gave %v, want ErrInvalidOption", name, err)
			}
		}
	}
	// NMF and VanillaALS refuse MiniBatchNMF's options.
	for i, opt := range []factor.Option{factor.WithBatchSize(10), factor.WithForgetFactor(0.5), factor.WithMaxNoImprovement(3),
		factor.WithFreshRestarts(), factor.WithFreshRestartsMaxIter(5), factor.WithTransformMaxIter(5)} {
		if err := factor.NewNMF(factor.WithK(2), opt).Fit(x); !errors.Is(err, factor.ErrInvalidOption) {
			t.Errorf("NMF with MiniBatchNMF option %d: %v, want ErrInvalidOption", i, err)
		}
		if err := factor.NewVanillaALS(factor.WithK(2), opt).Fit(x); !errors.Is(err, factor.ErrInvalidOption) {
			t.Errorf("VanillaALS with MiniBatchNMF option %d: %v, want ErrInvalidOption", i, err)
		}
	}

	m := factor.NewMiniBatchNMF(append(base, factor.WithBatchSize(5))...)
	if _, err := m.Transform(x); !errors.Is(err, factor.ErrNotFitted) {
		t.Errorf("Transform before Fit: %v, want ErrNotFitted", err)
	}
	if err := m.Fit(x); err != nil {
		t.Fatal(err)
	}
	h, steps, hist := m.H(), m.NSteps(), m.History()
	unchanged := func(what string) {
		t.Helper()
		if !sameBits(h, m.H()) || m.NSteps() != steps || len(m.History()) != len(hist) {
			t.Errorf("%s changed the model", what)
		}
	}
	if err := noPanic(t, "width", func() error { return m.PartialFit(randomMatrix(4, 5, 0, 0, 1)) }); !errors.Is(err, factor.ErrShape) {
		t.Errorf("PartialFit of another width: %v, want ErrShape", err)
	}
	unchanged("PartialFit of another width")
	neg := mat.DenseCopyOf(x)
	neg.Set(3, 2, -1)
	if err := noPanic(t, "negative", func() error { return m.PartialFit(neg) }); !errors.Is(err, factor.ErrNegative) {
		t.Errorf("PartialFit of a negative entry: %v, want ErrNegative", err)
	}
	unchanged("PartialFit of a negative entry")
	if err := noPanic(t, "negative fit", func() error { return m.Fit(neg) }); !errors.Is(err, factor.ErrNegative) {
		t.Errorf("Fit of a negative entry: %v, want ErrNegative", err)
	}
	unchanged("Fit of a negative entry")
	if _, err := m.Transform(randomMatrix(3, 4, 0, 0, 1)); !errors.Is(err, factor.ErrShape) {
		t.Errorf("Transform of another width: %v, want ErrShape", err)
	}
	for _, beta := range []float64{0, -0.5} {
		z := factor.NewMiniBatchNMF(factor.WithK(2), factor.WithBeta(beta), factor.WithInit(factor.InitRandom))
		if err := noPanic(t, "zeros", func() error { return z.Fit(x) }); !errors.Is(err, factor.ErrZeroEntries) {
			t.Errorf("beta=%g with zeros: Fit gave %v, want ErrZeroEntries", beta, err)
		}
		if err := noPanic(t, "zeros", func() error { return z.PartialFit(sparseOf(t, x)) }); !errors.Is(err, factor.ErrZeroEntries) {
			t.Errorf("beta=%g with zeros: PartialFit gave %v, want ErrZeroEntries", beta, err)
		}
		if z.H() != nil || z.NSteps() != 0 {
			t.Errorf("beta=%g: a failed fit left a model", beta)
		}
	}
}

// A stream of row blocks fed to PartialFit, one step per block, then new
// rows transformed against the learnt H.
func ExampleMiniBatchNMF_PartialFit() {
	// Rows that mix two patterns over four features.
	patterns := mat.NewDense(2, 4, []float64{1, 1, 0, 0, 0, 0, 1, 1})
	m := factor.NewMiniBatchNMF(factor.WithK(2), factor.WithInit(factor.InitRandom), factor.WithSeed(1),
		factor.WithFreshRestartsMaxIter(100), factor.WithTol(1e-8), factor.WithTransformMaxIter(1000))
	for block := 0; block < 50; block++ {
		mix := mat.NewDense(8, 2, nil)
		for i := 0; i < 8; i++ {
			a := float64((block*8+i)%5) / 4
			mix.Set(i, 0, a)
			mix.Set(i, 1, 1-a)
		}
		var x mat.Dense
		x.Mul(mix, patterns)
		if err := m.PartialFit(&x); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("steps:", m.NSteps())
	y := mat.NewDense(1, 4, []float64{2, 2, 0, 0})
	w, err := m.Transform(y)
	if err != nil {
		log.Fatal(err)
	}
	back, err := m.InverseTransform(w)
	if err != nil {
		log.Fatal(err)
	}
	// One pattern is recovered closely; 50 small online steps leave a
	// little of the other in it.
	fmt.Printf("reconstruction: %.2f\n", mat.Formatted(back))
	// Output:
	// steps: 50
	// reconstruction: [2.00  2.00  0.07  0.07]
}

// TestMiniBatchShortChunk: once H exists, a PartialFit chunk of any height
// is a step, as in scikit-learn, even one with fewer entries than k.
func TestMiniBatchShortChunk(t *testing.T) {
	x := randomMatrix(10, 6, 0.1, 0, 71)
	m := factor.NewMiniBatchNMF(factor.WithK(8), factor.WithInit(factor.InitRandom), factor.WithSeed(1))
	if err := m.PartialFit(x); err != nil {
		t.Fatal(err)
	}
	if err := m.PartialFit(x.Slice(0, 1, 0, 6)); err != nil {
		t.Errorf("a 1×6 chunk with k = 8 after the first: %v", err)
	}
	if m.NSteps() != 2 {
		t.Errorf("%d steps, want 2", m.NSteps())
	}
}
