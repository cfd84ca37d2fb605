package factor_test

import (
	"path/filepath"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// mbCase is one MiniBatchNMF case of testdata/reference_next, written by
// scikit-learn 1.2 itself (make_reference_next.py, kind "minibatch"; see
// its docstring for the fields).
type mbCase struct {
	Name             string      `json:"name"`
	Partial          bool        `json:"partial"`
	Beta             float64     `json:"beta"`
	K                int         `json:"k"`
	BatchSize        int         `json:"batch_size"`
	ForgetFactor     float64     `json:"forget_factor"`
	AlphaW           float64     `json:"alpha_w"`
	AlphaH           float64     `json:"alpha_h"`
	L1Ratio          float64     `json:"l1_ratio"`
	MaxIter          int         `json:"max_iter"`
	Tol              float64     `json:"tol"`
	MaxNoImprovement int         `json:"max_no_improvement"`
	FreshRestarts    int         `json:"fresh_restarts"`
	NSteps           int         `json:"n_steps"`
	NIter            int         `json:"n_iter"`
	Sparse           bool        `json:"sparse"`
	Chunks           []int       `json:"chunks"`
	RecErr           float64     `json:"reconstruction_err"`
	X                [][]float64 `json:"X"`
	W0               [][]float64 `json:"W0"`
	H0               [][]float64 `json:"H0"`
	W                [][]float64 `json:"W"`
	H                [][]float64 `json:"H"`
}

func loadMBCases(t *testing.T) []mbCase {
	t.Helper()
	cases := loadJSONCases[mbCase](t, filepath.Join("testdata", "reference_next", "mb_*.json"))
	if len(cases) != 9 {
		t.Fatalf("want the 9 MiniBatchNMF cases, found %d", len(cases))
	}
	return cases
}

// options returns the settings of the case, as scikit-learn ran it.
func (c mbCase) options() []factor.Option {
	opts := []factor.Option{
		factor.WithK(c.K), factor.WithBeta(c.Beta), factor.WithForgetFactor(c.ForgetFactor),
		factor.WithAlpha(c.AlphaW), factor.WithAlphaH(c.AlphaH), factor.WithL1Ratio(c.L1Ratio),
		factor.WithMaxIter(c.MaxIter), factor.WithTol(c.Tol),
		factor.WithMaxNoImprovement(c.MaxNoImprovement),
	}
	if c.Partial {
		return append(opts, factor.WithBatchSize(1024), factor.WithFreshRestartsMaxIter(c.FreshRestarts),
			factor.WithTransformMaxIter(c.MaxIter), factor.WithInitialFactors(nil, toDense(c.H0)))
	}
	opts = append(opts, factor.WithBatchSize(c.BatchSize), factor.WithInitialFactors(toDense(c.W0), toDense(c.H0)))
	if c.FreshRestarts > 0 {
		opts = append(opts, factor.WithFreshRestarts(), factor.WithFreshRestartsMaxIter(c.FreshRestarts))
	}
	return opts
}

// runMBCase fits the case (Fit, or PartialFit over its chunks then
// Transform of X) and returns the model and W.
func runMBCase(t *testing.T, c mbCase, x mat.Matrix) (*factor.MiniBatchNMF, *mat.Dense) {
	t.Helper()
	m := factor.NewMiniBatchNMF(c.options()...)
	if !c.Partial {
		if err := m.Fit(x); err != nil {
			t.Fatalf("%s: Fit: %v", c.Name, err)
		}
		return m, m.W()
	}
	for q := 0; q+1 < len(c.Chunks); q++ {
		if err := m.PartialFit(rowsOf(x, c.Chunks[q], c.Chunks[q+1])); err != nil {
			t.Fatalf("%s: PartialFit %d: %v", c.Name, q, err)
		}
	}
	w, err := m.Transform(x)
	if err != nil {
		t.Fatalf("%s: Transform: %v", c.Name, err)
	}
	return m, w
}

// rowsOf returns rows lo..hi-1 of x, dense or CSR like x.
func rowsOf(x mat.Matrix, lo, hi int) mat.Matrix {
	_, m := x.Dims()
	d := mat.NewDense(hi-lo, m, nil)
	for i := lo; i < hi; i++ {
		for j := 0; j < m; j++ {
			d.Set(i-lo, j, x.At(i, j))
		}
	}
	if _, ok := x.(*factor.CSR); !ok {
		return d
	}
	var is, js []int
	var vs []float64
	for i := 0; i < hi-lo; i++ {
		for j := 0; j < m; j++ {
			if v := d.At(i, j); v != 0 {
				is, js, vs = append(is, i), append(js, j), append(vs, v)
			}
		}
	}
	c, err := factor.NewCSRFromTriplets(hi-lo, m, is, js, vs)
	if err != nil {
		panic(err)
	}
	return c
}

// TestMiniBatchReference holds MiniBatchNMF to scikit-learn 1.2's results:
// W and H within 1e-6 (relative, Frobenius), the same NSteps and NIter.
func TestMiniBatchReference(t *testing.T) {
	const tol = 1e-6
	for _, c := range loadMBCases(t) {
		inputs := map[string]mat.Matrix{"dense": toDense(c.X)}
		if c.Sparse || c.Partial {
			inputs["csr"] = toCSR(t, c.X)
		}
		for kind, x := range inputs {
			m, w := runMBCase(t, c, x)
			eW, eH := relErr(w, toDense(c.W)), relErr(m.H(), toDense(c.H))
			t.Logf("%s (%s): W %.2g, H %.2g, steps %d, epochs %d", c.Name, kind, eW, eH, m.NSteps(), m.NIter())
			if eW > tol || eH > tol {
				t.Errorf("%s (%s): relative error W %g, H %g, want ≤ %g", c.Name, kind, eW, eH, tol)
			}
			if m.NSteps() != c.NSteps {
				t.Errorf("%s (%s): NSteps %d, want %d", c.Name, kind, m.NSteps(), c.NSteps)
			}
			if !c.Partial {
				if m.NIter() != c.NIter {
					t.Errorf("%s (%s): NIter %d, want %d", c.Name, kind, m.NIter(), c.NIter)
				}
				if got := m.ReconstructionErr(); !(abs(got-c.RecErr) <= tol*c.RecErr) {
					t.Errorf("%s (%s): ReconstructionErr %g, want %g", c.Name, kind, got, c.RecErr)
				}
			}
			if len(m.History()) != m.NSteps() {
				t.Errorf("%s (%s): %d history entries for %d steps", c.Name, kind, len(m.History()), m.NSteps())
			}
		}
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
