package factor

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
)

// Dense products go through gonum's blas64, so that blas64.Use with another
// implementation (OpenBLAS through gonum's netlib package) speeds them up.
// With gonum's own pure-Go implementation, products are cut into tiles small
// enough for gonum to compute serially and spread over the pool: this keeps
// every element's sum in one fixed order (bit-identical results for any
// GOMAXPROCS) and allocates nothing per product.

// Tile sizes for the native implementation: gonum multiplies serially when
// the output spans fewer than 4 of its 64×64 blocks.
const (
	tileRows = 64
	tileCols = 192
)

// nativeBLAS reports whether blas64 runs gonum's own implementation.
func nativeBLAS() bool {
	_, ok := blas64.Implementation().(gonum.Implementation)
	return ok
}

// mulJob computes c = op(a)·op(b) tile by tile. A solver keeps one and reuses
// it; fn is bound once so that running it allocates nothing.
type mulJob struct {
	tA, tB    blas.Transpose
	a, b, c   blas64.General
	colTiles  int
	fn        func(lo, hi int)
	task      task
	nativeImp bool
}

func newMulJob() *mulJob {
	j := &mulJob{nativeImp: nativeBLAS()}
	j.fn = j.tiles
	return j
}

// mul sets c = op(a)·op(b), where op transposes when the flag is set.
func (j *mulJob) mul(p *pool, c blas64.General, a blas64.General, transA bool, b blas64.General, transB bool) {
	j.tA, j.tB = blas.NoTrans, blas.NoTrans
	if transA {
		j.tA = blas.Trans
	}
	if transB {
		j.tB = blas.Trans
	}
	if !j.nativeImp {
		blas64.Gemm(j.tA, j.tB, 1, a, b, 0, c)
		return
	}
	j.a, j.b, j.c = a, b, c
	rowTiles := numBlocks(c.Rows, tileRows)
	j.colTiles = numBlocks(c.Cols, tileCols)
	p.run(&j.task, rowTiles*j.colTiles, 1, j.fn)
	j.a, j.b, j.c = blas64.General{}, blas64.General{}, blas64.General{}
}

// tiles computes the output tiles lo..hi-1, numbered row-major.
func (j *mulJob) tiles(lo, hi int) {
	for t := lo; t < hi; t++ {
		r0 := (t / j.colTiles) * tileRows
		c0 := (t % j.colTiles) * tileCols
		r1 := min(r0+tileRows, j.c.Rows)
		c1 := min(c0+tileCols, j.c.Cols)
		a := rowsOf(j.a, r0, r1, j.tA == blas.Trans)
		b := colsOf(j.b, c0, c1, j.tB == blas.Trans)
		blas64.Gemm(j.tA, j.tB, 1, a, b, 0, subGeneral(j.c, r0, r1, c0, c1))
	}
}

// rowsOf returns the part of a that makes rows r0..r1-1 of op(a).
func rowsOf(a blas64.General, r0, r1 int, trans bool) blas64.General {
	if trans {
		return subGeneral(a, 0, a.Rows, r0, r1)
	}
	return subGeneral(a, r0, r1, 0, a.Cols)
}

// colsOf returns the part of b that makes columns c0..c1-1 of op(b).
func colsOf(b blas64.General, c0, c1 int, trans bool) blas64.General {
	if trans {
		return subGeneral(b, c0, c1, 0, b.Cols)
	}
	return subGeneral(b, 0, b.Rows, c0, c1)
}

// subGeneral returns rows r0..r1-1, columns c0..c1-1 of g, sharing storage.
func subGeneral(g blas64.General, r0, r1, c0, c1 int) blas64.General {
	if r1 <= r0 || c1 <= c0 {
		return blas64.General{Rows: r1 - r0, Cols: c1 - c0, Stride: max(g.Stride, 1)}
	}
	start := r0*g.Stride + c0
	end := (r1-1)*g.Stride + c1
	return blas64.General{Rows: r1 - r0, Cols: c1 - c0, Stride: g.Stride, Data: g.Data[start:end]}
}

// gramJob computes the k×k Gram matrix bᵀb of a tall b (rows×k) as a sum of
// per-block partial Grams added in block order, so that it is the same bits
// for any number of goroutines.
type gramJob struct {
	b       blas64.General
	grain   int
	partial []float64 // blocks × k × k
	fn      func(lo, hi int)
	task    task
	native  bool
}

func newGramJob() *gramJob {
	j := &gramJob{native: nativeBLAS()}
	j.fn = j.blocks
	return j
}

// gram sets dst (k×k, contiguous) to bᵀb.
func (j *gramJob) gram(p *pool, dst []float64, b blas64.General) {
	k := b.Cols
	if !j.native {
		c := blas64.Symmetric{N: k, Stride: k, Data: dst, Uplo: blas.Upper}
		blas64.Syrk(blas.Trans, 1, b, 0, c)
		mirrorUpper(dst, k)
		return
	}
	j.grain = grainFor(k * k)
	blocks := numBlocks(b.Rows, j.grain)
	if need := blocks * k * k; cap(j.partial) < need {
		j.partial = make([]float64, need)
	}
	j.b = b
	p.run(&j.task, b.Rows, j.grain, j.fn)
	j.b = blas64.General{}
	clear(dst[:k*k])
	for blk := 0; blk < blocks; blk++ {
		part := j.partial[blk*k*k : (blk+1)*k*k]
		for s := 0; s < k; s++ {
			for t := s; t < k; t++ {
				dst[s*k+t] += part[s*k+t]
			}
		}
	}
	mirrorUpper(dst, k)
}

// blocks computes the partial Grams of the row blocks covering lo..hi-1.
func (j *gramJob) blocks(lo, hi int) {
	k := j.b.Cols
	blk := lo / j.grain
	part := blas64.Symmetric{N: k, Stride: k, Data: j.partial[blk*k*k : (blk+1)*k*k], Uplo: blas.Upper}
	blas64.Syrk(blas.Trans, 1, subGeneral(j.b, lo, hi, 0, k), 0, part)
}

// mirrorUpper copies the upper triangle of the k×k matrix a to its lower one.
func mirrorUpper(a []float64, k int) {
	for s := 0; s < k; s++ {
		for t := s + 1; t < k; t++ {
			a[t*k+s] = a[s*k+t]
		}
	}
}

// general wraps a contiguous rows×cols slice.
func general(rows, cols int, data []float64) blas64.General {
	return blas64.General{Rows: rows, Cols: cols, Stride: max(cols, 1), Data: data[:rows*cols]}
}
