package factor

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
)

// Dense products go through gonum's blas64 when another implementation is
// in use (blas64.Use with OpenBLAS through gonum's netlib package), as one
// call so that the library can thread and block it. With gonum's own
// pure-Go implementation they go through gemm.go's kernels instead, which
// suit the tall, k-column shapes of NMF better, allocate nothing and give
// the same bits for any GOMAXPROCS.

// nativeBLAS reports whether blas64 runs gonum's own implementation.
func nativeBLAS() bool {
	_, ok := blas64.Implementation().(gonum.Implementation)
	return ok
}

// mulJob computes c = op(a)·op(b). A solver keeps one and reuses it.
type mulJob struct {
	gemm      *gemmJob
	packed    []float64 // op(b) copied row-major when b is transposed
	nativeImp bool
}

func newMulJob() *mulJob {
	return &mulJob{gemm: newGemmJob(), nativeImp: nativeBLAS()}
}

// mul sets c = op(a)·op(b), where op transposes when the flag is set.
func (j *mulJob) mul(p *pool, c blas64.General, a blas64.General, transA bool, b blas64.General, transB bool) {
	if !j.nativeImp {
		tA, tB := blas.NoTrans, blas.NoTrans
		if transA {
			tA = blas.Trans
		}
		if transB {
			tB = blas.Trans
		}
		blas64.Gemm(tA, tB, 1, a, b, 0, c)
		return
	}
	inner := a.Cols
	pa := operand{data: a.Data, ls: 1, rs: a.Stride}
	if transA {
		inner = a.Rows
		pa = operand{data: a.Data, ls: a.Stride, rs: 1}
	}
	qb := operand{data: b.Data, ls: b.Stride, rs: 1}
	if transB {
		// Copy bᵀ so that the kernel reads its rows contiguously.
		j.packed = grow(j.packed, b.Rows*b.Cols)
		for r := 0; r < b.Rows; r++ {
			for t, v := range b.Data[r*b.Stride : r*b.Stride+b.Cols] {
				j.packed[t*b.Rows+r] = v
			}
		}
		qb = operand{data: j.packed, ls: b.Rows, rs: 1}
	}
	j.gemm.run(p, c.Rows, c.Cols, inner, pa, qb, c.Data, c.Stride)
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

// gramGrain is the block size in rows of the Gram's partial sums.
func gramGrain(k int) int { return grainFor(k * k) }

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
	syrkSerial(k, hi-lo, operand{data: j.f[lo*k : hi*k], ls: k, rs: 1}, j.partial[blk*k*k:(blk+1)*k*k])
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
