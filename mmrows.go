package factor

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"

	"bufio"
)

// MatrixMarketRowReader reads a coordinate MatrixMarket file a block of
// rows at a time, so that a matrix larger than memory can be streamed
// through a model that learns from blocks of rows: it holds only the block
// it returns and one entry past it. The file must be general (not
// symmetric or skew-symmetric, whose entries stand for others in later
// rows) and its entries in row order: every entry's row at least that of
// the entry before it; within a row the columns may come in any order, and
// entries given more than once at a position are summed, as
// ReadMatrixMarket sums them. The header, values and limits are
// ReadMatrixMarket's, except that the declared size is not held in memory
// and so is not refused for its size.
type MatrixMarketRowReader struct {
	mr      *mmReader
	err     error // the error every later call returns
	started bool
	read    int  // entries read so far
	lastRow int  // the row of the last entry read
	row     int  // the first row of the next block
	held    bool // an entry was read past the last block
	hi, hj  int
	hv      float64
}

// NewMatrixMarketRowReader returns a reader of the coordinate MatrixMarket
// file r. It reads nothing until Dims or Next is called.
func NewMatrixMarketRowReader(r io.Reader) *MatrixMarketRowReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, mmMaxLine)
	return &MatrixMarketRowReader{mr: &mmReader{sc: sc}}
}

// start reads the banner and the size line once.
func (r *MatrixMarketRowReader) start() error {
	if r.started {
		return r.err
	}
	r.started = true
	mr := r.mr
	r.err = mr.readBanner()
	switch {
	case r.err != nil:
	case mr.array:
		r.err = mr.errorf("an array file lists its values column by column: want a coordinate file to read rows from")
	case mr.symmetry != "general":
		r.err = mr.errorf("a %s file gives each entry for two rows: want a general coordinate file to read rows from", mr.symmetry)
	default:
		r.err = mr.readSize()
	}
	return r.err
}

// Dims returns the numbers of rows and columns the file declares.
func (r *MatrixMarketRowReader) Dims() (rows, cols int, err error) {
	if err := r.start(); err != nil {
		return 0, 0, err
	}
	return r.mr.rows, r.mr.cols, nil
}

// Next returns the next block of up to n rows, those from the first row
// not yet returned, as a CSR with the file's number of columns (rows
// without entries included; the last block may have fewer rows). After
// the last row it returns io.EOF, having checked that nothing but comments
// follows the declared entries. An error, such as an entry out of row
// order (named by its line) or the end of the file before the declared
// entries, wraps ErrFormat and is returned by every later call.
func (r *MatrixMarketRowReader) Next(n int) (*CSR, error) {
	if n < 1 {
		return nil, fmt.Errorf("%w: Next(%d): want a block of at least 1 row", ErrInvalidOption, n)
	}
	if err := r.start(); err != nil {
		return nil, err
	}
	mr := r.mr
	if r.row >= mr.rows {
		if r.err = mr.end(); r.err == nil {
			r.err = io.EOF
		}
		return nil, r.err
	}
	end := r.row + min(n, mr.rows-r.row) // r.row + n may overflow
	var is, js []int
	var vs []float64
	for {
		if !r.held {
			if r.read == mr.n {
				break
			}
			if !mr.next() {
				r.err = mr.stopped(fmt.Sprintf("entry %d of the %d declared on line %d", r.read+1, mr.n, mr.sizeLine))
				return nil, r.err
			}
			i, j, v, err := mr.parseEntry()
			if err != nil {
				r.err = err
				return nil, err
			}
			if i < r.lastRow {
				r.err = mr.errorf("entry (%d, %d) comes after an entry of row %d: want the entries in row order", i+1, j+1, r.lastRow+1)
				return nil, r.err
			}
			r.read, r.lastRow = r.read+1, i
			r.hi, r.hj, r.hv, r.held = i, j, v, true
		}
		if r.hi >= end {
			break
		}
		is, js, vs = append(is, r.hi-r.row), append(js, r.hj), append(vs, r.hv)
		r.held = false
	}
	block, err := rowBlock(end-r.row, mr.cols, is, js, vs)
	if err != nil {
		r.err = fmt.Errorf("%w: rows %d to %d: %w", ErrFormat, r.row+1, end, err)
		return nil, r.err
	}
	r.row = end
	return block, nil
}

// rowBlock returns the rows×cols CSR of triplets whose rows are in order:
// each row's entries sorted by column, duplicates summed.
func rowBlock(rows, cols int, is, js []int, vs []float64) (*CSR, error) {
	indptr := make([]int, rows+1)
	indices := make([]int, 0, len(js))
	data := make([]float64, 0, len(vs))
	var order []int
	for p := 0; p < len(is); {
		q := p
		for q < len(is) && is[q] == is[p] {
			q++
		}
		order = order[:0]
		for e := p; e < q; e++ {
			order = append(order, e)
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(js[a], js[b]) })
		before := len(data)
		for n, e := range order {
			if n > 0 && js[e] == js[order[n-1]] {
				data[len(data)-1] += vs[e]
				continue
			}
			indices, data = append(indices, js[e]), append(data, vs[e])
		}
		indptr[is[p]+1] = len(data) - before // the row's count, summed below
		p = q
	}
	for r := range rows {
		indptr[r+1] += indptr[r]
	}
	m, err := NewCSR(rows, cols, indptr, indices, data)
	var e *EntryError
	if errors.As(err, &e) {
		return nil, fmt.Errorf("entries at (%d, %d) of the block sum to %g: want a finite value", e.Row+1, e.Col+1, e.Value)
	}
	return m, err
}
