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
	k    int
	bs   []float64 // √g_j·b_j, L×k
	g, q []float64 // the caller's per-entry weights, L each
	gm   []float64 // G, k×k
	rhs  []float64 // r
	tmp  []float64 // L, for the conjugate gradient's products
	cg   [3][]float64
	q2   *nnqp
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
// B (nil: 0; both triangles stored), the ridge weight λ, the L1 weight and
// the sign constraint.
type rowProblem struct {
	base       []float64
	lambda, l1 float64
	nonNeg     bool
}

// weights returns the solver's buffers for the Gram and right-hand-side
// weights of a row of n entries, for the caller to fill.
func (s *rowSolver) weights(n int) (g, q []float64) { return s.g[:n], s.q[:n] }

// gather sets the solver's rows to √g_j·b_j for the entries at cols (g
// nil: all 1) and r to Σ_j q_j·b_j − l1, and returns the rows.
func (s *rowSolver) gather(cols []int, g, q, b []float64, pr *rowProblem) blas64.General {
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
	return general(n, k, bs)
}

// build gathers the row (gather) and sets the upper triangle of G.
func (s *rowSolver) build(cols []int, g, q, b []float64, pr *rowProblem) {
	gb := s.gather(cols, g, q, b, pr)
	k := s.k
	if pr.base != nil {
		copy(s.gm, pr.base[:k*k])
	} else {
		clear(s.gm)
	}
	addGram(s.gm, gb.Data, gb.Rows, k)
	for t := 0; t < k; t++ {
		s.gm[t*k+t] += pr.lambda
	}
}

// addGram adds the upper triangle of bᵀb to g (k×k) for the n×k row-major
// b: the rank-one updates of four rows at a time fused, each entry of g
// summed over the rows in order of the blocks. Faster than BLAS's Dsyrk
// for the few rows of a typical user or item.
func addGram(g, b []float64, n, k int) {
	p := 0
	for ; p+4 <= n; p += 4 {
		r0, r1, r2, r3 := b[p*k:p*k+k], b[(p+1)*k:(p+1)*k+k], b[(p+2)*k:(p+2)*k+k], b[(p+3)*k:(p+3)*k+k]
		for s := 0; s < k; s++ {
			v0, v1, v2, v3 := r0[s], r1[s], r2[s], r3[s]
			row := g[s*k+s : s*k+k]
			a0, a1, a2, a3 := r0[s:k], r1[s:k], r2[s:k], r3[s:k]
			a1, a2, a3 = a1[:len(a0)], a2[:len(a0)], a3[:len(a0)]
			row = row[:len(a0)]
			for t := range a0 {
				row[t] += v0*a0[t] + v1*a1[t] + v2*a2[t] + v3*a3[t]
			}
		}
	}
	for ; p < n; p++ {
		r := b[p*k : p*k+k]
		for s := 0; s < k; s++ {
			if v := r[s]; v != 0 {
				axpy(v, r[s:k], g[s*k+s:s*k+k])
			}
		}
	}
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
	choleskySolve(u.Data, s.rhs, k)
	copy(a, s.rhs)
	return true
}

// choleskySolve overwrites r by the solution a of UᵀU·a = r for the upper
// triangular k×k U (row-major): Uᵀ·y = r by columns of Uᵀ, which are rows of
// U, each an axpy, then U·a = y by rows, each a dot product; both run over
// unit-stride rows, which LAPACK's Dtrsv with a transposed U does not.
func choleskySolve(u, r []float64, k int) {
	r = r[:k]
	for i := 0; i < k; i++ {
		row := u[i*k : i*k+k]
		r[i] /= row[i]
		if v := r[i]; v != 0 {
			axpy(-v, row[i+1:], r[i+1:])
		}
	}
	for i := k - 1; i >= 0; i-- {
		row := u[i*k : i*k+k]
		r[i] = (r[i] - dot4(row[i+1:], r[i+1:])) / row[i]
	}
}

// conjugateGradient takes steps of the conjugate gradient method on G·a = r
// from the row's current a (Takács, Pilászy & Tikk 2011, as the implicit
// package): each step costs two products with the gathered rows and one
// with the base, O(L·k + k²), and none forms G.
func (s *rowSolver) conjugateGradient(a []float64, cols []int, g, q, b []float64, pr rowProblem, steps int) {
	k := s.k
	a = a[:k]
	res, dir, gd := s.cg[0], s.cg[1], s.cg[2]
	gb := s.gather(cols, g, q, b, &pr)
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
	if pr.base != nil { // full, both triangles: a general product runs faster than Symv
		blas64.Gemv(blas.NoTrans, 1, general(k, k, pr.base), vv, 0, dv)
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

// rowPass runs the rows of one side of a row-solving fit (weighted ALS,
// implicit ALS) on the pool in fixed blocks, each block with a rowSolver of
// its goroutine: row(rs, i) solves or scores row i and returns its shares
// of two sums, or false when its system is singular. The block sums are
// added in block order, so the sums are the same bits on any number of
// cores, and the first failing row is found in row order.
type rowPass struct {
	pool    *pool
	row     func(rs *rowSolver, i int) (float64, float64, bool)
	grain   int
	partial []float64 // two sums a block
	failed  []int     // the failing row of each block, or −1
	work    workspaces[rowSolver]
	fn      func(lo, hi int)
	task    task
}

// newRowPass returns a pass for k-entry rows of at most longest entries;
// row is bound once, so that a pass allocates nothing.
func newRowPass(p *pool, k, longest int, row func(rs *rowSolver, i int) (float64, float64, bool)) *rowPass {
	rp := &rowPass{pool: p, row: row}
	rp.work = newWorkspaces(p, func() *rowSolver { return newRowSolver(k, longest) })
	rp.fn = rp.rows
	return rp
}

// run runs rows 0..rows-1, each costing about perRow operations, and
// returns the two sums of their shares and the first failing row (−1 if
// none).
func (rp *rowPass) run(rows, perRow int) (s1, s2 float64, failed int) {
	rp.grain = grainFor(perRow)
	blocks := numBlocks(rows, rp.grain)
	rp.partial = grow(rp.partial, 2*blocks)
	if cap(rp.failed) < blocks {
		rp.failed = make([]int, blocks)
	}
	rp.failed = rp.failed[:blocks]
	rp.pool.run(&rp.task, rows, rp.grain, rp.fn)
	for _, i := range rp.failed {
		if i >= 0 {
			return 0, 0, i
		}
	}
	s1, s2 = sumPairs(rp.partial)
	return s1, s2, -1
}

func (rp *rowPass) rows(lo, hi int) {
	rs := rp.work.get()
	defer rp.work.put(rs)
	blk := lo / rp.grain
	rp.failed[blk] = -1
	var s1, s2 float64
	for i := lo; i < hi; i++ {
		a, b, ok := rp.row(rs, i)
		if !ok {
			rp.failed[blk] = i
			return
		}
		s1 += a
		s2 += b
	}
	rp.partial[2*blk], rp.partial[2*blk+1] = s1, s2
}

// rowCost is the operations of a row solve of a side with the mean number
// of entries of omega a row: its Gram matrix and factorization.
func rowCost(omega *CSR, k int) int { return (omega.NNZ()/max(omega.rows, 1) + k) * k * k }
