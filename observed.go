package factor

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Incomplete and weighted data. A fit with WithWeights or WithObservedOnly
// counts only the entries Ω of X that are observed and of positive weight.
// newObservedInput gathers them, once, into a CSR matrix of their values
// with their weights beside it, in row order (and, built on first use, in
// column order for the updates of H): every solver then visits Ω alone,
// whatever the form X and the weights were given in, and an entry outside
// Ω is never read after the checks below.

// fitInput reads X for a fit with the settings of cfg: the entries Ω
// alone for WithWeights and WithObservedOnly (newObservedInput), all of X
// otherwise.
func (cfg *config) fitInput(x mat.Matrix) (*input, error) {
	if !cfg.incomplete() {
		return newInput(x, "X")
	}
	var weights mat.Matrix
	if cfg.set&optWeights != 0 {
		weights = cfg.weights
	}
	in, err := newObservedInput(x, weights, cfg.observedOnly, "X")
	if err != nil {
		return nil, err
	}
	return in, in.checkObserved("X")
}

// newObservedInput returns the input of a fit (or a Transform) of x with
// the per-entry weights (nil: all 1) where, with observedOnly, only the
// observed entries count: the stored ones of a *CSR x and the non-NaN ones
// of a dense x. It checks that the weights have x's shape and are finite
// and ≥ 0, and that x's entries are finite, but for the NaN of missing
// entries with observedOnly. A dense x with no NaN and no weights is
// complete data, returned as newInput returns it; Ω may be empty, which a
// fit refuses (checkObserved).
func newObservedInput(x, weights mat.Matrix, observedOnly bool, name string) (*input, error) {
	full, err := readInput(x, name, observedOnly)
	if err != nil {
		return nil, err
	}
	n, m := full.n, full.m
	var ws *CSR
	var wd blas64.General
	if weights != nil {
		if isNil(weights) {
			return nil, shapeError("the weights are nil")
		}
		if r, c := weights.Dims(); r != n || c != m {
			return nil, shapeError("the weights are %d×%d, %s is %d×%d", r, c, name, n, m)
		}
		ws, wd = sparseOrDense(weights)
		if err := checkWeights(ws, wd); err != nil {
			return nil, err
		}
	} else if !observedOnly || !full.sparse() && !hasNaN(full.dense) {
		return full, nil // complete data
	}
	in := &input{n: n, m: m, scale: 1, observed: true, fromDense: !full.sparse()}
	b := newCSRBuilder(n, 0, weights != nil)
	var xRow, wRow cursor
	for i := 0; i < n; i++ {
		if full.sparse() {
			xRow.reset(full.csr, i)
		}
		if ws != nil {
			wRow.reset(ws, i)
		}
		// The candidates of row i: the stored entries of a sparse X that
		// alone is observed, else those of sparse weights, else all.
		switch {
		case observedOnly && full.sparse():
			for p, j := range xRow.cols {
				b.addObserved(j, xRow.vals[p], weightAt(ws, &wRow, wd, i, j))
			}
		case ws != nil:
			for p, j := range wRow.cols {
				b.addObserved(j, valueAt(full, &xRow, i, j), wRow.vals[p])
			}
		default:
			for j := 0; j < m; j++ {
				b.addObserved(j, valueAt(full, &xRow, i, j), weightAt(nil, nil, wd, i, j))
			}
		}
		b.endRow()
	}
	in.csr, in.weight = b.csr(n, m), b.weight
	in.sumSq = in.sumSquares()
	return in, nil
}

// checkWeights checks that every weight is finite and ≥ 0.
func checkWeights(ws *CSR, wd blas64.General) error {
	w := &input{csr: ws, dense: wd, n: wd.Rows, m: wd.Cols}
	if ws != nil {
		w.n, w.m = ws.rows, ws.cols
	}
	if i, j, v, ok := w.find(func(v float64) bool { return !isFinite(v) }); ok {
		return &EntryError{Matrix: "weights", Row: i, Col: j, Value: v, Err: ErrNotFinite}
	}
	if i, j, v, ok := w.find(func(v float64) bool { return v < 0 }); ok {
		return &EntryError{Matrix: "weights", Row: i, Col: j, Value: v, Err: ErrNegative}
	}
	return nil
}

// hasNaN reports whether a dense matrix has a NaN entry.
func hasNaN(d blas64.General) bool {
	in := &input{dense: d, n: d.Rows, m: d.Cols}
	_, _, _, found := in.find(math.IsNaN)
	return found
}

