package factor_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

func TestBadSettings(t *testing.T) {
	x := randomMatrix(6, 5, 0.1, 0, 1)
	for _, tc := range []struct {
		name string
		opts []factor.Option
	}{
		{"no K", nil},
		{"K zero", []factor.Option{factor.WithK(0)}},
		{"negative alpha", []factor.Option{factor.WithK(2), factor.WithAlpha(-1)}},
		{"NaN alpha", []factor.Option{factor.WithK(2), factor.WithAlpha(math.NaN())}},
		{"infinite alpha H", []factor.Option{factor.WithK(2), factor.WithAlphaH(math.Inf(1))}},
		{"l1 ratio above 1", []factor.Option{factor.WithK(2), factor.WithL1Ratio(1.5)}},
		{"l1 ratio NaN", []factor.Option{factor.WithK(2), factor.WithL1Ratio(math.NaN())}},
		{"negative tol", []factor.Option{factor.WithK(2), factor.WithTol(-1e-4)}},
		{"negative max iter", []factor.Option{factor.WithK(2), factor.WithMaxIter(-1)}},
		{"zero restarts", []factor.Option{factor.WithK(2), factor.WithRestarts(0)}},
		{"unknown solver", []factor.Option{factor.WithK(2), factor.WithSolver(factor.Solver(99))}},
		{"unknown init", []factor.Option{factor.WithK(2), factor.WithInit(factor.Init(-1))}},
		{"NaN beta", []factor.Option{factor.WithK(2), factor.WithBeta(math.NaN())}},
		{"HALS with KL", []factor.Option{factor.WithK(2), factor.WithSolver(factor.HALS), factor.WithBeta(1)}},
		{"accelerated HALS with IS", []factor.Option{factor.WithK(2), factor.WithSolver(factor.AcceleratedHALS), factor.WithBeta(0)}},
		{"half of the initial factors", []factor.Option{factor.WithK(2), factor.WithInitialFactors(mat.NewDense(6, 2, nil), nil)}},
	} {
		err := factor.NewNMF(tc.opts...).Fit(x)
		if !errors.Is(err, factor.ErrInvalidOption) {
			t.Errorf("%s: got %v, want ErrInvalidOption", tc.name, err)
		}
	}
	for _, tc := range []struct {
		name string
		opts []factor.Option
	}{
		{"beta", []factor.Option{factor.WithK(2), factor.WithBeta(1)}},
		{"solver", []factor.Option{factor.WithK(2), factor.WithSolver(factor.HALS)}},
		{"l1 ratio", []factor.Option{factor.WithK(2), factor.WithL1Ratio(0.5)}},
		{"alpha H", []factor.Option{factor.WithK(2), factor.WithAlphaH(0.5)}},
		{"NNDSVD", []factor.Option{factor.WithK(2), factor.WithInit(factor.InitNNDSVD)}},
		{"no K", []factor.Option{factor.WithAlpha(1)}},
	} {
		err := factor.NewVanillaALS(tc.opts...).Fit(x)
		if !errors.Is(err, factor.ErrInvalidOption) {
			t.Errorf("ALS with %s: got %v, want ErrInvalidOption", tc.name, err)
		}
	}
}

