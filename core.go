package factor

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// core is the state every solver shares: the data, the factors W (n×k) and
// Ht = Hᵀ (m×k), both row-major, and the reusable product jobs. Storing H
// transposed makes the update of H the mirror image of the update of W:
// updating a factor A (rows×k) against the other factor B (cols×k) reads
// X·B for W and Xᵀ·B for Ht.
type core struct {
	in      *input
	n, m, k int
	w, ht   []float64
	pool    *pool
	mulJ    *mulJob
	gramJ   *gramJob
	spmmJ   *spmmJob
	scatJ   *scatterJob
}

func newCore(in *input, k int, w, ht []float64, p *pool) core {
	return core{
		in: in, n: in.n, m: in.m, k: k, w: w, ht: ht, pool: p,
		mulJ: newMulJob(), gramJ: newGramJob(), spmmJ: newSpmmJob(), scatJ: newScatterJob(),
	}
}

// crossW sets dst (n×k) to X·Ht.
func (c *core) crossW(dst []float64) { c.mulX(dst, c.ht, c.k) }

// crossH sets dst (m×k) to Xᵀ·W.
func (c *core) crossH(dst []float64) { c.mulXT(dst, c.w, c.k) }

// mulX sets dst (n×l) to X·b for b (m×l).
func (c *core) mulX(dst, b []float64, l int) {
	if c.in.sparse() {
		c.spmmJ.mul(c.pool, dst, c.in.csr, b, l)
		return
	}
	c.mulJ.mul(c.pool, general(c.n, l, dst), c.in.dense, false, general(c.m, l, b), false)
}

// mulXT sets dst (m×l) to Xᵀ·a for a (n×l).
func (c *core) mulXT(dst, a []float64, l int) {
	if c.in.sparse() {
		c.mulSparseXT(dst, a, l)
		return
	}
	c.mulJ.mul(c.pool, general(c.m, l, dst), c.in.dense, true, general(c.n, l, a), false)
}

// gatherBytes bounds the size of a dense operand a for which Xᵀ·a runs as
// the row-by-row product with Xᵀ, gathering a's rows, which then stay in
// cache; a larger a is read in order by scattering over X's rows instead.
// Both give the same bits.
const gatherBytes = 1 << 20

// gatherT reports whether Xᵀ·a for an a of l columns gathers.
func (c *core) gatherT(l int) bool { return 8*c.n*l <= gatherBytes }

// prepareXT builds, for a sparse X, what the products Xᵀ·a with a of k
// columns will read (Xᵀ or X's column ranges), so that the iterations that
// use them allocate nothing. Solvers that never form Xᵀ·a skip it.
func (c *core) prepareXT() {
	switch {
	case !c.in.sparse():
	case c.gatherT(c.k):
		c.in.transposed()
	default:
		c.in.columnRanges(c.pool.size())
	}
}

// mulSparseXT sets dst (m×l) to Xᵀ·a for a sparse X.
func (c *core) mulSparseXT(dst, a []float64, l int) {
	if c.gatherT(l) {
		xt := c.in.transposed()
		c.spmmJ.mul(c.pool, dst, xt, a, l)
		return
	}
	c.scatJ.mulT(c.pool, dst, c.in.csr, c.in.columnRanges(c.pool.size()), a, l)
}

// gram sets dst (k×k) to fᵀf for a factor f with rows rows.
func (c *core) gram(dst, f []float64, rows int) {
	c.gramJ.gram(c.pool, dst, f, rows, c.k)
}

// mulSmall sets dst (rows×k) to a (rows×k) times the k×k matrix g.
func (c *core) mulSmall(dst, a []float64, rows int, g []float64) {
	c.mulJ.mul(c.pool, general(rows, c.k, dst), general(rows, c.k, a), false, general(c.k, c.k, g), false)
}

// gramObjective returns ‖X − WH‖² from the Gram identity
// ‖X‖² − 2⟨Ht, XᵀW⟩ + ⟨WᵀW, HHᵀ⟩, given crossH = XᵀW, gramW = WᵀW and
// gramH = HHᵀ. It costs O(mk) but loses accuracy to cancellation when the
// fit is nearly exact (absolute error about ε·‖X‖²); it is clamped at 0.
func (c *core) gramObjective(crossH, gramW, gramH []float64) float64 {
	v := c.in.sumSq - 2*dot(c.ht, crossH) + dot(gramW, gramH)
	return max(v, 0)
}

// finite reports whether every entry of W and Ht is finite: their sum is
// finite exactly then, unless it overflows, which also calls for an error.
func (c *core) finite() bool {
	var s float64
	for _, v := range c.w {
		s += v
	}
	for _, v := range c.ht {
		s += v
	}
	return isFinite(s)
}

// factorW returns W, for the stopping rule on its change.
func (c *core) factorW() []float64 { return c.w }

// residualSq returns ‖X − W·Ht‖² for dense X exactly, in row blocks of
// W·Hᵀ so that no n×m temporary is formed.
func (c *core) residualSq() float64 {
	const rowsPer = 64
	buf := make([]float64, rowsPer*c.m)
	var s float64
	for r0 := 0; r0 < c.n; r0 += rowsPer {
		r1 := min(r0+rowsPer, c.n)
		block := general(r1-r0, c.m, buf)
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, general(r1-r0, c.k, c.w[r0*c.k:]), general(c.m, c.k, c.ht), 0, block)
		for i := r0; i < r1; i++ {
			x := c.in.denseRow(i)
			y := buf[(i-r0)*c.m : (i-r0+1)*c.m]
			for j, v := range x {
				d := v - y[j]
				s += d * d
			}
		}
	}
	return s
}
