package factor

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// rowSolver solves the least squares problem of one row a (k entries) of a
// factor against the rows b_j of the other factor, over the row's entries
// j (its columns in Ω), through the normal equations
//
//	G·a = r,  G = B + Σ_j g_j·b_j·b_jᵀ + λ·I,  r = Σ_j q_j·b_j − l1
//
// with per-entry Gram weights g_j ≥ 0 and right-hand-side weights q_j, and
// an optional k×k base B: a Cholesky factorization of G and two triangular
// solves, or, with a ≥ 0, the exact non-negative solution by the active-set
// method of nnqp, or a few conjugate-gradient steps from the row's current
// value. G is built from the gathered rows √g_j·b_j by one BLAS Syrk:
// O(L·k² + k³) for L entries (O(s·(L·k + k²)) for s CG steps).
//
// Its callers:
//
//   - weighted ridge ALS: g_j = M_j, q_j = M_j·x_j and B = 0 minimize
//     Σ_j M_j·(x_j − a·b_j)² + λ·‖a‖² (and, with a ≥ 0, the same with
//     λ = l2 and the shift l1 is NMF's ½Σ M·(x − a·b)² + l1·|a|₁ + ½·l2·‖a‖²,
//     the Transform of observed rows);
//   - implicit ALS: g_j = c_j − 1, q_j = c_j·p_j and B = YᵀY give Hu, Koren
//     & Volinsky's (YᵀY + Yᵀ(C_u − I)Y + λI)·a = YᵀC_u·p_u, where the sum
//     over every column enters through the base.
//
// A row with no entry and no base gets a = 0.
type rowSolver struct {
	k      int
	bs     []float64 // √g_j·b_j, L×k
	g, q   []float64 // the caller's per-entry weights, L each
	gm     []float64 // G, k×k
	rhs    []float64 // r
	tmp    []float64 // L, for the conjugate gradient's products
	cg     [3][]float64
	q2     *nnqp
	factor blas64.Triangular
}

// newRowSolver returns a solver for k-entry rows with up to longest
// entries.
func newRowSolver(k, longest int) *rowSolver {
	s := &rowSolver{
		k: k, bs: make([]float64, longest*k), g: make([]float64, longest), q: make([]float64, longest),
		gm: make([]float64, k*k), rhs: make([]float64, k), tmp: make([]float64, longest), q2: newNNQP(k),
	}
	for i := range s.cg {
		s.cg[i] = make([]float64, k)
	}
	return s
}

// rowProblem is the part of a row's problem beyond its entries: the base
// B (nil: 0), the ridge weight λ, the L1 weight and the sign constraint.
type rowProblem struct {
	base       []float64
	lambda, l1 float64
	nonNeg     bool
}

// weights returns the solver's buffers for the Gram and right-hand-side
// weights of a row of n entries, for the caller to fill.
func (s *rowSolver) weights(n int) (g, q []float64) { return s.g[:n], s.q[:n] }

// build gathers the rows √g_j·b_j of the entries at cols (g nil: all 1)
// and sets G and r.
func (s *rowSolver) build(cols []int, g, q, b []float64, pr *rowProblem) blas64.General {
	k, n := s.k, len(cols)
	bs := s.bs[:n*k]
	clear(s.rhs)
	for p, c := range cols {
		row := b[c*k : c*k+k]
		axpy(q[p], row, s.rhs)
		dst := bs[p*k : p*k+k]
		if g == nil {
			copy(dst, row)
			continue
		}
		r := math.Sqrt(g[p])
		for t, v := range row {
			dst[t] = r * v
		}
	}
	if pr.l1 != 0 {
		for t := range s.rhs {
			s.rhs[t] -= pr.l1
		}
	}
	gb := general(n, k, bs)
	if pr.base != nil {
		copy(s.gm, pr.base[:k*k])
	} else {
		clear(s.gm)
	}
	if n > 0 {
		blas64.Syrk(blas.Trans, 1, gb, 1, blas64.Symmetric{N: k, Stride: k, Data: s.gm, Uplo: blas.Upper})
	}
	for t := 0; t < k; t++ {
		s.gm[t*k+t] += pr.lambda
	}
	return gb
}

