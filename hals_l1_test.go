package factor_test

import (
	"fmt"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

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
