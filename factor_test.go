package factor_test

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// solverCases are the NMF settings the property tests run through.
var solverCases = []struct {
	name string
	opts []factor.Option
	beta float64
}{
	{"hals", []factor.Option{factor.WithSolver(factor.HALS)}, 2},
	{"ahals", []factor.Option{factor.WithSolver(factor.AcceleratedHALS)}, 2},
	{"mu-frobenius", []factor.Option{factor.WithSolver(factor.MU)}, 2},
	{"mu-kl", []factor.Option{factor.WithBeta(factor.KullbackLeibler)}, 1},
	{"mu-is", []factor.Option{factor.WithBeta(factor.ItakuraSaito)}, 0},
	{"mu-b0.5", []factor.Option{factor.WithBeta(0.5)}, 0.5},
	{"mu-b1.5", []factor.Option{factor.WithBeta(1.5)}, 1.5},
	{"mu-b3", []factor.Option{factor.WithBeta(3)}, 3},
	{"hals-elastic", []factor.Option{factor.WithAlpha(0.01), factor.WithAlphaH(0.02), factor.WithL1Ratio(0.4)}, 2},
	{"mu-kl-elastic", []factor.Option{factor.WithBeta(1), factor.WithAlpha(0.01), factor.WithL1Ratio(0.6)}, 1},
}

// dataFor returns positive data for beta ≤ 0 and data with zeros otherwise.
func dataFor(beta float64, n, m int, seed uint64) *mat.Dense {
	if beta <= 0 {
		return randomMatrix(n, m, 0.05, 0, seed)
	}
	return randomMatrix(n, m, 0, 0.3, seed)
}

func TestPropertiesOfFits(t *testing.T) {
	for _, c := range solverCases {
		t.Run(c.name, func(t *testing.T) {
			x := dataFor(c.beta, 30, 20, 3)
			var history []float64
			opts := append([]factor.Option{factor.WithK(4), factor.WithTol(0), factor.WithMaxIter(80), factor.WithSeed(5),
				factor.WithProgress(func(p factor.Progress) { history = append(history, p.Objective) })}, c.opts...)
			m := factor.NewNMF(opts...)
			if err := m.Fit(x); err != nil {
				t.Fatal(err)
			}
			w, h := m.W(), m.H()
			if lo := math.Min(minEntry(w), minEntry(h)); !(lo >= 0) {
				t.Errorf("negative entry %g in the factors", lo)
			}
			if got := len(m.History()); got != m.NIter() || got != 80 {
				t.Errorf("history has %d entries, NIter %d, want 80", got, m.NIter())
			}
			if len(history) != m.NIter() {
				t.Errorf("progress called %d times for %d iterations", len(history), m.NIter())
			}
			hist := m.History()
			for i := 1; i < len(hist); i++ {
				if !(hist[i] <= hist[i-1]*(1+1e-12)+1e-12) {
					t.Errorf("objective rose at iteration %d: %.15g → %.15g", i+1, hist[i-1], hist[i])
					break
				}
			}
			if got := hist[len(hist)-1]; got != m.Objective() {
				t.Errorf("last history entry %g differs from Objective %g", got, m.Objective())
			}
			for i := 0; i < len(hist)-1; i++ {
				if !(relDiff(history[i], hist[i]) <= 0) {
					t.Errorf("progress objective %g differs from history %g at %d", history[i], hist[i], i+1)
					break
				}
			}
			// The objective and the reconstruction error, from their definitions.
			alphaW, alphaH, l1 := settingsOf(c.name)
			want := nmfObjective(x, w, h, c.beta, alphaW, alphaH, l1)
			if !(relDiff(m.Objective(), want) <= 1e-10) {
				t.Errorf("Objective %.15g, from the definition %.15g", m.Objective(), want)
			}
			wantErr := math.Sqrt(2 * betaDivergence(x, w, h, c.beta))
			if !(relDiff(m.ReconstructionErr(), wantErr) <= 1e-10) {
				t.Errorf("ReconstructionErr %.15g, from the definition %.15g", m.ReconstructionErr(), wantErr)
			}
		})
	}
}

// settingsOf returns the regularization a solverCases entry sets.
func settingsOf(name string) (alphaW, alphaH, l1 float64) {
	switch name {
	case "hals-elastic":
		return 0.01, 0.02, 0.4
	case "mu-kl-elastic":
		return 0.01, 0.01, 0.6
	}
	return 0, 0, 0
}

