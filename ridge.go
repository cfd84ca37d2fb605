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
	k     int
	u     []float64 // the Cholesky factor, k×k
	a     []float64
	fn    func(lo, hi int)
	task  task
	ridge float64
}

func newRidgeJob(k int, ridge float64) *ridgeJob {
	j := &ridgeJob{k: k, u: make([]float64, k*k), ridge: ridge}
	j.fn = j.rows
	return j
}

// solve overwrites a (rows×k) with cross·(gram + ridge·I)⁻¹. It fails with
// ErrRank when the matrix is not positive definite.
func (j *ridgeJob) solve(p *pool, a, cross, gram []float64, rows int) error {
	regularizedGram(j.u, gram, j.k, j.ridge)
	if !isFinite(sqNorm(j.u)) {
		return fmt.Errorf("%w: the %d×%d ridge system overflowed float64; rescale X", ErrNotFinite, j.k, j.k)
	}
	sym := blas64.Symmetric{N: j.k, Stride: j.k, Data: j.u, Uplo: blas.Upper}
	if _, ok := lapack64.Potrf(sym); !ok {
		return fmt.Errorf("%w: the %d×%d ridge system is numerically singular; raise WithAlpha (now %g) relative to the scale of X, or lower K", ErrRank, j.k, j.k, j.ridge)
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
