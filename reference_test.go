package factor_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// refCase is one case of testdata/reference, written by scikit-learn 1.2,
// SciPy and NumPy: tools/refgen/make_reference.py regenerates them (see
// tools/refgen/README.md).
type refCase struct {
	Name      string      `json:"name"`
	Kind      string      `json:"kind"`
	Solver    string      `json:"solver"`
	Init      string      `json:"init"`
	Beta      float64     `json:"beta"`
	K         int         `json:"k"`
	Alpha     float64     `json:"alpha"`
	AlphaW    float64     `json:"alpha_w"`
	AlphaH    float64     `json:"alpha_h"`
	L1Ratio   float64     `json:"l1_ratio"`
	NIter     int         `json:"n_iter"`
	Sparse    bool        `json:"sparse"`
	X         [][]float64 `json:"X"`
	W0        [][]float64 `json:"W0"`
	H0        [][]float64 `json:"H0"`
	W         [][]float64 `json:"W"`
	H         [][]float64 `json:"H"`
	Objective float64     `json:"objective"`
}

func loadReferences(t *testing.T) []refCase {
	t.Helper()
	return loadJSONCases[refCase](t, filepath.Join("testdata", "reference", "*.json"))
}

// loadJSONCases decodes every file matching pattern into a T, failing the
// test when there is none.
func loadJSONCases[T any](t *testing.T, pattern string) []T {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no reference cases %s: %v", pattern, err)
	}
	var cases []T
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c T
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		cases = append(cases, c)
	}
	return cases
}

// toDense converts a JSON matrix.
func toDense(rows [][]float64) *mat.Dense {
	m := mat.NewDense(len(rows), len(rows[0]), nil)
	for i, r := range rows {
		m.SetRow(i, r)
	}
	return m
}

// toCSR converts a JSON matrix to CSR, storing its nonzero entries.
func toCSR(t *testing.T, rows [][]float64) *factor.CSR {
	t.Helper()
	return sparseOf(t, toDense(rows))
}

// relErr returns ‖got − want‖_F / ‖want‖_F.
func relErr(got, want mat.Matrix) float64 {
	var d mat.Dense
	d.Sub(got, want)
	return mat.Norm(&d, 2) / mat.Norm(want, 2)
}

func TestReferenceCases(t *testing.T) {
	passed := 0
	for _, c := range loadReferences(t) {
		inputs := map[string]mat.Matrix{"dense": toDense(c.X)}
		if c.Sparse {
			inputs["csr"] = toCSR(t, c.X)
		}
		for form, x := range inputs {
			t.Run(c.Name+"/"+form, func(t *testing.T) {
				switch c.Kind {
				case "nmf":
					checkNMFCase(t, c, x)
				case "als":
					checkALSCase(t, c, x)
				case "init":
					checkInitCase(t, c, x)
				case "transform":
					checkTransformCase(t, c, x)
				default:
					t.Fatalf("unknown kind %q", c.Kind)
				}
				if !t.Failed() {
					passed++
				}
			})
		}
	}
	t.Logf("%d reference checks passed", passed)
}

const refTol = 1e-6

// refSolvers and refInits map the solver and init names of the reference
// cases to the package's settings. A name missing here fails its case
// rather than falling back to a default, which would test something else.
var (
	refSolvers = map[string]factor.Solver{"hals": factor.HALS, "mu": factor.MU}
	refInits   = map[string]factor.Init{"nndsvd": factor.InitNNDSVD, "nndsvda": factor.InitNNDSVDA}
)

func checkFactors(t *testing.T, gotW, gotH *mat.Dense, c refCase, tol float64) {
	t.Helper()
	if e := relErr(gotW, toDense(c.W)); !(e <= tol) {
		t.Errorf("W: relative error %.3g > %g", e, tol)
	}
	if e := relErr(gotH, toDense(c.H)); !(e <= tol) {
		t.Errorf("H: relative error %.3g > %g", e, tol)
	}
}

