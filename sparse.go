package factor

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// CSR is a sparse matrix in compressed sparse row form: the entries of row i
// are data[indptr[i]:indptr[i+1]], in the columns indices[indptr[i]:indptr[i+1]],
// which increase strictly within a row. Entries not stored are zero.
//
// CSR implements mat.Matrix, so it can be passed anywhere gonum takes a
// matrix, and Fit, Transform and the objectives take a sparse path for it
// whose cost grows with the number of stored entries, not with rows×cols.
// A CSR is immutable once built and safe for concurrent use.
type CSR struct {
	rows, cols int
	indptr     []int
	indices    []int
	data       []float64
}

var (
	_ mat.Matrix      = (*CSR)(nil)
	_ mat.NonZeroDoer = (*CSR)(nil)
)

// NewCSR returns a rows×cols CSR matrix over indptr (length rows+1, from 0,
// non-decreasing, ending at len(data)), indices (column of each entry,
// strictly increasing within a row) and data (finite values). The slices are
// used as the matrix's storage, not copied, and must not be changed
// afterwards. Any violation returns an error wrapping ErrShape (structure)
// or ErrNotFinite (values).
func NewCSR(rows, cols int, indptr, indices []int, data []float64) (*CSR, error) {
	switch {
	case rows < 1 || cols < 1:
		return nil, shapeError("CSR dimensions %d×%d: want at least 1×1", rows, cols)
	case len(indptr) != rows+1:
		return nil, shapeError("CSR indptr has length %d, want rows+1 = %d", len(indptr), rows+1)
	case len(indices) != len(data):
		return nil, shapeError("CSR has %d column indices but %d values", len(indices), len(data))
	case indptr[0] != 0:
		return nil, shapeError("CSR indptr[0] = %d, want 0", indptr[0])
	case indptr[rows] != len(data):
		return nil, shapeError("CSR indptr[%d] = %d, want the number of values %d", rows, indptr[rows], len(data))
	}
	for i := 0; i < rows; i++ {
		lo, hi := indptr[i], indptr[i+1]
		if hi < lo || hi > len(data) {
			return nil, shapeError("CSR indptr decreases or overruns at row %d (%d to %d)", i, lo, hi)
		}
		prev := -1
		for p := lo; p < hi; p++ {
			j := indices[p]
			switch {
			case j < 0 || j >= cols:
				return nil, shapeError("CSR row %d has column index %d outside [0, %d)", i, j, cols)
			case j <= prev:
				return nil, shapeError("CSR row %d has column indices not strictly increasing (%d after %d)", i, j, prev)
			}
			if v := data[p]; !isFinite(v) {
				return nil, &EntryError{Matrix: "CSR", Row: i, Col: j, Value: v, Err: ErrNotFinite}
			}
			prev = j
		}
	}
	return &CSR{rows: rows, cols: cols, indptr: indptr, indices: indices, data: data}, nil
}

// NewCSRFromTriplets returns the rows×cols CSR matrix with entries v[p] at
// (i[p], j[p]); entries given more than once at the same position are
// summed. The inputs are not retained.
func NewCSRFromTriplets(rows, cols int, i, j []int, v []float64) (*CSR, error) {
	if len(i) != len(v) || len(j) != len(v) {
		return nil, shapeError("triplets have %d rows, %d columns and %d values", len(i), len(j), len(v))
	}
	if rows < 1 || cols < 1 || rows > math.MaxInt32 || cols > math.MaxInt32 {
		return nil, shapeError("CSR dimensions %d×%d: want from 1×1 to 2³¹−1 on a side", rows, cols)
	}
	order := make([]int, len(v))
	for p := range order {
		if i[p] < 0 || i[p] >= rows || j[p] < 0 || j[p] >= cols {
			return nil, shapeError("triplet %d at (%d, %d) lies outside %d×%d", p, i[p], j[p], rows, cols)
		}
		order[p] = p
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(i[a], i[b]); c != 0 {
			return c
		}
		return cmp.Compare(j[a], j[b])
	})
	indptr := make([]int, rows+1)
	indices := make([]int, 0, len(v))
	data := make([]float64, 0, len(v))
	for n, p := range order {
		if n > 0 && i[p] == i[order[n-1]] && j[p] == j[order[n-1]] {
			data[len(data)-1] += v[p]
			continue
		}
		indices = append(indices, j[p])
		data = append(data, v[p])
		indptr[i[p]+1]++
	}
	for r := 0; r < rows; r++ {
		indptr[r+1] += indptr[r]
	}
	return NewCSR(rows, cols, indptr, indices, data)
}

