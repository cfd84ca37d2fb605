package factor

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// rowSolver solves the least squares problem of one row a (k entries) of a
// factor against the rows b_j of the other factor, over the row's entries
// of Ω (columns j, values x_j, weights M_j):
//
//	min_a  Σ_j M_j·(x_j − a·b_j)² + λ·‖a‖² + 2·l1·Σ_t a_t
//
// by its normal equations G·a = r with G = Σ_j M_j·b_j·b_jᵀ + λ·I and
// r = Σ_j M_j·x_j·b_j − l1: a Cholesky factorization of G and two
// triangular solves, or, with a ≥ 0, the exact non-negative solution by
// the active-set method of nnqp. The products read the gathered rows
// √M_j·b_j (one BLAS Syrk and one Gemv): O(L·k² + k³) for L entries. It is
// the row step of weighted ridge ALS (both halves) and of the Transform of
// a model fitted on observed data: with λ = l2 it is NMF's
// ½Σ M·(x − a·b)² + l1·|a|₁ + ½·l2·‖a‖² over a ≥ 0 too. A row with no
// entry gets a = 0.
type rowSolver struct {
	k   int
	bs  []float64 // √M_j·b_j, L×k
	xs  []float64 // √M_j·x_j
	g   []float64 // G, k×k
	rhs []float64 // r
	q   *nnqp
}

// newRowSolver returns a solver for k-entry rows with up to longest
// entries.
func newRowSolver(k, longest int) *rowSolver {
	return &rowSolver{
		k: k, bs: make([]float64, longest*k), xs: make([]float64, longest),
		g: make([]float64, k*k), rhs: make([]float64, k), q: newNNQP(k),
	}
}

// rowProblem is the part of a row's problem beyond its data: the ridge
// weight λ, the L1 weight and the sign constraint.
type rowProblem struct {
	lambda, l1 float64
	nonNeg     bool
}

// solve sets a to the solution of the row with entries at cols of values x
// and weights mw (nil: all 1) against the k-column factor b, and returns
// Σ M·(x − a·b)² at the solution. It reports false, leaving a unchanged,
// when G is not positive definite (λ = 0 and too few entries) for the
// unconstrained solve.
func (s *rowSolver) solve(a []float64, cols []int, x, mw, b []float64, pr rowProblem) (sq float64, ok bool) {
	k, n := s.k, len(cols)
	a = a[:k]
	if n == 0 {
		clear(a)
		return 0, true
	}
	bs, xs := s.gather(cols, x, mw, b)
	gs := blas64.Symmetric{N: k, Stride: k, Data: s.g, Uplo: blas.Upper}
	blas64.Syrk(blas.Trans, 1, bs, 0, gs)
	for t := 0; t < k; t++ {
		s.g[t*k+t] += pr.lambda
	}
	r := blas64.Vector{N: k, Inc: 1, Data: s.rhs}
	blas64.Gemv(blas.Trans, 1, bs, xs, 0, r)
	if pr.l1 != 0 {
		for t := range s.rhs {
			s.rhs[t] -= pr.l1
		}
	}
	if pr.nonNeg {
		mirrorUpper(s.g, k)
		s.q.solve(a, s.g, s.rhs)
	} else {
		u, ok := lapack64.Potrf(gs)
		if !ok {
			return 0, false
		}
		blas64.Trsv(blas.Trans, u, r)
		blas64.Trsv(blas.NoTrans, u, r)
		copy(a, s.rhs)
	}
	return s.residual(a, bs, xs), true
}

// squares returns Σ M·(x − a·b)² for the row as it is.
func (s *rowSolver) squares(a []float64, cols []int, x, mw, b []float64) float64 {
	if len(cols) == 0 {
		return 0
	}
	bs, xs := s.gather(cols, x, mw, b)
	return s.residual(a[:s.k], bs, xs)
}

// gather sets bs to the rows √M_j·b_j and xs to √M_j·x_j.
func (s *rowSolver) gather(cols []int, x, mw, b []float64) (blas64.General, blas64.Vector) {
	k, n := s.k, len(cols)
	bs, xs := s.bs[:n*k], s.xs[:n]
	for p, c := range cols {
		row := bs[p*k : p*k+k]
		copy(row, b[c*k:c*k+k])
		xs[p] = x[p]
		if mw != nil {
			r := math.Sqrt(mw[p])
			for t := range row {
				row[t] *= r
			}
			xs[p] *= r
		}
	}
	return general(n, k, bs), blas64.Vector{N: n, Inc: 1, Data: xs}
}

// residual returns ‖xs − bs·a‖², overwriting xs.
func (s *rowSolver) residual(a []float64, bs blas64.General, xs blas64.Vector) float64 {
	blas64.Gemv(blas.NoTrans, -1, bs, blas64.Vector{N: s.k, Inc: 1, Data: a}, 1, xs)
	return sqNorm(xs.Data)
}
