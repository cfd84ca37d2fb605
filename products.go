package factor

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
)

// Dense products go through gonum's blas64. With another implementation in
// use (blas64.Use with OpenBLAS through gonum's netlib package) a product is
// one call, which the library threads and blocks itself. With gonum's own
// pure-Go implementation the product is cut into tiles small enough for
// gonum to compute serially, spread over the pool: every element is summed
// in one fixed order (the same bits for any GOMAXPROCS) and a product
// allocates nothing, where gonum's own parallel Dgemm starts goroutines.

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
	j.colTiles = numBlocks(c.Cols, tileCols)
	p.run(&j.task, numBlocks(c.Rows, tileRows)*j.colTiles, 1, j.fn)
	j.a, j.b, j.c = blas64.General{}, blas64.General{}, blas64.General{}
}

// tiles computes the output tiles lo..hi-1, numbered row-major.
func (j *mulJob) tiles(lo, hi int) {
	for t := lo; t < hi; t++ {
		r0 := (t / j.colTiles) * tileRows
		c0 := (t % j.colTiles) * tileCols
		r1 := min(r0+tileRows, j.c.Rows)
		c1 := min(c0+tileCols, j.c.Cols)
		var a, b blas64.General
		if j.tA == blas.Trans {
			a = subGeneral(j.a, 0, j.a.Rows, r0, r1)
		} else {
			a = subGeneral(j.a, r0, r1, 0, j.a.Cols)
		}
		if j.tB == blas.Trans {
			b = subGeneral(j.b, c0, c1, 0, j.b.Cols)
		} else {
			b = subGeneral(j.b, 0, j.b.Rows, c0, c1)
		}
		c := subGeneral(j.c, r0, r1, c0, c1)
		if j.tB == blas.NoTrans && gemmVec(c, a, j.tA == blas.Trans, b) {
			continue
		}
		blas64.Gemm(j.tA, j.tB, 1, a, b, 0, c)
	}
}

// subGeneral returns rows r0..r1-1, columns c0..c1-1 of g, sharing storage.
func subGeneral(g blas64.General, r0, r1, c0, c1 int) blas64.General {
	return blas64.General{Rows: r1 - r0, Cols: c1 - c0, Stride: g.Stride, Data: g.Data[r0*g.Stride+c0 : (r1-1)*g.Stride+c1]}
}

// gramJob computes the k×k Gram matrix fᵀf of a tall factor f (rows×k) as
// a sum of per-block partial Grams added in block order, so that it is the
// same bits for any number of goroutines. A solver that passes over the rows
// of f anyway can add the blocks as it goes (begin, addBlock, end) and save a
// pass over f.
type gramJob struct {
	f       []float64
	k       int
	grain   int
	blocks  int
	partial []float64 // blocks × k × k
	fn      func(lo, hi int)
	task    task
	native  bool
}

func newGramJob() *gramJob {
	j := &gramJob{native: nativeBLAS()}
	j.fn = j.addBlock
	return j
}

// gramGrain is the block size in rows of the Gram's partial sums: at least
// 256 rows, so that the partial Grams (one k×k matrix a block) stay few.
func gramGrain(k int) int { return max(grainFor(k*k), 256) }

// gram sets dst (k×k) to fᵀf.
func (j *gramJob) gram(p *pool, dst, f []float64, rows, k int) {
	if !j.native {
		c := blas64.Symmetric{N: k, Stride: k, Data: dst, Uplo: blas.Upper}
		blas64.Syrk(blas.Trans, 1, general(rows, k, f), 0, c)
		mirrorUpper(dst, k)
		return
	}
	j.begin(f, rows, k)
	p.run(&j.task, rows, j.grain, j.fn)
	j.end(dst)
}

// begin starts a Gram of f, whose blocks of gramGrain(k) rows are then added
// by addBlock, in any order and concurrently.
func (j *gramJob) begin(f []float64, rows, k int) {
	j.f, j.k, j.grain = f, k, gramGrain(k)
	j.blocks = numBlocks(rows, j.grain)
	j.partial = grow(j.partial, j.blocks*k*k)
}

// addBlock computes the partial Gram of rows lo..hi-1, one block.
func (j *gramJob) addBlock(lo, hi int) {
	k := j.k
	blk := lo / j.grain
	f := general(hi-lo, k, j.f[lo*k:hi*k])
	if gemmVec(general(k, k, j.partial[blk*k*k:(blk+1)*k*k]), f, true, f) {
		return // the whole fᵀf, of which end reads the upper triangle
	}
	part := blas64.Symmetric{N: k, Stride: k, Data: j.partial[blk*k*k : (blk+1)*k*k], Uplo: blas.Upper}
	blas64.Syrk(blas.Trans, 1, f, 0, part)
}

// end adds the partial Grams in block order into dst.
func (j *gramJob) end(dst []float64) {
	k := j.k
	clear(dst[:k*k])
	for blk := 0; blk < j.blocks; blk++ {
		part := j.partial[blk*k*k : (blk+1)*k*k]
		for s := 0; s < k; s++ {
			for t := s; t < k; t++ {
				dst[s*k+t] += part[s*k+t]
			}
		}
	}
	mirrorUpper(dst, k)
	j.f = nil
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