func TestSparseMatchesDense(t *testing.T) {
	for _, c := range solverCases {
		if c.beta <= 0 || c.name == "ahals" {
			// beta ≤ 0 needs strictly positive data, which is not sparse;
			// accelerated HALS sizes its inner loop by the cost of a pass
			// over X, which is lower for CSR, so its steps differ by design.
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			x := dataFor(c.beta, 25, 18, 11)
			fit := func(in mat.Matrix) *factor.NMF {
				// A random start: NNDSVD's SVD is exact for small dense X
				// and randomized for CSR, which would start the two apart.
				opts := append([]factor.Option{factor.WithK(3), factor.WithTol(0), factor.WithMaxIter(30), factor.WithSeed(2),
					factor.WithInit(factor.InitRandom)}, c.opts...)
				m := factor.NewNMF(opts...)
				if err := m.Fit(in); err != nil {
					t.Fatal(err)
				}
				return m
			}
			d, s := fit(x), fit(sparseOf(t, x))
			if e := relErr(s.W(), d.W()); !(e <= 1e-10) {
				t.Errorf("W from CSR differs from dense by %g", e)
			}
			if e := relErr(s.H(), d.H()); !(e <= 1e-10) {
				t.Errorf("H from CSR differs from dense by %g", e)
			}
			if !(relDiff(s.Objective(), d.Objective()) <= 1e-10) {
				t.Errorf("objective %g from CSR, %g dense", s.Objective(), d.Objective())
			}
			// The transpose of a CSR is read as the CSR of the transpose.
			var xt mat.Dense
			xt.CloneFrom(x.T())
			tt, td := fit(sparseOf(t, x).T()), fit(&xt)
			if e := relErr(tt.W(), td.W()); !(e <= 1e-10) {
				t.Errorf("W from a transposed CSR differs from dense by %g", e)
			}
		})
	}
}

func TestTransformReproducesW(t *testing.T) {
	// At a converged Frobenius fit, W minimizes the objective for the fitted
	// H, so Transform of the training data must give W back.
	x := randomMatrix(40, 12, 0, 0.2, 21)
	for _, solver := range []factor.Solver{factor.HALS, factor.MU} {
		for _, reg := range [][]factor.Option{nil, {factor.WithAlpha(0.005), factor.WithL1Ratio(0.5)}} {
			opts := append([]factor.Option{factor.WithK(3), factor.WithSolver(solver), factor.WithTol(0), factor.WithMaxIter(3000)}, reg...)
			m := factor.NewNMF(opts...)
			if err := m.Fit(x); err != nil {
				t.Fatal(err)
			}
			w, err := m.Transform(x)
			if err != nil {
				t.Fatal(err)
			}
			tol := 1e-6
			if solver == factor.MU {
				tol = 1e-3 // MU converges slowly; 3000 iterations get W to about 1e-4
			}
			if e := relErr(w, m.W()); !(e <= tol) {
				t.Errorf("%v, %d regularization options: Transform differs from W by %g", solver, len(reg), e)
			}
		}
	}
}

func TestTransformOtherBetas(t *testing.T) {
	x := dataFor(1, 30, 10, 4)
	m := factor.NewNMF(factor.WithK(3), factor.WithBeta(1), factor.WithTol(1e-8), factor.WithMaxIter(2000))
	if err := m.Fit(x); err != nil {
		t.Fatal(err)
	}
	w, err := m.Transform(x)
	if err != nil {
		t.Fatal(err)
	}
	if !(minEntry(w) >= 0) {
		t.Error("negative entry in Transform's W")
	}
	// Transform minimizes D(X | W·H) over W: it must do at least about as
	// well as the fitted W.
	got, fitted := betaDivergence(x, w, m.H(), 1), betaDivergence(x, m.W(), m.H(), 1)
	if !(got <= fitted*(1+1e-3)) {
		t.Errorf("Transform's divergence %g exceeds the fit's %g", got, fitted)
	}
}

func TestInverseTransform(t *testing.T) {
	x := randomMatrix(10, 6, 0, 0, 1)
	m := factor.NewNMF(factor.WithK(2))
	if err := m.Fit(x); err != nil {
		t.Fatal(err)
	}
	got, err := m.InverseTransform(m.W())
	if err != nil {
		t.Fatal(err)
	}
	var want mat.Dense
	want.Mul(m.W(), m.H())
	if !sameBits(got, &want) {
		t.Error("InverseTransform(W) differs from W·H")
	}
}