func TestBadData(t *testing.T) {
	good := func() *mat.Dense { return randomMatrix(5, 4, 0.1, 0, 2) }
	withEntry := func(i, j int, v float64) *mat.Dense {
		x := good()
		x.Set(i, j, v)
		return x
	}
	for _, tc := range []struct {
		name     string
		x        mat.Matrix
		opts     []factor.Option
		want     error
		row, col int
	}{
		{"negative", withEntry(2, 3, -0.5), nil, factor.ErrNegative, 2, 3},
		{"NaN", withEntry(1, 0, math.NaN()), nil, factor.ErrNotFinite, 1, 0},
		{"Inf", withEntry(4, 2, math.Inf(-1)), nil, factor.ErrNotFinite, 4, 2},
		{"zero with IS", withEntry(3, 1, 0), []factor.Option{factor.WithBeta(0)}, factor.ErrZeroEntries, 3, 1},
		{"zero with beta -1", withEntry(0, 2, 0), []factor.Option{factor.WithBeta(-1)}, factor.ErrZeroEntries, 0, 2},
		{"unstored zero with IS", sparseOf(t, withEntry(2, 2, 0)), []factor.Option{factor.WithBeta(0)}, factor.ErrZeroEntries, 2, 2},
		{"negative in CSR", sparseOf(t, withEntry(1, 3, -2)), nil, factor.ErrNegative, 1, 3},
	} {
		opts := append([]factor.Option{factor.WithK(2)}, tc.opts...)
		err := factor.NewNMF(opts...).Fit(tc.x)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
			continue
		}
		var e *factor.EntryError
		if !errors.As(err, &e) || e.Row != tc.row || e.Col != tc.col {
			t.Errorf("%s: error %v does not locate (%d, %d)", tc.name, err, tc.row, tc.col)
		}
	}
	// Zeros are fine for beta > 0.
	if err := factor.NewNMF(factor.WithK(2), factor.WithBeta(0.5)).Fit(withEntry(0, 0, 0)); err != nil {
		t.Errorf("zero with beta 0.5: %v", err)
	}
	// NaN is checked for ALS too; negative values are not an error there.
	if err := factor.NewVanillaALS(factor.WithK(2)).Fit(withEntry(0, 0, math.NaN())); !errors.Is(err, factor.ErrNotFinite) {
		t.Errorf("ALS with NaN: %v", err)
	}
	if err := factor.NewVanillaALS(factor.WithK(2)).Fit(withEntry(0, 0, -3)); err != nil {
		t.Errorf("ALS with a negative entry: %v", err)
	}
}

