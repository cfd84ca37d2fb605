package factor

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// ridgeJob solves the ridge system of one ALS half-iteration,
// A·(G + ridge·I) = C, for all rows of A at once: a Cholesky factorization
// G + ridge·I = UᵀU of the k×k matrix, then two triangular solves per row,
// never an explicit inverse. Rows are solved in parallel blocks.
type ridgeJob struct {
	k    int
	u    []float64 // the Cholesky factor, k×k
	a    []float64
	fn   func(lo, hi int)
	task task
}

func newRidgeJob(k int) *ridgeJob {
	j := &ridgeJob{k: k, u: make([]float64, k*k)}
	j.fn = j.rows
	return j
}

// solve overwrites a (rows×k) with cross·(gram + ridge·I)⁻¹. It fails with
// ErrRank when the matrix is not positive definite.
func (j *ridgeJob) solve(p *pool, a, cross, gram []float64, rows int, ridge float64) error {
	regularizedGram(j.u, gram, j.k, ridge)
	if !isFinite(sqNorm(j.u)) {
		return fmt.Errorf("%w: the %d×%d ridge system overflowed float64; rescale X", ErrNotFinite, j.k, j.k)
	}
	sym := blas64.Symmetric{N: j.k, Stride: j.k, Data: j.u, Uplo: blas.Upper}
	if _, ok := lapack64.Potrf(sym); !ok {
		return fmt.Errorf("%w: the %d×%d ridge system is numerically singular; raise WithAlpha (ridge %g) relative to the scale of X, or lower K", ErrRank, j.k, j.k, ridge)
	}
	copy(a[:rows*j.k], cross)
	j.a = a
	p.run(&j.task, rows, grainFor(2*j.k*j.k), j.fn)
	j.a = nil
	return nil
}

func (j *ridgeJob) upper() blas64.Triangular {
	return blas64.Triangular{N: j.k, Stride: j.k, Data: j.u, Uplo: blas.Upper, Diag: blas.NonUnit}
}

// rows solves rows lo..hi-1: A·UᵀU = C, as Y·U = C, then A·Uᵀ = Y.
func (j *ridgeJob) rows(lo, hi int) {
	b := general(hi-lo, j.k, j.a[lo*j.k:])
	blas64.Trsm(blas.Right, blas.NoTrans, 1, j.upper(), b)
	blas64.Trsm(blas.Right, blas.Trans, 1, j.upper(), b)
}

// nnlsJob solves the non-negative least squares problems of all rows of a
// factor against one Gram matrix: each row a_i is the exact minimizer of
// ½·a_iᵀ(G + l2·I)·a_i − (c_i − l1)·a_i over a_i ≥ 0 (nnqp), for the cross
// product rows c_i. It is the W step of Transform for Frobenius NMF and the
// half-iteration of VanillaALS with WithNonNegative on complete data. Rows
// are solved in parallel blocks, each goroutine with its own nnqp, so that
// a solve allocates nothing.
type nnlsJob struct {
	k        int
	g        []float64 // G + l2·I
	a, cross []float64
	l1       float64
	work     workspaces[nnlsScratch]
	fn       func(lo, hi int)
	task     task
}

type nnlsScratch struct {
	q *nnqp
	b []float64
}

func newNNLSJob(p *pool, k int) *nnlsJob {
	j := &nnlsJob{k: k, g: make([]float64, k*k)}
	j.work = newWorkspaces(p, func() *nnlsScratch { return &nnlsScratch{q: newNNQP(k), b: make([]float64, k)} })
	j.fn = j.rows
	return j
}

// solve overwrites a (rows×k) with the solutions for cross (rows×k), the
// Gram matrix gram and the penalty pen.
func (j *nnlsJob) solve(p *pool, a, cross, gram []float64, rows int, pen penalty) {
	regularizedGram(j.g, gram, j.k, pen.l2)
	j.a, j.cross, j.l1 = a, cross, pen.l1
	p.run(&j.task, rows, grainFor(4*j.k*j.k*j.k), j.fn)
	j.a, j.cross = nil, nil
}

func (j *nnlsJob) rows(lo, hi int) {
	sc := j.work.get()
	defer j.work.put(sc)
	k := j.k
	for i := lo; i < hi; i++ {
		for t, v := range j.cross[i*k : i*k+k] {
			sc.b[t] = v - j.l1
		}
		sc.q.solve(j.a[i*k:i*k+k], j.g, sc.b)
	}
}
