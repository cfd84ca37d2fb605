package factorbeam

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// rows are consecutive rows of X, dense (row-major) or as CSR arrays.
type rows struct {
	n, cols int
	sparse  bool
	dense   []float64 // n×cols, when not sparse
	indptr  []int     // n+1, when sparse
	indices []int
	data    []float64
}

// denseRows returns the rows of a dense matrix.
func denseRows(x *mat.Dense) rows {
	n, m := x.Dims()
	return rows{n: n, cols: m, dense: mat.DenseCopyOf(x).RawMatrix().Data}
}

// csrRows returns the rows of a CSR.
func csrRows(x *factor.CSR) rows {
	n, m := x.Dims()
	r := rows{n: n, cols: m, sparse: true, indptr: make([]int, n+1)}
	for i := range n {
		js, vs := x.RowNNZ(i)
		r.indices = append(r.indices, js...)
		r.data = append(r.data, vs...)
		r.indptr[i+1] = len(r.data)
	}
	return r
}

// matrix returns the rows as the library reads them: a *mat.Dense or a
// *factor.CSR sharing their storage.
func (r *rows) matrix() (mat.Matrix, error) {
	if r.sparse {
		return factor.NewCSR(r.n, r.cols, r.indptr, r.indices, r.data)
	}
	return mat.NewDense(r.n, r.cols, r.dense), nil
}

// slice returns rows lo..hi-1 (copies).
func (r *rows) slice(lo, hi int) rows {
	out := rows{n: hi - lo, cols: r.cols, sparse: r.sparse}
	if !r.sparse {
		out.dense = slices.Clone(r.dense[lo*r.cols : hi*r.cols])
		return out
	}
	a, b := r.indptr[lo], r.indptr[hi]
	out.indptr = make([]int, hi-lo+1)
	for i := range out.indptr {
		out.indptr[i] = r.indptr[lo+i] - a
	}
	out.indices = slices.Clone(r.indices[a:b])
	out.data = slices.Clone(r.data[a:b])
	return out
}

// appendRows appends the rows of t below those of r.
func (r *rows) appendRows(t *rows) error {
	if r.n == 0 && r.cols == 0 {
		*r = rows{cols: t.cols, sparse: t.sparse, indptr: []int{0}}
		if !t.sparse {
			r.indptr = nil
		}
	}
	if t.cols != r.cols || t.sparse != r.sparse {
		return fmt.Errorf("rows of %d columns (sparse %v) after rows of %d (sparse %v)", t.cols, t.sparse, r.cols, r.sparse)
	}
	r.n += t.n
	if !r.sparse {
		r.dense = append(r.dense, t.dense...)
		return nil
	}
	base := len(r.data)
	for _, p := range t.indptr[1:] {
		r.indptr = append(r.indptr, base+p)
	}
	r.indices = append(r.indices, t.indices...)
	r.data = append(r.data, t.data...)
	return nil
}

// sums returns Σx and Σ|x| over the stored entries.
func (r *rows) sums() (sum, abs float64) {
	vals := r.dense
	if r.sparse {
		vals = r.data
	}
	for _, v := range vals {
		sum += v
		abs += math.Abs(v)
	}
	return sum, abs
}

// encoder appends little-endian fields to a byte slice.
type encoder struct{ b []byte }

func (e *encoder) int(v int)     { e.b = binary.LittleEndian.AppendUint64(e.b, uint64(v)) }
func (e *encoder) f64(v float64) { e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(v)) }
func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}
func (e *encoder) floats(v []float64) {
	e.int(len(v))
	for _, x := range v {
		e.f64(x)
	}
}
func (e *encoder) ints(v []int) {
	e.int(len(v))
	for _, x := range v {
		e.int(x)
	}
}
func (e *encoder) bytes(v []byte) {
	e.int(len(v))
	e.b = append(e.b, v...)
}

// rowsSize is the bytes encoder.rows writes of r.
func rowsSize(r *rows) int {
	return 8*(2+4) + 1 + 8*(len(r.dense)+len(r.indptr)+len(r.indices)+len(r.data))
}

func (e *encoder) rows(r *rows) {
	e.int(r.n)
	e.int(r.cols)
	e.bool(r.sparse)
	e.floats(r.dense)
	e.ints(r.indptr)
	e.ints(r.indices)
	e.floats(r.data)
}

// decoder reads what encoder wrote; past the end of its bytes it records
// an error and returns zeros.
type decoder struct {
	b   []byte
	err error
}

var errShort = errors.New("factorbeam: an element's encoding ends early")

func (d *decoder) u64() uint64 {
	if len(d.b) < 8 {
		d.err, d.b = errShort, nil
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}
func (d *decoder) int() int     { return int(d.u64()) }
func (d *decoder) f64() float64 { return math.Float64frombits(d.u64()) }
func (d *decoder) bool() bool {
	if len(d.b) < 1 {
		d.err, d.b = errShort, nil
		return false
	}
	v := d.b[0] != 0
	d.b = d.b[1:]
	return v
}

// count reads a length of items of size bytes each, checked against the
// bytes left.
func (d *decoder) count(size int) int {
	n := d.int()
	if n < 0 || n > len(d.b)/size {
		d.err, d.b = errShort, nil
		return 0
	}
	return n
}
func (d *decoder) floats() []float64 { return decodeAll(d, d.f64) }
func (d *decoder) ints() []int       { return decodeAll(d, d.int) }

// decodeAll reads a length and that many 8-byte values with next.
func decodeAll[T any](d *decoder, next func() T) []T {
	n := d.count(8)
	if n == 0 {
		return nil
	}
	v := make([]T, n)
	for i := range v {
		v[i] = next()
	}
	return v
}
func (d *decoder) bytes() []byte {
	n := d.count(1)
	if n == 0 {
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}
func (d *decoder) rows() rows {
	return rows{n: d.int(), cols: d.int(), sparse: d.bool(), dense: d.floats(), indptr: d.ints(), indices: d.ints(), data: d.floats()}
}