func TestBadShapes(t *testing.T) {
	x := randomMatrix(5, 4, 0.1, 0, 3)
	for _, tc := range []struct {
		name string
		fit  func() error
		want error
	}{
		{"nil X", func() error { return factor.NewNMF(factor.WithK(2)).Fit(nil) }, factor.ErrShape},
		{"empty X", func() error { return factor.NewNMF(factor.WithK(2)).Fit(&mat.Dense{}) }, factor.ErrShape},
		{"NNDSVD with k > min(n, m)", func() error {
			return factor.NewNMF(factor.WithK(5), factor.WithInit(factor.InitNNDSVDA)).Fit(x)
		}, factor.ErrRank},
		{"ALS with k > min(n, m) and no ridge", func() error { return factor.NewVanillaALS(factor.WithK(6)).Fit(x) }, factor.ErrRank},
		{"initial W of the wrong shape", func() error {
			return factor.NewNMF(factor.WithK(2), factor.WithInitialFactors(mat.NewDense(4, 2, nil), mat.NewDense(2, 4, nil))).Fit(x)
		}, factor.ErrShape},
		{"initial H of the wrong K", func() error {
			return factor.NewNMF(factor.WithK(2), factor.WithInitialFactors(randomMatrix(5, 2, 0.1, 0, 1), mat.NewDense(3, 4, nil))).Fit(x)
		}, factor.ErrShape},
		{"negative initial H", func() error {
			h := randomMatrix(2, 4, 0.1, 0, 1)
			h.Set(1, 2, -1)
			return factor.NewNMF(factor.WithK(2), factor.WithInitialFactors(randomMatrix(5, 2, 0.1, 0, 1), h)).Fit(x)
		}, factor.ErrNegative},
		{"all-zero initial W", func() error {
			return factor.NewNMF(factor.WithK(2), factor.WithInitialFactors(mat.NewDense(5, 2, nil), randomMatrix(2, 4, 0.1, 0, 1))).Fit(x)
		}, factor.ErrInvalidOption},
	} {
		if err := tc.fit(); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	// k > min(n, m) is fine from a random start, which InitAuto picks.
	if err := factor.NewNMF(factor.WithK(6)).Fit(x); err != nil {
		t.Errorf("k = 6 on 5×4 with the default init: %v", err)
	}
}

func TestNotFittedAndTransformShapes(t *testing.T) {
	x := randomMatrix(5, 4, 0.1, 0, 3)
	m := factor.NewNMF(factor.WithK(2))
	a := factor.NewVanillaALS(factor.WithK(2))
	if _, err := m.Transform(x); !errors.Is(err, factor.ErrNotFitted) {
		t.Errorf("Transform before Fit: %v", err)
	}
	if _, err := a.InverseTransform(x); !errors.Is(err, factor.ErrNotFitted) {
		t.Errorf("ALS InverseTransform before Fit: %v", err)
	}
	if m.W() != nil || m.H() != nil || m.NIter() != 0 || !math.IsNaN(m.Objective()) || !math.IsNaN(a.ReconstructionErr()) {
		t.Error("accessors of an unfitted model should be nil, 0 or NaN")
	}
	if err := m.Fit(x); err != nil {
		t.Fatal(err)
	}
	if err := a.Fit(x); err != nil {
		t.Fatal(err)
	}
	wrong := randomMatrix(3, 5, 0.1, 0, 4)
	if _, err := m.Transform(wrong); !errors.Is(err, factor.ErrShape) {
		t.Errorf("NMF Transform with 5 columns: %v", err)
	}
	if _, err := a.Transform(wrong); !errors.Is(err, factor.ErrShape) {
		t.Errorf("ALS Transform with 5 columns: %v", err)
	}
	neg := randomMatrix(3, 4, 0.1, 0, 4)
	neg.Set(2, 1, -1)
	if _, err := m.Transform(neg); !errors.Is(err, factor.ErrNegative) {
		t.Errorf("NMF Transform of negative data: %v", err)
	}
	if _, err := m.InverseTransform(mat.NewDense(3, 3, nil)); !errors.Is(err, factor.ErrShape) {
		t.Errorf("InverseTransform of a 3×3 W for k = 2: %v", err)
	}
	if _, err := m.InverseTransform(mat.NewDense(1, 2, []float64{1, math.NaN()})); !errors.Is(err, factor.ErrNotFinite) {
		t.Errorf("InverseTransform with NaN: %v", err)
	}
}

// TestFailedFitKeepsModel checks that a failed Fit leaves a fitted model
// exactly as it was.
func TestFailedFitKeepsModel(t *testing.T) {
	x := randomMatrix(12, 8, 0.1, 0, 5)
	m := factor.NewNMF(factor.WithK(3), factor.WithMaxIter(50))
	if err := m.Fit(x); err != nil {
		t.Fatal(err)
	}
	w, h, obj, n := m.W(), m.H(), m.Objective(), m.NIter()
	bad := randomMatrix(12, 8, 0.1, 0, 6)
	bad.Set(3, 3, -1)
	if err := m.Fit(bad); err == nil {
		t.Fatal("Fit of negative data succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.FitContext(ctx, randomMatrix(12, 8, 0.1, 0, 7)); !errors.Is(err, context.Canceled) {
		t.Fatalf("FitContext with a canceled context: %v", err)
	}
	if !sameBits(m.W(), w) || !sameBits(m.H(), h) || m.Objective() != obj || m.NIter() != n {
		t.Error("a failed Fit changed the model")
	}
	// The same for ALS, failing in the middle: a singular ridge system.
	a := factor.NewVanillaALS(factor.WithK(2), factor.WithMaxIter(5))
	if err := a.Fit(x); err != nil {
		t.Fatal(err)
	}
	aw, ah, aobj := a.W(), a.H(), a.Objective()
	rank1 := mat.NewDense(12, 8, nil)
	for i := 0; i < 12; i++ {
		for j := 0; j < 8; j++ {
			rank1.Set(i, j, float64(i+1))
		}
	}
	// Rank-one data make the k = 2 Gram matrices singular after one step.
	if err := a.Fit(rank1); !errors.Is(err, factor.ErrRank) {
		t.Fatalf("ALS on rank-one data with k = 2: %v", err)
	}
	if !sameBits(a.W(), aw) || !sameBits(a.H(), ah) || a.Objective() != aobj {
		t.Error("a failed ALS Fit changed the model")
	}
}

func TestFitContextDeadline(t *testing.T) {
	x := randomMatrix(300, 200, 0, 0, 8)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	m := factor.NewNMF(factor.WithK(10), factor.WithTol(0), factor.WithMaxIter(1_000_000), factor.WithRestarts(2))
	err := m.FitContext(ctx, x)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a deadline error", err)
	}
	if m.W() != nil {
		t.Error("a canceled fit left factors behind")
	}
}

func TestNamesRoundTrip(t *testing.T) {
	for _, s := range []factor.Solver{factor.SolverAuto, factor.HALS, factor.MU, factor.AcceleratedHALS} {
		var got factor.Solver
		if err := got.UnmarshalText([]byte(s.String())); err != nil || got != s {
			t.Errorf("solver %v: parsed %v, %v", s, got, err)
		}
	}
	for _, i := range []factor.Init{factor.InitAuto, factor.InitRandom, factor.InitNNDSVD, factor.InitNNDSVDA, factor.InitNNDSVDAR} {
		var got factor.Init
		if err := got.UnmarshalText([]byte(i.String())); err != nil || got != i {
			t.Errorf("init %v: parsed %v, %v", i, got, err)
		}
	}
	var s factor.Solver
	if err := s.UnmarshalText([]byte("newton")); !errors.Is(err, factor.ErrInvalidOption) {
		t.Errorf("unknown solver name: %v", err)
	}
	if err := s.UnmarshalText([]byte("MU")); err != nil || s != factor.MU {
		t.Errorf("names are case-insensitive: %v %v", s, err)
	}
}

// TestNoPanics feeds the API inputs that once panicked: typed nil
// matrices, absurd k and dimensions, and values whose squares overflow.
func TestNoPanics(t *testing.T) {
	x := randomMatrix(4, 3, 0.1, 0, 9)
	fitted := factor.NewNMF(factor.WithK(2))
	if err := fitted.Fit(x); err != nil {
		t.Fatal(err)
	}
	huge := mat.NewDense(2, 2, []float64{1e300, 2e300, 3e300, 1e300})
	for _, tc := range []struct {
		name string
		call func() error
		want error
	}{
		{"Fit of a nil *mat.Dense", func() error { return factor.NewNMF(factor.WithK(1)).Fit((*mat.Dense)(nil)) }, factor.ErrShape},
		{"Fit of a nil *CSR", func() error { return factor.NewNMF(factor.WithK(1)).Fit((*factor.CSR)(nil)) }, factor.ErrShape},
		{"Fit of the transpose of a nil *CSR", func() error {
			return factor.NewVanillaALS(factor.WithK(1)).Fit(mat.Transpose{Matrix: (*factor.CSR)(nil)})
		}, factor.ErrShape},
		{"Transform of a nil *mat.Dense", func() error { _, err := fitted.Transform((*mat.Dense)(nil)); return err }, factor.ErrShape},
		{"InverseTransform of a nil *mat.Dense", func() error { _, err := fitted.InverseTransform((*mat.Dense)(nil)); return err }, factor.ErrShape},
		{"nil initial W", func() error {
			return factor.NewNMF(factor.WithK(2), factor.WithInitialFactors((*mat.Dense)(nil), mat.NewDense(2, 3, nil))).Fit(x)
		}, factor.ErrInvalidOption},
		{"k = MaxInt", func() error { return factor.NewNMF(factor.WithK(math.MaxInt)).Fit(x) }, factor.ErrRank},
		{"k = 2⁴⁰", func() error { return factor.NewVanillaALS(factor.WithK(1<<40), factor.WithAlpha(1)).Fit(x) }, factor.ErrRank},
		{"triplets with MaxInt rows", func() error { _, err := factor.NewCSRFromTriplets(math.MaxInt, 1, nil, nil, nil); return err }, factor.ErrShape},
		{"Frobenius on entries near 1e300", func() error { return factor.NewNMF(factor.WithK(1)).Fit(huge) }, factor.ErrNotFinite},
		{"an alpha that overflows when scaled", func() error { return factor.NewNMF(factor.WithK(1), factor.WithAlpha(math.MaxFloat64)).Fit(x) }, factor.ErrInvalidOption},
	} {
		if err := tc.call(); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}