// Dims returns the number of rows and columns.
func (c *CSR) Dims() (r, cols int) { return c.rows, c.cols }

// At returns the entry at row i, column j. Like gonum's matrices it panics
// when the index is out of range.
func (c *CSR) At(i, j int) float64 {
	if uint(i) >= uint(c.rows) {
		panic(mat.ErrRowAccess)
	}
	if uint(j) >= uint(c.cols) {
		panic(mat.ErrColAccess)
	}
	lo, hi := c.indptr[i], c.indptr[i+1]
	if p, ok := slices.BinarySearch(c.indices[lo:hi], j); ok {
		return c.data[lo+p]
	}
	return 0
}

// T returns the transpose, a view of c as gonum's mat.Transpose. Fit and
// Transform recognize a transposed CSR and keep it sparse.
func (c *CSR) T() mat.Matrix { return mat.Transpose{Matrix: c} }

// NNZ returns the number of stored entries.
func (c *CSR) NNZ() int { return len(c.data) }

// DoNonZero calls fn for each stored entry in row-major order
// (mat.NonZeroDoer).
func (c *CSR) DoNonZero(fn func(i, j int, v float64)) {
	for i := 0; i < c.rows; i++ {
		for p := c.indptr[i]; p < c.indptr[i+1]; p++ {
			fn(i, c.indices[p], c.data[p])
		}
	}
}

// RowNNZ returns the column indices and values stored in row i. The slices
// share the matrix's storage and must not be changed.
func (c *CSR) RowNNZ(i int) (indices []int, values []float64) {
	if uint(i) >= uint(c.rows) {
		panic(mat.ErrRowAccess)
	}
	lo, hi := c.indptr[i], c.indptr[i+1]
	return c.indices[lo:hi:hi], c.data[lo:hi:hi]
}

// transpose returns cᵀ as a new CSR with sorted column indices, by a
// counting sort over the columns in O(nnz + rows + cols).
func (c *CSR) transpose() *CSR {
	t, _ := c.transposeCarrying(nil)
	return t
}

// transposeCarrying is transpose that also returns extra, one value per
// stored entry of c, in the order of the transpose's entries (nil for a
// nil extra).
func (c *CSR) transposeCarrying(extra []float64) (*CSR, []float64) {
	indptr := make([]int, c.cols+1)
	for _, j := range c.indices {
		indptr[j+1]++
	}
	for j := 0; j < c.cols; j++ {
		indptr[j+1] += indptr[j]
	}
	next := slices.Clone(indptr[:c.cols])
	indices := make([]int, len(c.indices))
	data := make([]float64, len(c.data))
	var moved []float64
	if extra != nil {
		moved = make([]float64, len(extra))
	}
	for i := 0; i < c.rows; i++ {
		for p := c.indptr[i]; p < c.indptr[i+1]; p++ {
			q := next[c.indices[p]]
			next[c.indices[p]]++
			indices[q] = i
			data[q] = c.data[p]
			if extra != nil {
				moved[q] = extra[p]
			}
		}
	}
	return &CSR{rows: c.cols, cols: c.rows, indptr: indptr, indices: indices, data: data}, moved
}

// String summarizes the matrix for printing.
func (c *CSR) String() string {
	return fmt.Sprintf("CSR %d×%d, %d stored", c.rows, c.cols, len(c.data))
}
