package factor

import (
	"math"
	"reflect"
	"sync"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// input is the data matrix X (n×m) in the form the solvers read: dense
// row-major, or CSR (with its transpose when products need it). A dense X
// with many zeros can be held both ways (preferSparse).
type input struct {
	n, m  int
	dense blas64.General // X as given, when dense
	csr   *CSR           // X as CSR: the solvers take the sparse path when set
	sumSq float64        // ‖X‖² (Σ M·x² over Ω when observed), summed in a fixed order
	scale float64        // X is the data divided by scale (see scaled), 1 unless scaled

	// A fit that counts only some entries of X (WithWeights,
	// WithObservedOnly) holds them, Ω, as the stored entries of csr, and
	// their weights in weight (nil: all 1); the entries not stored are
	// missing, not zero (see observed.go).
	observed  bool
	weight    []float64
	fromDense bool // X was given dense: the start's SVD reads a dense fill

	once    sync.Once // builds csrT, Xᵀ, on first use, and weightT
	csrT    *CSR
	weightT []float64 // the weights in csrT's order

	mu     sync.Mutex // guards ranges; restarts share the input
	ranges map[int]*colRanges
}

// newInput takes X for a fit or a transform. A *mat.Dense is read in place,
// a *CSR (or the transpose of one) stays sparse, and any other mat.Matrix is
// copied once into a dense matrix. The name is used in error messages.
func newInput(x mat.Matrix, name string) (*input, error) { return readInput(x, name, false) }

// readInput is newInput, but for NaN entries of a dense x, which it allows
// when missing is set (they mark missing entries; ±Inf is still an error).
func readInput(x mat.Matrix, name string, missing bool) (*input, error) {
	if isNil(x) {
		return nil, shapeError("%s is nil", name)
	}
	n, m := x.Dims()
	if n < 1 || m < 1 {
		return nil, shapeError("%s is %d×%d, want at least 1×1", name, n, m)
	}
	in := &input{n: n, m: m, scale: 1}
	in.csr, in.dense = sparseOrDense(x)
	if !in.sparse() {
		bad := func(v float64) bool { return !isFinite(v) }
		if missing {
			bad = func(v float64) bool { return math.IsInf(v, 0) }
		}
		if i, j, v, ok := in.find(bad); ok {
			return nil, &EntryError{Matrix: name, Row: i, Col: j, Value: v, Err: ErrNotFinite}
		}
	}
	in.sumSq = in.sumSquares()
	return in, nil
}

// sparseOrDense returns a *CSR x (or the transpose of one) as CSR, and any
// other matrix dense: a *mat.Dense in place, others copied once.
func sparseOrDense(x mat.Matrix) (*CSR, blas64.General) {
	switch x := x.(type) {
	case *CSR:
		return x, blas64.General{}
	case mat.Transpose:
		if c, ok := x.Matrix.(*CSR); ok {
			return c.transpose(), blas64.General{}
		}
	}
	d, ok := x.(*mat.Dense)
	if !ok {
		d = mat.DenseCopyOf(x)
	}
	return nil, d.RawMatrix()
}

// sparse reports whether the solvers take the sparse path.
func (in *input) sparse() bool { return in.csr != nil }

// hasDense reports whether X is also held dense, for exact residuals.
func (in *input) hasDense() bool { return in.dense.Data != nil }

// sparseDensity is the largest share of nonzero entries at which a dense X
// is also held as CSR for the Frobenius and Kullback-Leibler solvers.
const sparseDensity = 0.6

// preferSparse makes the solvers take the sparse path when X is dense but at
// most sparseDensity of its entries are nonzero: the products then skip the
// zeros, which leaves every sum and so every result bit the same (a zero
// term does not change a sum), at a fraction of the cost. It does nothing
// when blas64 runs another implementation than gonum's, such as OpenBLAS,
// whose dense products beat the sparse kernels at such densities.
func (in *input) preferSparse() {
	if in.sparse() || !nativeBLAS() {
		return
	}
	nonzero := 0
	for i := 0; i < in.n; i++ {
		for _, v := range in.denseRow(i) {
			if v != 0 {
				nonzero++
			}
		}
	}
	if float64(nonzero) > sparseDensity*float64(in.n)*float64(in.m) {
		return
	}
	indptr := make([]int, in.n+1)
	indices := make([]int, 0, nonzero)
	data := make([]float64, 0, nonzero)
	for i := 0; i < in.n; i++ {
		for j, v := range in.denseRow(i) {
			if v != 0 {
				indices = append(indices, j)
				data = append(data, v)
			}
		}
		indptr[i+1] = len(data)
	}
	in.csr = &CSR{rows: in.n, cols: in.m, indptr: indptr, indices: indices, data: data}
}

// transposed returns Xᵀ as CSR, building it once; it is safe for
// concurrent use.
func (in *input) transposed() *CSR {
	in.once.Do(func() { in.csrT, in.weightT = in.csr.transposeCarrying(in.weight) })
	return in.csrT
}

// transposedWeights returns the weights in the order of transposed's
// entries (nil when all are 1).
func (in *input) transposedWeights() []float64 {
	in.transposed()
	return in.weightT
}

// columnRanges returns X's columns cut into n ranges for products with Xᵀ
// on n goroutines, computing them once for each n.
func (in *input) columnRanges(n int) *colRanges {
	in.mu.Lock()
	defer in.mu.Unlock()
	if cr, ok := in.ranges[n]; ok {
		return cr
	}
	if in.ranges == nil {
		in.ranges = map[int]*colRanges{}
	}
	cr := newColRanges(in.csr, n)
	in.ranges[n] = cr
	return cr
}

// count is the number of entries a mean of X is over: |Ω| when observed,
// else all n·m.
func (in *input) count() float64 {
	if in.observed {
		return float64(in.csr.NNZ())
	}
	return float64(in.n) * float64(in.m)
}

// nnz is the number of entries that are stored: all n·m when dense.
func (in *input) nnz() int {
	if in.sparse() {
		return in.csr.NNZ()
	}
	return in.n * in.m
}

// denseRow returns row i of a dense X.
func (in *input) denseRow(i int) []float64 {
	s := in.dense.Stride * i
	return in.dense.Data[s : s+in.m]
}

// find returns the first entry (row-major) for which bad is true.
func (in *input) find(bad func(float64) bool) (i, j int, v float64, found bool) {
	if in.sparse() {
		c := in.csr
		for i := 0; i < c.rows; i++ {
			for p := c.indptr[i]; p < c.indptr[i+1]; p++ {
				if bad(c.data[p]) {
					return i, c.indices[p], c.data[p], true
				}
			}
		}
		return 0, 0, 0, false
	}
	for i := 0; i < in.n; i++ {
		for j, v := range in.denseRow(i) {
			if bad(v) {
				return i, j, v, true
			}
		}
	}
	return 0, 0, 0, false
}

// checkNMF checks what NMF needs of X: no negative entry and, for beta ≤ 0,
// no zero (stored or not; for observed data, among the observed entries).
func (in *input) checkNMF(name string, beta float64) error {
	if i, j, v, ok := in.find(func(v float64) bool { return v < 0 }); ok {
		return &EntryError{Matrix: name, Row: i, Col: j, Value: v, Err: ErrNegative}
	}
	if beta > 0 {
		return nil
	}
	if i, j, v, ok := in.find(func(v float64) bool { return v == 0 }); ok {
		return &EntryError{Matrix: name, Row: i, Col: j, Value: v, Err: ErrZeroEntries}
	}
	if in.sparse() && !in.observed && in.csr.NNZ() < in.n*in.m {
		i, j := in.csr.firstUnstored()
		return &EntryError{Matrix: name, Row: i, Col: j, Value: 0, Err: ErrZeroEntries}
	}
	return nil
}

// firstUnstored returns the first position (row-major) with no stored entry.
func (c *CSR) firstUnstored() (i, j int) {
	for i := 0; i < c.rows; i++ {
		lo, hi := c.indptr[i], c.indptr[i+1]
		for j := 0; j < c.cols; j++ {
			if j >= hi-lo || c.indices[lo+j] != j {
				return i, j
			}
		}
	}
	return -1, -1
}

// sum returns Σ x over the stored entries, in row-major order.
func (in *input) sum() float64 {
	var s float64
	if in.sparse() {
		for _, v := range in.csr.data {
			s += v
		}
		return s
	}
	for i := 0; i < in.n; i++ {
		for _, v := range in.denseRow(i) {
			s += v
		}
	}
	return s
}

// mean returns the mean of all n·m entries of X, or of the observed ones
// (unweighted) when only some are observed.
func (in *input) mean() float64 {
	if in.observed {
		return in.sum() / max(in.count(), 1)
	}
	return in.sum() / float64(in.n) / float64(in.m)
}

func (in *input) sumSquares() float64 {
	var s float64
	if in.sparse() {
		for p, v := range in.csr.data {
			if in.weight != nil {
				s += in.weight[p] * v * v
				continue
			}
			s += v * v
		}
		return s
	}
	for i := 0; i < in.n; i++ {
		for _, v := range in.denseRow(i) {
			s += v * v
		}
	}
	return s
}

// isNil reports whether m is nil, a nil pointer in the interface, or the
// transpose of one, all of which would panic in Dims.
func isNil(m mat.Matrix) bool {
	if t, ok := m.(mat.Transpose); ok {
		return isNil(t.Matrix)
	}
	if m == nil {
		return true
	}
	v := reflect.ValueOf(m)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
