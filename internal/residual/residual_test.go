package residual

import (
	"math"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// TestRelative checks both paths against the definition, with WH formed
// densely here: X = [[1 0 2] [0 3 0]], W = [[1] [2]], H = [[1 1 1]], so
// X − WH = [[0 −1 1] [−2 1 −2]], ‖X − WH‖² = 11 and ‖X‖² = 14.
func TestRelative(t *testing.T) {
	x := mat.NewDense(2, 3, []float64{1, 0, 2, 0, 3, 0})
	w := mat.NewDense(2, 1, []float64{1, 2})
	h := mat.NewDense(1, 3, []float64{1, 1, 1})
	csr, err := factor.NewCSRFromTriplets(2, 3, []int{0, 0, 1}, []int{0, 2, 1}, []float64{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	want := math.Sqrt(11.0 / 14.0)
	for name, xm := range map[string]mat.Matrix{"dense": x, "csr": csr} {
		if got := Relative(xm, w, h); math.Abs(got-want) > 1e-15 {
			t.Errorf("%s: Relative = %v, want %v", name, got, want)
		}
	}
	if got := Relative(mat.NewDense(2, 3, nil), w, h); !math.IsNaN(got) {
		t.Errorf("zero X: Relative = %v, want NaN", got)
	}
}

// TestObserved checks the error over the observed entries against the
// definition: X = [[1 ? 2] [? 3 0]] with ? missing (NaN dense, unstored
// CSR, whose explicit 0 is observed), W = [[1] [2]], H = [[1 1 1]], so
// the observed X − WH is [0 1 1 −2]: 6 over ‖X‖² = 14, on 4 entries.
func TestObserved(t *testing.T) {
	nan := math.NaN()
	x := mat.NewDense(2, 3, []float64{1, nan, 2, nan, 3, 0})
	w := mat.NewDense(2, 1, []float64{1, 2})
	h := mat.NewDense(1, 3, []float64{1, 1, 1})
	csr, err := factor.NewCSRFromTriplets(2, 3, []int{0, 0, 1, 1}, []int{0, 2, 1, 2}, []float64{1, 2, 3, 0})
	if err != nil {
		t.Fatal(err)
	}
	want := math.Sqrt(6.0 / 14.0)
	for name, xm := range map[string]mat.Matrix{"dense": x, "csr": csr} {
		if got, n := Observed(xm, w, h); math.Abs(got-want) > 1e-15 || n != 4 {
			t.Errorf("%s: Observed = %v on %d entries, want %v on 4", name, got, n, want)
		}
	}
	// Complete data: the error over all the entries, as Relative's.
	full := mat.NewDense(2, 3, []float64{1, 0, 2, 0, 3, 0})
	if got, n := Observed(full, w, h); math.Abs(got-math.Sqrt(11.0/14.0)) > 1e-15 || n != 6 {
		t.Errorf("complete X: Observed = %v on %d entries, want %v on 6", got, n, math.Sqrt(11.0/14.0))
	}
	for name, xm := range map[string]mat.Matrix{
		"zero where observed": mat.NewDense(2, 3, []float64{0, nan, 0, nan, 0, nan}),
		"nothing observed":    mat.NewDense(2, 3, []float64{nan, nan, nan, nan, nan, nan}),
	} {
		if got, _ := Observed(xm, w, h); !math.IsNaN(got) {
			t.Errorf("%s: Observed = %v, want NaN", name, got)
		}
	}
}