func TestRestartsNeverWorse(t *testing.T) {
	x := randomMatrix(30, 25, 0, 0.5, 8)
	for _, c := range solverCases[:4] {
		one := factor.NewNMF(append([]factor.Option{factor.WithK(5), factor.WithInit(factor.InitRandom), factor.WithMaxIter(40), factor.WithSeed(3)}, c.opts...)...)
		many := factor.NewNMF(append([]factor.Option{factor.WithK(5), factor.WithInit(factor.InitRandom), factor.WithMaxIter(40), factor.WithSeed(3), factor.WithRestarts(5)}, c.opts...)...)
		if err := one.Fit(x); err != nil {
			t.Fatal(err)
		}
		if err := many.Fit(x); err != nil {
			t.Fatal(err)
		}
		if !(many.Objective() <= one.Objective()) {
			t.Errorf("%s: 5 restarts reach %g, worse than one run's %g", c.name, many.Objective(), one.Objective())
		}
		if got := len(many.History()); got != many.NIter() {
			t.Errorf("%s: history %d entries, NIter %d", c.name, got, many.NIter())
		}
	}
}

func TestDeterministicAcrossGOMAXPROCS(t *testing.T) {
	dense := randomMatrix(200, 100, 0, 0.3, 9) // big enough to split into blocks
	sparse := sparseOf(t, randomMatrix(2000, 60, 0, 0.85, 10))
	// β ≤ 0 needs strictly positive data: entries uniform in [0.05, 1.05),
	// with no zeros, which rules out a sparse input.
	positive := randomMatrix(200, 100, 0.05, 0, 9)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range solverCases {
		inputs := map[string]mat.Matrix{"dense": dense, "csr": sparse}
		if c.beta <= 0 {
			inputs = map[string]mat.Matrix{"positive": positive}
		}
		for name, x := range inputs {
			for _, restarts := range []int{1, 3} {
				var ws, hs []*mat.Dense
				for _, procs := range []int{1, 2, 4} {
					runtime.GOMAXPROCS(procs)
					opts := append([]factor.Option{factor.WithK(6), factor.WithMaxIter(15), factor.WithSeed(42), factor.WithRestarts(restarts)}, c.opts...)
					m := factor.NewNMF(opts...)
					if err := m.Fit(x); err != nil {
						t.Fatal(err)
					}
					ws, hs = append(ws, m.W()), append(hs, m.H())
				}
				for i := 1; i < len(ws); i++ {
					if !sameBits(ws[0], ws[i]) || !sameBits(hs[0], hs[i]) {
						t.Errorf("%s/%s/restarts=%d: factors differ between GOMAXPROCS settings", c.name, name, restarts)
						break
					}
				}
			}
		}
	}

	// VanillaALS, Transform, and NNDSVD through the randomized SVD: a dense
	// X with n·m·min(n, m) = 600·500·500 above the exact SVD's budget of
	// 1e8, and a CSR X, which always takes the randomized SVD. Each model is
	// fitted, and then transforms new data, under every setting.
	large := randomMatrix(600, 500, 0, 0, 16)
	signed := randomMatrix(200, 100, -0.5, 0, 17) // VanillaALS takes any sign
	newDense := randomMatrix(150, 100, 0, 0.3, 18)
	newSigned := randomMatrix(150, 100, -0.5, 0, 19)
	newSparse := sparseOf(t, randomMatrix(700, 60, 0, 0.85, 20))
	// The randomized SVD draws its test matrix from the seed and the exact
	// one draws nothing, so the NNDSVD start depends on the seed only on
	// the randomized path: check that both inputs take it.
	for name, x := range map[string]mat.Matrix{"large-dense": large, "csr": sparse} {
		var starts []*mat.Dense
		for _, seed := range []uint64{1, 2} {
			m := factor.NewNMF(factor.WithK(6), factor.WithInit(factor.InitNNDSVD), factor.WithMaxIter(0), factor.WithSeed(seed))
			if err := m.Fit(x); err != nil {
				t.Fatal(err)
			}
			starts = append(starts, m.W())
		}
		if sameBits(starts[0], starts[1]) {
			t.Fatalf("%s: the NNDSVD start does not depend on the seed, so it does not come from the randomized SVD", name)
		}
	}
	type model interface {
		transformer
		Fit(mat.Matrix) error
		H() *mat.Dense
	}
	nmf := func(opts ...factor.Option) func() model {
		return func() model {
			return factor.NewNMF(append([]factor.Option{factor.WithK(6), factor.WithMaxIter(15), factor.WithSeed(42)}, opts...)...)
		}
	}
	als := func(opts ...factor.Option) func() model {
		return func() model {
			return factor.NewVanillaALS(append([]factor.Option{factor.WithK(6), factor.WithAlpha(0.1), factor.WithMaxIter(15), factor.WithSeed(42)}, opts...)...)
		}
	}
	for _, c := range []struct {
		name  string
		model func() model
		x, y  mat.Matrix // the data fitted and the data transformed
	}{
		{"als/dense", als(), signed, newSigned},
		{"als/dense/restarts=3", als(factor.WithRestarts(3)), signed, newSigned},
		{"als/csr", als(), sparse, newSparse},
		{"als/csr/restarts=3", als(factor.WithRestarts(3)), sparse, newSparse},
		{"hals/transform", nmf(), dense, newDense},
		{"hals/csr/transform", nmf(), sparse, newSparse},
		{"mu-kl/transform", nmf(factor.WithBeta(factor.KullbackLeibler)), dense, newDense},
		{"mu-kl/csr/transform", nmf(factor.WithBeta(factor.KullbackLeibler)), sparse, newSparse},
		{"nndsvd/large-dense", nmf(factor.WithInit(factor.InitNNDSVD), factor.WithMaxIter(3)), large, nil},
		{"nndsvd/large-dense/restarts=3", nmf(factor.WithInit(factor.InitNNDSVD), factor.WithMaxIter(3), factor.WithRestarts(3)), large, nil},
		{"nndsvd/csr", nmf(factor.WithInit(factor.InitNNDSVD)), sparse, newSparse},
		{"nndsvdar/csr/restarts=3", nmf(factor.WithInit(factor.InitNNDSVDAR), factor.WithRestarts(3)), sparse, nil},
	} {
		var ws, hs, ts []*mat.Dense
		for _, procs := range []int{1, 2, 4} {
			runtime.GOMAXPROCS(procs)
			m := c.model()
			if err := m.Fit(c.x); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			ws, hs = append(ws, m.W()), append(hs, m.H())
			if c.y != nil {
				tr, err := m.Transform(c.y)
				if err != nil {
					t.Fatalf("%s: Transform: %v", c.name, err)
				}
				ts = append(ts, tr)
			}
		}
		for i := 1; i < len(ws); i++ {
			if !sameBits(ws[0], ws[i]) || !sameBits(hs[0], hs[i]) {
				t.Errorf("%s: factors differ between GOMAXPROCS settings", c.name)
				break
			}
		}
		for i := 1; i < len(ts); i++ {
			if !sameBits(ts[0], ts[i]) {
				t.Errorf("%s: Transform differs between GOMAXPROCS settings", c.name)
				break
			}
		}
	}
}