func checkNMFCase(t *testing.T, c refCase, x mat.Matrix) {
	solver, ok := refSolvers[c.Solver]
	if !ok {
		t.Fatalf("case %s: unknown solver %q", c.Name, c.Solver)
	}
	m := factor.NewNMF(
		factor.WithK(c.K), factor.WithSolver(solver), factor.WithBeta(c.Beta),
		factor.WithAlpha(c.AlphaW), factor.WithAlphaH(c.AlphaH), factor.WithL1Ratio(c.L1Ratio),
		factor.WithTol(0), factor.WithMaxIter(c.NIter),
		factor.WithInitialFactors(toDense(c.W0), toDense(c.H0)),
	)
	if err := m.Fit(x); err != nil {
		t.Fatal(err)
	}
	if m.NIter() != c.NIter {
		t.Errorf("NIter = %d, want %d", m.NIter(), c.NIter)
	}
	want := c.Objective
	if frozen := frozenComponents(c); len(frozen) > 0 {
		checkFrozenCase(t, m.W(), m.H(), c, frozen)
		want -= frozenPenalty(c, frozen)
	} else {
		checkFactors(t, m.W(), m.H(), c, refTol)
	}
	if e := relDiff(m.Objective(), want); !(e <= refTol) {
		t.Errorf("objective %.12g, reference %.12g (relative difference %.3g)", m.Objective(), want, e)
	}
}

// frozenComponents returns the components t of an NMF case that
// scikit-learn froze: column t of W or row t of H is zero in the reference
// but the other is not. Its coordinate descent skips an entry whose Hessian
// is zero, so once a column of W is zero (with no L2 penalty: l1_ratio = 1)
// the matching row of H stays at its last value, and the same the other
// way round. factor sets such entries to 0 when the gradient is positive
// (the L1 penalty then is), so these components come out zero on both
// sides (see hals.go).
func frozenComponents(c refCase) []int {
	w, h := toDense(c.W), toDense(c.H)
	var frozen []int
	for t := 0; t < c.K; t++ {
		if zw, zh := mat.Norm(w.ColView(t), 1) == 0, mat.Norm(h.RowView(t), 1) == 0; zw != zh {
			frozen = append(frozen, t)
		}
	}
	return frozen
}

// checkFrozenCase holds a case with frozen components on W and H without
// them, which must match the reference, on WH, to which they add nothing
// in either fit, and checks that both their column of W and their row of H
// are exactly zero.
func checkFrozenCase(t *testing.T, gotW, gotH *mat.Dense, c refCase, frozen []int) {
	t.Helper()
	wantW, wantH := toDense(c.W), toDense(c.H)
	live := func(w, h *mat.Dense) (*mat.Dense, *mat.Dense) {
		w, h = mat.DenseCopyOf(w), mat.DenseCopyOf(h)
		for _, f := range frozen {
			for i := 0; i < len(c.W); i++ {
				w.Set(i, f, 0)
			}
			for j := 0; j < len(c.H[0]); j++ {
				h.Set(f, j, 0)
			}
		}
		return w, h
	}
	lw, lh := live(gotW, gotH)
	rw, rh := live(wantW, wantH)
	if e := relErr(lw, rw); !(e <= refTol) {
		t.Errorf("W without the frozen columns: relative error %.3g > %g", e, refTol)
	}
	if e := relErr(lh, rh); !(e <= refTol) {
		t.Errorf("H without the frozen rows: relative error %.3g > %g", e, refTol)
	}
	var gotWH, wantWH mat.Dense
	gotWH.Mul(gotW, gotH)
	wantWH.Mul(wantW, wantH)
	if e := relErr(&gotWH, &wantWH); !(e <= refTol) {
		t.Errorf("WH: relative error %.3g > %g", e, refTol)
	}
	for _, f := range frozen {
		if s := mat.Norm(gotW.ColView(f), 1); s != 0 {
			t.Errorf("component %d, frozen by scikit-learn: column %d of W has |·|₁ = %g, want 0", f, f, s)
		}
		if s := mat.Norm(gotH.RowView(f), 1); s != 0 {
			t.Errorf("component %d, frozen by scikit-learn: row %d of H has |·|₁ = %g, want 0", f, f, s)
		}
	}
}

