package factor_test

import (
	"errors"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// fixedH returns an NMF and a VanillaALS whose H is h, fitted for zero
// iterations from (ones, h) on x.
func fixedH(t *testing.T, x, h *mat.Dense) (*factor.NMF, *factor.VanillaALS) {
	t.Helper()
	n, _ := x.Dims()
	k, _ := h.Dims()
	w0 := mat.NewDense(n, k, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < k; j++ {
			w0.Set(i, j, 1)
		}
	}
	m := factor.NewNMF(factor.WithK(k), factor.WithMaxIter(0), factor.WithInitialFactors(w0, h))
	a := factor.NewVanillaALS(factor.WithK(k), factor.WithMaxIter(0), factor.WithInitialFactors(w0, h))
	if err := m.Fit(x); err != nil {
		t.Fatal(err)
	}
	if err := a.Fit(x); err != nil {
		t.Fatal(err)
	}
	return m, a
}

// TestInverseTransformRejectsWhatItCannotRepresent: an NMF's W is
// non-negative, so a negative W is bad input (an *EntryError wrapping
// ErrNegative), while VanillaALS takes any sign; and a product that
// overflows is an error wrapping ErrNotFinite, never Inf entries.
func TestInverseTransformRejectsWhatItCannotRepresent(t *testing.T) {
	x := randomMatrix(5, 3, 0.1, 0, 11)
	h := mat.NewDense(2, 3, []float64{1, 2, 0.5, 0.25, 1, 3})
	m, a := fixedH(t, x, h)

	neg := mat.NewDense(2, 2, []float64{1, 2, 3, -0.5})
	_, err := m.InverseTransform(neg)
	var e *factor.EntryError
	if !errors.Is(err, factor.ErrNegative) || !errors.As(err, &e) || e.Matrix != "W" || e.Row != 1 || e.Col != 1 || e.Value != -0.5 {
		t.Errorf("NMF InverseTransform of a negative W: %v, want an *EntryError for W[1, 1] = -0.5 wrapping ErrNegative", err)
	}
	got, err := a.InverseTransform(neg)
	if err != nil {
		t.Errorf("VanillaALS InverseTransform of a W of both signs: %v", err)
	} else {
		var want mat.Dense
		want.Mul(neg, h)
		if !sameBits(got, &want) {
			t.Errorf("VanillaALS InverseTransform = %v, want %v", mat.Formatted(got), mat.Formatted(&want))
		}
	}

	// Finite W and H whose product overflows: 1e308·(1 + 0.25) and, for
	// both signs, −1e308·3 in another column.
	huge := mat.NewDense(1, 2, []float64{1e308, 1e308})
	both := mat.NewDense(1, 2, []float64{1e308, -1e308})
	for _, tc := range []struct {
		name string
		inv  func(mat.Matrix) (*mat.Dense, error)
		w    mat.Matrix
	}{
		{"NMF", m.InverseTransform, huge},
		{"VanillaALS", a.InverseTransform, huge},
		{"VanillaALS, both signs", a.InverseTransform, both},
	} {
		got, err := tc.inv(tc.w)
		if !errors.Is(err, factor.ErrNotFinite) {
			t.Errorf("%s: InverseTransform of an overflowing product: %v, %v; want an error wrapping ErrNotFinite", tc.name, got, err)
		}
		if got != nil {
			t.Errorf("%s: InverseTransform returned a matrix with its error", tc.name)
		}
	}
}