func TestMaxIterZeroKeepsStart(t *testing.T) {
	x := randomMatrix(8, 5, 0, 0, 2)
	w0, h0 := randomMatrix(8, 2, 0.1, 0, 3), randomMatrix(2, 5, 0.1, 0, 4)
	m := factor.NewNMF(factor.WithK(2), factor.WithMaxIter(0), factor.WithInitialFactors(w0, h0))
	if err := m.Fit(x); err != nil {
		t.Fatal(err)
	}
	if !sameBits(m.W(), w0) || !sameBits(m.H(), h0) {
		t.Error("WithMaxIter(0) moved the initial factors")
	}
	if m.NIter() != 0 || len(m.History()) != 0 {
		t.Errorf("NIter %d, history %d entries, want 0", m.NIter(), len(m.History()))
	}
	if want := nmfObjective(x, w0, h0, 2, 0, 0, 0); !(relDiff(m.Objective(), want) <= 1e-12) {
		t.Errorf("Objective %g of the start, want %g", m.Objective(), want)
	}
}

func TestDefaultInit(t *testing.T) {
	// InitAuto is NNDSVDA for k ≤ min(n, m) and random otherwise.
	x := randomMatrix(9, 6, 0, 0, 6)
	for _, tc := range []struct {
		k    int
		same factor.Init
	}{{3, factor.InitNNDSVDA}, {7, factor.InitRandom}} {
		auto := factor.NewNMF(factor.WithK(tc.k), factor.WithMaxIter(0), factor.WithSeed(1))
		explicit := factor.NewNMF(factor.WithK(tc.k), factor.WithMaxIter(0), factor.WithSeed(1), factor.WithInit(tc.same))
		if err := auto.Fit(x); err != nil {
			t.Fatal(err)
		}
		if err := explicit.Fit(x); err != nil {
			t.Fatal(err)
		}
		if !sameBits(auto.W(), explicit.W()) || !sameBits(auto.H(), explicit.H()) {
			t.Errorf("k = %d: the default start differs from %v", tc.k, tc.same)
		}
	}
}