// solve sets a to the exact solution of the row with entries at cols and
// weights g and q against the k-column factor b. It reports false, leaving
// a unchanged, when G is not positive definite (λ = 0 and too few entries)
// for the unconstrained solve.
func (s *rowSolver) solve(a []float64, cols []int, g, q, b []float64, pr rowProblem) bool {
	k := s.k
	a = a[:k]
	if len(cols) == 0 && pr.base == nil {
		clear(a)
		return true
	}
	s.build(cols, g, q, b, &pr)
	if pr.nonNeg {
		mirrorUpper(s.gm, k)
		s.q2.solve(a, s.gm, s.rhs)
		return true
	}
	u, ok := lapack64.Potrf(blas64.Symmetric{N: k, Stride: k, Data: s.gm, Uplo: blas.Upper})
	if !ok {
		return false
	}
	r := blas64.Vector{N: k, Inc: 1, Data: s.rhs}
	blas64.Trsv(blas.Trans, u, r)
	blas64.Trsv(blas.NoTrans, u, r)
	copy(a, s.rhs)
	return true
}

// conjugateGradient takes steps of the conjugate gradient method on G·a = r
// from the row's current a (Takács, Pilászy & Tikk 2011, as the implicit
// package): each step costs two products with the gathered rows and one
// with the base, O(L·k + k²), and none forms G.
func (s *rowSolver) conjugateGradient(a []float64, cols []int, g, q, b []float64, pr rowProblem, steps int) {
	k := s.k
	a = a[:k]
	gb := s.build(cols, g, q, b, &pr)
	res, dir, gd := s.cg[0], s.cg[1], s.cg[2]
	s.apply(gd, a, gb, &pr)
	for t := range res {
		res[t] = s.rhs[t] - gd[t]
	}
	copy(dir, res)
	rr := sqNorm(res)
	for range steps {
		if rr == 0 {
			return
		}
		s.apply(gd, dir, gb, &pr)
		step := rr / dot(dir, gd)
		axpy(step, dir, a)
		axpy(-step, gd, res)
		next := sqNorm(res)
		beta := next / rr
		for t := range dir {
			dir[t] = res[t] + beta*dir[t]
		}
		rr = next
	}
}

// apply sets dst to G·v without forming G: B·v + Bsᵀ(Bs·v) + λ·v.
func (s *rowSolver) apply(dst, v []float64, gb blas64.General, pr *rowProblem) {
	k := s.k
	vv, dv := blas64.Vector{N: k, Inc: 1, Data: v}, blas64.Vector{N: k, Inc: 1, Data: dst}
	if pr.base != nil {
		blas64.Symv(1, blas64.Symmetric{N: k, Stride: k, Data: pr.base, Uplo: blas.Upper}, vv, 0, dv)
	} else {
		clear(dst)
	}
	if n := gb.Rows; n > 0 {
		tv := blas64.Vector{N: n, Inc: 1, Data: s.tmp[:n]}
		blas64.Gemv(blas.NoTrans, 1, gb, vv, 0, tv)
		blas64.Gemv(blas.Trans, 1, gb, tv, 1, dv)
	}
	axpy(pr.lambda, v, dst)
}

// weightedResidual returns Σ_j m_j·(x_j − a·b_j)² over a row's entries at
// cols (m nil: all 1), each dot product summed as dot4 does.
func weightedResidual(a []float64, cols []int, x, m, b []float64) float64 {
	k := len(a)
	var sum float64
	for p, c := range cols {
		d := x[p] - dot4(a, b[c*k:c*k+k])
		if m != nil {
			sum += m[p] * d * d
		} else {
			sum += d * d
		}
	}
	return sum
}