// cursor walks the stored entries of one row of a CSR matrix in column
// order, for lookups at increasing columns.
type cursor struct {
	cols []int
	vals []float64
	p    int
}

func (c *cursor) reset(s *CSR, i int) {
	c.cols, c.vals = s.RowNNZ(i)
	c.p = 0
}

// at returns the entry at column j, 0 if it is not stored; successive calls
// must ask for increasing columns.
func (c *cursor) at(j int) float64 {
	for c.p < len(c.cols) && c.cols[c.p] < j {
		c.p++
	}
	if c.p < len(c.cols) && c.cols[c.p] == j {
		return c.vals[c.p]
	}
	return 0
}

// valueAt returns x[i, j], through the row cursor c when x is sparse.
func valueAt(x *input, c *cursor, i, j int) float64 {
	if x.sparse() {
		return c.at(j)
	}
	return x.dense.Data[i*x.dense.Stride+j]
}

// weightAt returns the weight of entry (i, j): 1 without weights, through
// the row cursor c when the weights are sparse.
func weightAt(ws *CSR, c *cursor, wd blas64.General, i, j int) float64 {
	switch {
	case ws != nil:
		return c.at(j)
	case wd.Data != nil:
		return wd.Data[i*wd.Stride+j]
	}
	return 1
}

// csrBuilder collects the entries of a CSR matrix row by row, with a
// weight for each when weighted.
type csrBuilder struct {
	indptr, indices []int
	data, weight    []float64 // weight: nil unless weighted
}

func newCSRBuilder(n, capacity int, weighted bool) *csrBuilder {
	b := &csrBuilder{indptr: make([]int, 1, n+1), indices: make([]int, 0, capacity), data: make([]float64, 0, capacity)}
	if weighted {
		b.weight = make([]float64, 0, capacity)
	}
	return b
}

func (b *csrBuilder) add(j int, x, w float64) {
	b.indices = append(b.indices, j)
	b.data = append(b.data, x)
	if b.weight != nil {
		b.weight = append(b.weight, w)
	}
}

// addObserved adds an entry of Ω: one of positive weight and not NaN (a
// NaN reaches it only as a missing entry of WithObservedOnly; readInput
// refuses it otherwise).
func (b *csrBuilder) addObserved(j int, x, w float64) {
	if w > 0 && !math.IsNaN(x) {
		b.add(j, x, w)
	}
}

func (b *csrBuilder) endRow() { b.indptr = append(b.indptr, len(b.data)) }

func (b *csrBuilder) csr(n, m int) *CSR {
	return &CSR{rows: n, cols: m, indptr: b.indptr, indices: b.indices, data: b.data}
}

// checkObserved refuses a fit in which no entry counts.
func (in *input) checkObserved(name string) error {
	if in.observed && in.csr.NNZ() == 0 {
		return shapeError("no entry of %s is observed with a positive weight: nothing to fit", name)
	}
	return nil
}

// filled returns the data the SVD of an NNDSVD start reads for observed
// data: the observed entries divided by the observed share p = |Ω|/(n·m),
// the others 0, so that for entries missing at random it has X's
// expectation (the spectral start of matrix completion, Keshavan, Montanari
// & Oh 2010); its mean is the mean of the observed entries. It is dense
// when X was given dense (the same start as complete data when all is
// observed), else CSR. For complete data it is X itself.
func (in *input) filled() (*input, error) {
	if !in.observed {
		return in, nil
	}
	inv := in.count() / (float64(in.n) * float64(in.m))
	inv = 1 / inv
	out := &input{n: in.n, m: in.m, scale: in.scale}
	s := in.csr
	if in.fromDense {
		data := make([]float64, in.n*in.m)
		for i := 0; i < in.n; i++ {
			for p := s.indptr[i]; p < s.indptr[i+1]; p++ {
				data[i*in.m+s.indices[p]] = s.data[p] * inv
			}
		}
		out.dense = general(in.n, in.m, data)
	} else {
		data := make([]float64, len(s.data))
		for p, v := range s.data {
			data[p] = v * inv
		}
		out.csr = &CSR{rows: in.n, cols: in.m, indptr: s.indptr, indices: s.indices, data: data}
	}
	for p, v := range s.data {
		if !isFinite(v * inv) {
			i := sort.SearchInts(s.indptr, p+1) - 1
			return nil, fmt.Errorf("%w: X[%d, %d] = %g overflows when divided by the observed share %g for the SVD of the start; use InitRandom or rescale X",
				ErrNotFinite, i, s.indices[p], v, 1/inv)
		}
	}
	out.sumSq = out.sumSquares()
	return out, nil
}