func TestInitsAreNonNegative(t *testing.T) {
	x := randomMatrix(20, 12, 0, 0.4, 12)
	for _, init := range []factor.Init{factor.InitRandom, factor.InitNNDSVD, factor.InitNNDSVDA, factor.InitNNDSVDAR} {
		m := factor.NewNMF(factor.WithK(4), factor.WithMaxIter(0), factor.WithInit(init))
		if err := m.Fit(x); err != nil {
			t.Fatal(err)
		}
		if !(minEntry(m.W()) >= 0 && minEntry(m.H()) >= 0) {
			t.Errorf("%v: negative start", init)
		}
		zeros := 0
		r, c := m.W().Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				if m.W().At(i, j) == 0 {
					zeros++
				}
			}
		}
		if (init == factor.InitNNDSVD) != (zeros > 0) {
			t.Errorf("%v: %d zeros in W; only NNDSVD leaves zeros", init, zeros)
		}
	}
}

func TestLargeInputUsesRandomizedSVD(t *testing.T) {
	// n·m·min(n, m) = 600·500·500 = 1.5e8 exceeds the exact-SVD budget of
	// 1e8: NNDSVD goes through the randomized SVD and must still start close
	// to the best rank-5 approximation.
	x := mat.NewDense(600, 500, nil)
	low := randomMatrix(600, 5, 0, 0, 30)
	var prod mat.Dense
	prod.Mul(low, randomMatrix(5, 500, 0, 0, 31))
	x.Add(&prod, randomMatrix(600, 500, 0, 0, 32))
	fit := func(seed uint64) *factor.NMF {
		m := factor.NewNMF(factor.WithK(5), factor.WithMaxIter(0), factor.WithInit(factor.InitNNDSVD), factor.WithSeed(seed))
		if err := m.Fit(x); err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := fit(1)
	// Only the randomized SVD draws from the seed (its test matrix); the
	// exact SVD and the rest of NNDSVD draw nothing.
	if other := fit(2); sameBits(m.W(), other.W()) && sameBits(m.H(), other.H()) {
		t.Error("the NNDSVD start does not depend on the seed, so it does not come from the randomized SVD")
	}
	// By Eckart–Young no rank-5 matrix is closer to X than its truncated
	// SVD, whose relative error is sqrt(Σ_{i≥5} σ_i² / Σ σ_i²), from gonum's
	// exact SVD here. NNDSVD keeps the non-negative parts of the leading
	// singular triplets, which on non-negative low-rank-plus-noise data carry
	// nearly all their energy, so its start is within 25% of that bound.
	var svd mat.SVD
	if !svd.Factorize(x, mat.SVDNone) {
		t.Fatal("exact SVD of X failed")
	}
	var tail, total float64
	for i, s := range svd.Values(nil) {
		total += s * s
		if i >= 5 {
			tail += s * s
		}
	}
	best := math.Sqrt(tail / total)
	rel := m.ReconstructionErr() / mat.Norm(x, 2)
	if !(rel >= best && rel <= 1.25*best) {
		t.Errorf("relative error of the NNDSVD start %g; the best rank-5 one is %g, want at most 1.25 times that", rel, best)
	}
}

func TestALSProperties(t *testing.T) {
	x := randomMatrix(25, 15, -0.5, 0, 13) // entries of both signs
	for _, alpha := range []float64{0, 0.3} {
		a := factor.NewVanillaALS(factor.WithK(4), factor.WithAlpha(alpha), factor.WithTol(0), factor.WithMaxIter(60), factor.WithSeed(1))
		if err := a.Fit(x); err != nil {
			t.Fatal(err)
		}
		hist := a.History()
		if len(hist) != a.NIter() {
			t.Errorf("history %d entries, NIter %d", len(hist), a.NIter())
		}
		for i := 1; i < len(hist); i++ {
			if !(hist[i] <= hist[i-1]*(1+1e-12)) {
				t.Errorf("alpha %g: objective rose at iteration %d", alpha, i+1)
				break
			}
		}
		var wh, d mat.Dense
		wh.Mul(a.W(), a.H())
		d.Sub(x, &wh)
		fro := mat.Norm(&d, 2)
		want := fro*fro + alpha*(math.Pow(mat.Norm(a.W(), 2), 2)+math.Pow(mat.Norm(a.H(), 2), 2))
		if !(relDiff(a.Objective(), want) <= 1e-10) {
			t.Errorf("alpha %g: Objective %g, from the definition %g", alpha, a.Objective(), want)
		}
		if !(relDiff(a.ReconstructionErr(), fro) <= 1e-10) {
			t.Errorf("ReconstructionErr %g, want %g", a.ReconstructionErr(), fro)
		}
		// Transform is the ridge solution for H fixed: the gradient
		// 2(WH − X)Hᵀ + 2αW vanishes.
		w, err := a.Transform(x)
		if err != nil {
			t.Fatal(err)
		}
		var r, g mat.Dense
		r.Mul(w, a.H())
		r.Sub(&r, x)
		g.Mul(&r, a.H().T())
		var aw mat.Dense
		aw.Scale(alpha, w)
		g.Add(&g, &aw)
		if norm := mat.Norm(&g, 2); !(norm <= 1e-10*mat.Norm(x, 2)) {
			t.Errorf("alpha %g: gradient of the ridge problem at Transform's W is %g", alpha, norm)
		}
	}
}

func TestStoppingRule(t *testing.T) {
	x := randomMatrix(30, 20, 0, 0.2, 14)
	m := factor.NewNMF(factor.WithK(3), factor.WithTol(1e-3), factor.WithMaxIter(1000))
	if err := m.Fit(x); err != nil {
		t.Fatal(err)
	}
	n, hist := m.NIter(), m.History()
	if n >= 1000 || n%10 != 0 {
		t.Fatalf("stopped after %d iterations; want a multiple of 10 below 1000", n)
	}
	// The rule fired at n and not at the earlier checks. At n = 10 it
	// compares with the starting objective, which History does not hold, so
	// the check below needs n > 10; this fit falls by more than 1e-3 over its
	// first 10 iterations, so stopping there is itself unexpected.
	if n <= 10 {
		t.Fatalf("stopped after %d iterations; want more than 10", n)
	}
	if prev := hist[n-11]; !(prev-hist[n-1] <= 1e-3*prev*(1+1e-9)) {
		t.Errorf("stopped at %d although the objective fell by %g relative", n, (prev-hist[n-1])/prev)
	}
	if n > 20 {
		if prev := hist[n-21]; !(prev-hist[n-11] > 1e-3*prev) {
			t.Errorf("should have stopped at %d", n-10)
		}
	}
	zero := factor.NewNMF(factor.WithK(3), factor.WithTol(0), factor.WithMaxIter(57))
	if err := zero.Fit(x); err != nil {
		t.Fatal(err)
	}
	if zero.NIter() != 57 {
		t.Errorf("WithTol(0) ran %d iterations, want 57", zero.NIter())
	}
}

func TestAcceleratedHALSBeatsHALSPerProduct(t *testing.T) {
	// With the same number of passes over X (iterations), accelerated HALS
	// reaches a lower objective than HALS.
	x := randomMatrix(200, 150, 0, 0.5, 15)
	obj := func(s factor.Solver) float64 {
		m := factor.NewNMF(factor.WithK(8), factor.WithSolver(s), factor.WithTol(0), factor.WithMaxIter(20))
		if err := m.Fit(x); err != nil {
			t.Fatal(err)
		}
		return m.Objective()
	}
	if h, a := obj(factor.HALS), obj(factor.AcceleratedHALS); !(a < h) {
		t.Errorf("after 20 iterations accelerated HALS has %g, HALS %g", a, h)
	}
}

// TestHALSPureL1 fits HALS and AcceleratedHALS with a pure L1 penalty
// (WithL1Ratio(1), so no L2 on the diagonal of the Gram matrices) strong
// enough to zero columns of W. A row of H whose column of W is zero does
// not enter WH, so its only term in the objective is its L1 penalty, which
// is least at 0: the fit must put it there rather than leave it at its
// start. With α = 0.5 every column of W is zero, and the objective must then
// be that of W = H = 0, ½‖X‖², not above it.
func TestHALSPureL1(t *testing.T) {
	x := randomMatrix(20, 15, 0, 0.3, 5)
	zero := 0.5 * mat.Norm(x, 2) * mat.Norm(x, 2) // the objective of W = H = 0
	inputs := map[string]mat.Matrix{"dense": x, "csr": sparseOf(t, x)}
	for _, solver := range []factor.Solver{factor.HALS, factor.AcceleratedHALS} {
		for form, in := range inputs {
			for _, alpha := range []float64{0.1, 0.5} {
				t.Run(fmt.Sprintf("%v/%s/alpha=%v", solver, form, alpha), func(t *testing.T) {
					m := factor.NewNMF(factor.WithK(4), factor.WithSolver(solver),
						factor.WithAlpha(alpha), factor.WithL1Ratio(1), factor.WithMaxIter(200))
					if err := m.Fit(in); err != nil {
						t.Fatal(err)
					}
					w, h := m.W(), m.H()
					zeroCols := 0
					for c := 0; c < 4; c++ {
						if mat.Norm(w.ColView(c), 1) != 0 {
							continue
						}
						zeroCols++
						if s := mat.Norm(h.RowView(c), 1); s != 0 {
							t.Errorf("column %d of W is 0 but row %d of H keeps |row|₁ = %g", c, c, s)
						}
					}
					if zeroCols == 0 {
						t.Fatalf("no column of W is 0: the case does not test the zero Hessian")
					}
					if want := nmfObjective(x, w, h, 2, alpha, alpha, 1); relDiff(m.Objective(), want) > 1e-12 {
						t.Errorf("Objective %.15g, the factors' objective %.15g", m.Objective(), want)
					}
					if zeroCols == 4 && !(m.Objective() <= zero) {
						t.Errorf("W = 0 and the objective is %g, above %g, that of W = H = 0", m.Objective(), zero)
					}
				})
			}
		}
	}
}

func ExampleEntryError() {
	x := mat.NewDense(2, 2, []float64{1, 2, -3, 4})
	err := factor.NewNMF(factor.WithK(1)).Fit(x)
	fmt.Println(err)
	// Output: factor: negative entry: X[1, 0] = -3
}

func TestTransformSingularH(t *testing.T) {
	// Two equal rows of H make H·Hᵀ singular: the active-set solver cannot
	// factorize both at once and falls back to coordinate descent. The
	// result must still satisfy the optimality (KKT) conditions of
	// min ½‖x − Hᵀw‖², w ≥ 0: the gradient g = H(Hᵀw − x) is zero
	// where w > 0 and non-negative where w = 0.
	h := randomMatrix(3, 8, 0.1, 0, 40)
	h.SetRow(1, h.RawRowView(0))
	x := randomMatrix(5, 8, 0, 0, 41)
	w0 := randomMatrix(5, 3, 0.1, 0, 42)
	m := factor.NewNMF(factor.WithK(3), factor.WithMaxIter(0), factor.WithInitialFactors(w0, h))
	if err := m.Fit(x); err != nil {
		t.Fatal(err)
	}
	w, err := m.Transform(x)
	if err != nil {
		t.Fatal(err)
	}
	var r, g mat.Dense
	r.Mul(w, h)
	r.Sub(&r, x)
	g.Mul(&r, h.T())
	for i := 0; i < 5; i++ {
		for tt := 0; tt < 3; tt++ {
			wv, gv := w.At(i, tt), g.At(i, tt)
			if !(wv >= 0) || (wv > 0 && !(math.Abs(gv) <= 1e-9)) || (wv == 0 && !(gv >= -1e-9)) {
				t.Errorf("row %d, component %d: w = %g, gradient %g", i, tt, wv, gv)
			}
		}
	}
}