// frozenPenalty returns the part of the reference objective that the
// frozen components' nonzero halves add: their penalty, which factor's
// zeros do not pay (they add nothing to WH in either fit).
func frozenPenalty(c refCase, frozen []int) float64 {
	w, h := toDense(c.W), toDense(c.H)
	n, m := len(c.X), len(c.X[0])
	var p float64
	for _, f := range frozen {
		p += elasticNet(w.ColView(f), c.AlphaW*float64(m), c.L1Ratio) + elasticNet(h.RowView(f), c.AlphaH*float64(n), c.L1Ratio)
	}
	return p
}

// elasticNet returns alpha·(l1·|v|₁ + ½(1−l1)·‖v‖²) for a non-negative v.
func elasticNet(v mat.Vector, alpha, l1 float64) float64 {
	var sum, sq float64
	for i := 0; i < v.Len(); i++ {
		sum += v.AtVec(i)
		sq += v.AtVec(i) * v.AtVec(i)
	}
	return alpha * (l1*sum + 0.5*(1-l1)*sq)
}

// TestReferenceFrozenComponents checks that the reference cases still hold
// what checkFrozenCase is for: dense_hals_lasso (l1_ratio = 1) has column 1
// of W frozen at a nonzero value over a zero row of H, and row 3 of H
// frozen under a zero column of W.
func TestReferenceFrozenComponents(t *testing.T) {
	for _, c := range loadReferences(t) {
		if c.Name != "dense_hals_lasso" {
			continue
		}
		if got, want := frozenComponents(c), []int{1, 3}; !slices.Equal(got, want) {
			t.Errorf("frozen components %v, want %v", got, want)
		}
		return
	}
	t.Fatal("no reference case dense_hals_lasso")
}

func checkALSCase(t *testing.T, c refCase, x mat.Matrix) {
	a := factor.NewVanillaALS(factor.WithK(c.K), factor.WithAlpha(c.Alpha), factor.WithTol(0),
		factor.WithMaxIter(c.NIter), factor.WithInitialFactors(toDense(c.W0), toDense(c.H0)))
	if err := a.Fit(x); err != nil {
		t.Fatal(err)
	}
	checkFactors(t, a.W(), a.H(), c, refTol)
	if e := relDiff(a.Objective(), c.Objective); !(e <= refTol) {
		t.Errorf("objective %.12g, reference %.12g", a.Objective(), c.Objective)
	}
}

func checkInitCase(t *testing.T, c refCase, x mat.Matrix) {
	init, ok := refInits[c.Init]
	if !ok {
		t.Fatalf("case %s: unknown init %q", c.Name, c.Init)
	}
	m := factor.NewNMF(factor.WithK(c.K), factor.WithInit(init), factor.WithMaxIter(0))
	if err := m.Fit(x); err != nil {
		t.Fatal(err)
	}
	checkFactors(t, m.W(), m.H(), c, 1e-4)
}

func checkTransformCase(t *testing.T, c refCase, x mat.Matrix) {
	// A model whose H is the case's fixed H: fit from (anything, H) for zero
	// iterations, then transform X.
	h := toDense(c.H)
	n, _ := x.Dims()
	w0 := mat.NewDense(n, c.K, nil)
	for i := 0; i < n; i++ {
		w0.Set(i, 0, 1)
	}
	m := factor.NewNMF(factor.WithK(c.K), factor.WithMaxIter(0), factor.WithInitialFactors(w0, h))
	if err := m.Fit(x); err != nil {
		t.Fatal(err)
	}
	w, err := m.Transform(x)
	if err != nil {
		t.Fatal(err)
	}
	if e := relErr(w, toDense(c.W)); !(e <= refTol) {
		t.Errorf("W: relative error %.3g > %g", e, refTol)
	}
}

func relDiff(got, want float64) float64 {
	d := got - want
	if d < 0 {
		d = -d
	}
	if want < 0 {
		want = -want
	}
	return d / want
}
