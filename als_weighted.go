package factor

import "fmt"

// Weighted ridge ALS, for VanillaALS with WithWeights or WithObservedOnly:
// it minimizes
//
//	Σ_{(i,j)∈Ω} M_ij·(x_ij − w_i·h_j)² + Σ_i λ_i·‖w_i‖² + Σ_j λ_j·‖h_j‖²
//
// with λ_i = α (or α·n_i, n_i the entries of row i in Ω, with
// WithCountScaledAlpha), each row of W solving its own normal equations
// (Σ_j M_ij·h_j·h_jᵀ + λ_i·I)·w_i = Σ_j M_ij·x_ij·h_j (rowSolver), rows in
// parallel, then each row of H against W the same way over Xᵀ's order of
// Ω. With WithNonNegative every row solve is the exact non-negative one.
// An iteration costs O(|Ω|·k² + (n + m)·k³); the objective is summed exactly
// in the update of H, from the residuals of the solved rows.

// weightedALS is the iterator of weighted ridge ALS.
type weightedALS struct {
	core
	alpha       float64
	countScaled bool
	nonNeg      bool
	sides       [2]omegaSide
	side        *omegaSide
	update      bool
	rows        *rowPass
	loss        float64 // Σ M·r² of the current factors
}

func newWeightedALS(c core, alpha float64, countScaled, nonNeg bool) *weightedALS {
	r := &weightedALS{core: c, alpha: alpha, countScaled: countScaled, nonNeg: nonNeg,
		sides: c.omegaSides(penalty{}, penalty{})}
	r.rows = newRowPass(c.pool, c.k, longestRow(r.sides), r.row)
	return r
}

// lambda returns the ridge weight of row i of a side.
func (r *weightedALS) lambda(s *omegaSide, i int) float64 {
	if r.countScaled {
		return r.alpha * float64(s.omega.indptr[i+1]-s.omega.indptr[i])
	}
	return r.alpha
}

// penalty returns Σ_i λ_i·‖a_i‖² of a side's factor.
func (r *weightedALS) penalty(s *omegaSide) float64 {
	var p float64
	k := r.k
	for i := 0; i < s.omega.rows; i++ {
		if l := r.lambda(s, i); l != 0 {
			p += l * sqNorm(s.a[i*k:i*k+k])
		}
	}
	return p
}

func (r *weightedALS) objective() float64 {
	return r.loss + r.penalty(&r.sides[0]) + r.penalty(&r.sides[1])
}

func (r *weightedALS) start() float64 {
	r.loss, _ = r.pass(&r.sides[0], false)
	return r.objective()
}

func (r *weightedALS) iterate() (float64, error) {
	for i := range r.sides {
		loss, err := r.pass(&r.sides[i], true)
		if err != nil {
			return 0, err
		}
		r.loss = loss
	}
	return r.objective(), nil
}

func (r *weightedALS) finish(last float64) (objective, loss float64, err error) {
	return last, r.loss, nil
}

// pass solves the rows of one side (or, without update, only sums the
// squared residuals) and returns Σ M·r² after it.
func (r *weightedALS) pass(s *omegaSide, update bool) (float64, error) {
	r.side, r.update = s, update
	sum, _, i := r.rows.run(s.omega.rows, rowCost(s.omega, r.k))
	r.side = nil
	if i >= 0 {
		what := "row %d of W"
		if s == &r.sides[1] {
			what = "column %d of H"
		}
		return 0, fmt.Errorf("%w: the ridge system of "+what+" is singular (%d observed entries for k = %d); raise WithAlpha (now %g)",
			ErrRank, i, s.omega.indptr[i+1]-s.omega.indptr[i], r.k, r.alpha)
	}
	return sum, nil
}

// row solves row i of the side (when updating) and returns its Σ M·r².
func (r *weightedALS) row(rs *rowSolver, i int) (float64, float64, bool) {
	s, k := r.side, r.k
	cols, x, mw := s.entries(i)
	a := s.a[i*k : i*k+k]
	if r.update {
		_, q := rs.weights(len(cols))
		weighValues(q, x, mw)
		if !rs.solve(a, cols, mw, q, s.b, rowProblem{lambda: r.lambda(s, i), nonNeg: r.nonNeg}) {
			return 0, 0, false
		}
	}
	return weightedResidual(a, cols, x, mw, s.b), 0, true
}

// weighValues sets q to m·x entry by entry (x when m is nil), the
// right-hand-side weights of weighted least squares.
func weighValues(q, x, m []float64) {
	if m == nil {
		copy(q, x)
		return
	}
	for p, v := range x {
		q[p] = m[p] * v
	}
}
