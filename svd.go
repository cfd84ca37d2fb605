package factor

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// exactSVDWork bounds n·m·min(n, m) for the exact SVD of a dense X; larger
// inputs use the randomized SVD, as does every X held only as CSR, which is
// never made dense.
const exactSVDWork = 1e8

// truncatedSVD returns the k leading singular triplets of X: U (n×k), the
// singular values s (k, decreasing) and V (m×k), both row-major. Small
// dense inputs get gonum's exact thin SVD; larger ones, and sparse ones, the
// randomized SVD of Halko, Martinsson & Tropp with 10 oversamples and 7
// power iterations (4 when k ≥ min(n, m)/10), as scikit-learn's
// randomized_svd, whose accuracy is ample for an initialization (and exact
// to rounding when k + 10 ≥ min(n, m)).
func truncatedSVD(c *core, k int, rng *rand.Rand) (u, s, v []float64, ok bool) {
	return truncatedSVDPowers(c, k, powerIterations(k, c.n, c.m), rng)
}

// powerIterations is the number of power iterations of the randomized SVD
// of k triplets of an n×m matrix: 7, or 4 when k ≥ min(n, m)/10.
func powerIterations(k, n, m int) int {
	if k >= min(n, m)/10 {
		return 4
	}
	return 7
}

// truncatedSVDPowers is truncatedSVD with iters power iterations, should
// it take the randomized SVD.
func truncatedSVDPowers(c *core, k, iters int, rng *rand.Rand) (u, s, v []float64, ok bool) {
	n, m := c.n, c.m
	if c.in.hasDense() && float64(n)*float64(m)*float64(min(n, m)) <= exactSVDWork {
		return exactSVD(c.in, k)
	}
	return randomizedSVD(c, k, iters, rng)
}

func exactSVD(in *input, k int) (u, s, v []float64, ok bool) {
	var x mat.Dense
	x.SetRawMatrix(in.dense)
	var svd mat.SVD
	if !svd.Factorize(&x, mat.SVDThin) {
		return nil, nil, nil, false
	}
	var uf, vf mat.Dense
	svd.UTo(&uf)
	svd.VTo(&vf)
	return leadingColumns(&uf, k), svd.Values(nil)[:k], leadingColumns(&vf, k), true
}

// leadingColumns returns the first k columns of a as a row-major slice.
func leadingColumns(a *mat.Dense, k int) []float64 {
	r, _ := a.Dims()
	out := make([]float64, r*k)
	for i := 0; i < r; i++ {
		copy(out[i*k:(i+1)*k], a.RawRowView(i)[:k])
	}
	return out
}

func randomizedSVD(c *core, k, iters int, rng *rand.Rand) (u, s, v []float64, ok bool) {
	n, m := c.n, c.m
	l := min(k+10, n, m)

	omega := make([]float64, m*l)
	for i := range omega {
		omega[i] = rng.NormFloat64()
	}
	y := make([]float64, n*l) // X·(something m×l), orthonormalized
	z := make([]float64, m*l) // Xᵀ·(something n×l), orthonormalized
	// The power iterations only need the sketch kept well scaled, which one
	// CholeskyQR step does; the basis Q the SVD is read through gets two.
	c.mulX(y, omega, l)
	c.orthonormalize(y, n, l, 1)
	for range iters {
		if c.pool.stopped.Load() { // the fit's context is done
			return nil, nil, nil, false
		}
		c.mulXT(z, y, l)
		c.orthonormalize(z, m, l, 1)
		c.mulX(y, z, l)
		c.orthonormalize(y, n, l, 1)
	}
	c.orthonormalize(y, n, l, 1)
	// Bᵀ = Xᵀ·Q (m×l); Bᵀ = Ub·Σ·Vbᵀ gives X ≈ Q·B = (Q·Vb)·Σ·Ubᵀ.
	c.mulXT(z, y, l)
	if c.pool.stopped.Load() {
		return nil, nil, nil, false
	}
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(m, l, z), mat.SVDThin) {
		return nil, nil, nil, false
	}
	var ub, vb, qv mat.Dense
	svd.UTo(&ub)
	svd.VTo(&vb)
	qv.Mul(mat.NewDense(n, l, y), &vb)
	return leadingColumns(&qv, k), svd.Values(nil)[:k], leadingColumns(&ub, k), true
}

// orthonormalize replaces the rows×cols matrix a (rows ≥ cols) by a basis
// of its columns: steps of CholeskyQR (a ← a·R⁻¹ with aᵀa = RᵀR), whose
// Gram matrix and triangular solves run on the pool, or Householder QR when
// a is too ill-conditioned for the Cholesky factorization. One step leaves
// the columns orthonormal to about κ(a)²·1e-16; two (CholeskyQR2) to working
// precision.
func (c *core) orthonormalize(a []float64, rows, cols, steps int) {
	for range steps {
		if c.pool.stopped.Load() { // the fit's context is done: a is garbage
			return
		}
		if !c.choleskyQRStep(a, rows, cols) {
			householderQ(a, rows, cols)
			return
		}
	}
}

// choleskyQRStep sets a to a·R⁻¹ for the Cholesky factor R of aᵀa. It
// reports false, leaving a unchanged, if R is singular or so ill-conditioned
// (a pivot below 1e-6 of the largest) that the result would not be
// orthonormal to working precision after a second step.
func (c *core) choleskyQRStep(a []float64, rows, cols int) bool {
	g := make([]float64, cols*cols)
	c.gramJ.gram(c.pool, g, a, rows, cols)
	r, ok := lapack64.Potrf(blas64.Symmetric{N: cols, Stride: cols, Data: g, Uplo: blas.Upper})
	if !ok {
		return false
	}
	lo, hi := math.Inf(1), 0.0
	for i := 0; i < cols; i++ {
		lo, hi = min(lo, g[i*cols+i]), max(hi, g[i*cols+i])
	}
	if !(lo > 1e-6*hi) {
		return false
	}
	var t task
	c.pool.run(&t, rows, grainFor(cols*cols), func(lo, hi int) {
		if !trsmVec(a[lo*cols:hi*cols], hi-lo, cols, r.Data) {
			blas64.Trsm(blas.Right, blas.NoTrans, 1, r, general(hi-lo, cols, a[lo*cols:]))
		}
	})
	return true
}

// householderQ replaces a by the rows×cols Q factor of its thin Householder
// QR factorization.
func householderQ(a []float64, rows, cols int) {
	g := general(rows, cols, a)
	tau := make([]float64, cols)
	work := make([]float64, 1)
	lapack64.Geqrf(g, tau, work, -1)
	work = make([]float64, max(int(work[0]), cols))
	lapack64.Geqrf(g, tau, work, len(work))
	lapack64.Orgqr(g, tau, work, -1)
	if need := int(work[0]); need > len(work) {
		work = make([]float64, need)
	}
	lapack64.Orgqr(g, tau, work, len(work))
}
