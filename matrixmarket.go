package factor

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
)

const (
	mmBanner = "%%MatrixMarket"

	// mmMaxLine is the longest line ReadMatrixMarket accepts, in bytes.
	mmMaxLine = 1 << 20

	// mmMaxDim bounds each dimension, so that a hostile size line cannot
	// make ReadMatrixMarket allocate without bound: a CSR needs rows+1
	// offsets however few entries the file has.
	mmMaxDim = 1 << 26

	// mmPrealloc caps the capacity reserved from the declared number of
	// entries; storage beyond it grows as entries arrive.
	mmPrealloc = 1 << 16
)

// ReadMatrixMarket reads a matrix in the NIST MatrixMarket exchange format.
//
// The first line is the banner
//
//	%%MatrixMarket matrix <format> <field> <symmetry>
//
// whose words are case-insensitive. After it, lines starting with % are
// comments and blank lines are ignored. The next line gives the size: "rows
// cols entries" for the coordinate format and "rows cols" for the array
// format, each dimension between 1 and 2^26. The entries follow, one per
// line, exactly as many as the size line declares.
//
// The format is coordinate or array. A coordinate file becomes a *CSR: each
// entry is "row col value" with 1-based indices, and entries given more than
// once at the same position are summed. An array file becomes a *mat.Dense:
// each line holds one value, in column-major order.
//
// The field is real, integer or pattern. Values are decimal numbers such as
// 3, -0.5 or 1e-3 (integers for the integer field) and must be finite.
// Pattern entries are "row col" and read as 1; pattern is valid only with
// the coordinate format.
//
// The symmetry is general, symmetric or skew-symmetric. The last two need a
// square matrix and give only its lower triangle (an array file lists it
// column by column), which is mirrored: a symmetric matrix has A[j,i] =
// A[i,j], and a skew-symmetric one A[j,i] = -A[i,j] and a zero diagonal,
// which the file must not list. Pattern skew-symmetric files are rejected,
// as are complex and hermitian matrices, vectors and any other variant.
//
// Malformed input returns an error wrapping ErrFormat whose message gives
// the line number and what was expected there. A size line declaring a
// matrix whose storage would not fit in memory is refused at once, before
// any entry is read, with an error wrapping both ErrFormat and ErrTooLarge. An error reading r is
// returned wrapped with the line number, but not as ErrFormat.
func ReadMatrixMarket(r io.Reader) (mat.Matrix, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, mmMaxLine)
	mr := &mmReader{sc: sc}
	if err := mr.readBanner(); err != nil {
		return nil, err
	}
	if err := mr.readSize(); err != nil {
		return nil, err
	}
	if err := mr.checkMemory(); err != nil {
		return nil, err
	}
	if mr.array {
		return mr.readArray()
	}
	return mr.readCoordinate()
}

// mmReader holds the state of ReadMatrixMarket.
type mmReader struct {
	sc     *bufio.Scanner
	line   int      // number of the current line, from 1
	text   string   // the current line
	fields []string // its words

	array    bool   // array format, or else coordinate
	field    string // "real", "integer" or "pattern"
	symmetry string // "general", "symmetric" or "skew-symmetric"

	rows, cols int
	n          int // entries declared (coordinate) or values due (array)
	sizeLine   int // line number of the size line
}

// errorf returns an ErrFormat error about the current line.
func (r *mmReader) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: line %d: %s", ErrFormat, r.line, fmt.Sprintf(format, args...))
}

// scan reads the next line and reports whether there was one.
func (r *mmReader) scan() bool {
	if !r.sc.Scan() {
		return false
	}
	r.line++
	r.text = r.sc.Text()
	r.fields = strings.Fields(r.text)
	return true
}

// next advances to the next line that is neither blank nor a comment and
// reports whether there was one.
func (r *mmReader) next() bool {
	for r.scan() {
		if len(r.fields) > 0 && r.fields[0][0] != '%' {
			return true
		}
	}
	return false
}

// stopped returns the error that ended the input early: a read error, a
// line too long, or else an unexpected end of file where want was due.
func (r *mmReader) stopped(want string) error {
	err := r.sc.Err()
	r.line++ // the line that failed or never came
	switch {
	case errors.Is(err, bufio.ErrTooLong):
		return r.errorf("line longer than %d bytes", mmMaxLine)
	case err != nil:
		return fmt.Errorf("factor: reading MatrixMarket line %d: %w", r.line, err)
	}
	return r.errorf("want %s, got end of file", want)
}

// readBanner reads and checks the first line.
func (r *mmReader) readBanner() error {
	const want = `banner "%%MatrixMarket matrix <format> <field> <symmetry>"`
	if !r.scan() {
		return r.stopped(want)
	}
	f := r.fields
	if len(f) != 5 || !strings.EqualFold(f[0], mmBanner) || !strings.EqualFold(f[1], "matrix") {
		return r.errorf("want %s, got %q", want, mmClip(r.text))
	}
	format, field, symmetry := strings.ToLower(f[2]), strings.ToLower(f[3]), strings.ToLower(f[4])
	switch format {
	case "coordinate", "array":
	default:
		return r.errorf("unknown format %q: want coordinate or array", mmClip(f[2]))
	}
	switch field {
	case "real", "integer", "pattern":
	case "complex":
		return r.errorf("complex matrices are not supported: want real, integer or pattern")
	default:
		return r.errorf("unknown field %q: want real, integer or pattern", mmClip(f[3]))
	}
	switch symmetry {
	case "general", "symmetric", "skew-symmetric":
	case "hermitian":
		return r.errorf("hermitian matrices are not supported: want general, symmetric or skew-symmetric")
	default:
		return r.errorf("unknown symmetry %q: want general, symmetric or skew-symmetric", mmClip(f[4]))
	}
	switch {
	case field == "pattern" && format == "array":
		return r.errorf("field pattern is only valid with format coordinate")
	case field == "pattern" && symmetry == "skew-symmetric":
		return r.errorf("field pattern cannot be skew-symmetric")
	}
	r.array, r.field, r.symmetry = format == "array", field, symmetry
	return nil
}

// readSize reads and checks the size line.
func (r *mmReader) readSize() error {
	want, n := `size line "rows cols entries"`, 3
	if r.array {
		want, n = `size line "rows cols"`, 2
	}
	if !r.next() {
		return r.stopped(want)
	}
	r.sizeLine = r.line
	if len(r.fields) != n {
		return r.errorf("want %s, got %q", want, mmClip(r.text))
	}
	var nums [3]int
	for k, s := range r.fields {
		v, err := strconv.Atoi(s)
		if err != nil {
			return r.errorf("want %s, got %q", want, mmClip(r.text))
		}
		nums[k] = v
	}
	r.rows, r.cols = nums[0], nums[1]
	switch {
	case r.rows < 1 || r.cols < 1:
		return r.errorf("dimensions %d×%d: want at least 1×1", r.rows, r.cols)
	case r.rows > mmMaxDim || r.cols > mmMaxDim:
		return r.errorf("dimensions %d×%d: want at most %d×%d", r.rows, r.cols, mmMaxDim, mmMaxDim)
	case r.symmetry != "general" && r.rows != r.cols:
		return r.errorf("%s matrix is %d×%d: want a square matrix", r.symmetry, r.rows, r.cols)
	}
	if !r.array {
		if r.n = nums[2]; r.n < 0 {
			return r.errorf("entry count %d: want at least 0", r.n)
		}
	} else {
		var ok bool
		if r.n, ok = r.arrayLen(); !ok {
			return r.errorf("dimensions %d×%d: too many values for an int", r.rows, r.cols)
		}
	}
	return nil
}

// checkMemory refuses, before anything is allocated, a matrix whose storage
// the declared size would make too large for memory: for a coordinate file
// the CSR's row offsets and, per entry (two for a mirrored one), the
// triplets read, their sort order and the CSR's index and value; for an
// array file the values read and the dense matrix.
func (r *mmReader) checkMemory() error {
	n := float64(r.n)
	need := 16 * float64(r.rows) * float64(r.cols)
	if !r.array {
		if r.symmetry != "general" {
			n *= 2
		}
		need = 8*float64(r.rows+1) + 48*n
	}
	if msg := memoryShortfall(need, fmt.Sprintf("the %d×%d matrix declared", r.rows, r.cols)); msg != "" {
		return fmt.Errorf("%w: line %d: %s (%w)", ErrFormat, r.line, msg, ErrTooLarge)
	}
	return nil
}

// arrayLen returns the number of values an array file lists, or false if
// rows×cols overflows an int.
func (r *mmReader) arrayLen() (int, bool) {
	a, b, div := r.rows, r.cols, 1
	switch r.symmetry {
	case "symmetric":
		b, div = a+1, 2
	case "skew-symmetric":
		b, div = a-1, 2
	}
	if b > 0 && a > math.MaxInt/b {
		return 0, false
	}
	return a * b / div, true
}

// readCoordinate reads the entries of a coordinate file.
func (r *mmReader) readCoordinate() (mat.Matrix, error) {
	size := min(r.n, mmPrealloc)
	is, js, vs := make([]int, 0, size), make([]int, 0, size), make([]float64, 0, size)
	for k := 0; k < r.n; k++ {
		if !r.next() {
			return nil, r.stopped(fmt.Sprintf("entry %d of the %d declared on line %d", k+1, r.n, r.sizeLine))
		}
		i, j, v, err := r.parseEntry()
		if err != nil {
			return nil, err
		}
		is, js, vs = append(is, i), append(js, j), append(vs, v)
		if i != j && r.symmetry != "general" {
			if r.symmetry == "skew-symmetric" {
				v = -v
			}
			is, js, vs = append(is, j), append(js, i), append(vs, v)
		}
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	m, err := NewCSRFromTriplets(r.rows, r.cols, is, js, vs)
	var e *EntryError
	switch {
	case errors.As(err, &e):
		return nil, r.errorf("entries at (%d, %d) sum to %g: want a finite value", e.Row+1, e.Col+1, e.Value)
	case err != nil:
		return nil, fmt.Errorf("%w: line %d: %w", ErrFormat, r.line, err)
	}
	return m, nil
}

// parseEntry parses a coordinate entry, returning 0-based indices.
func (r *mmReader) parseEntry() (i, j int, v float64, err error) {
	want, n := `"row col value"`, 3
	if r.field == "pattern" {
		want, n = `"row col"`, 2
	}
	if len(r.fields) != n {
		return 0, 0, 0, r.errorf("want %s, got %q", want, mmClip(r.text))
	}
	if i, err = r.parseIndex(r.fields[0], "row", r.rows); err != nil {
		return 0, 0, 0, err
	}
	if j, err = r.parseIndex(r.fields[1], "column", r.cols); err != nil {
		return 0, 0, 0, err
	}
	switch {
	case r.symmetry == "skew-symmetric" && i == j:
		return 0, 0, 0, r.errorf("entry (%d, %d) on the diagonal: want the strictly lower triangle of a skew-symmetric matrix", i+1, j+1)
	case r.symmetry != "general" && i < j:
		return 0, 0, 0, r.errorf("entry (%d, %d) above the diagonal: want the lower triangle of a %s matrix", i+1, j+1, r.symmetry)
	}
	if r.field == "pattern" {
		return i, j, 1, nil
	}
	v, err = r.parseValue(r.fields[2])
	return i, j, v, err
}

// parseIndex parses a 1-based index between 1 and n and returns it 0-based.
func (r *mmReader) parseIndex(s, what string, n int) (int, error) {
	k, err := strconv.Atoi(s)
	switch {
	case errors.Is(err, strconv.ErrRange) || err == nil && (k < 1 || k > n):
		return 0, r.errorf("%s index %s: want 1 to %d", what, mmClip(s), n)
	case err != nil:
		return 0, r.errorf("want an integer %s index, got %q", what, mmClip(s))
	}
	return k - 1, nil
}

// parseValue parses a value of the file's field.
func (r *mmReader) parseValue(s string) (float64, error) {
	if r.field == "integer" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, r.errorf("want an integer value, got %q", mmClip(s))
		}
		return float64(n), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case !isFinite(v):
		return 0, r.errorf("value %s is not finite: want no NaN, Inf or overflow", mmClip(s))
	case err != nil || !mmIsDecimal(s):
		return 0, r.errorf("want a real value, got %q", mmClip(s))
	}
	return v, nil
}

// mmIsDecimal reports whether s uses only the characters of a decimal number,
// ruling out the hexadecimal and underscored forms strconv also accepts.
func mmIsDecimal(s string) bool {
	return strings.Trim(s, "0123456789+-.eE") == ""
}

// readArray reads the values of an array file.
func (r *mmReader) readArray() (mat.Matrix, error) {
	vals := make([]float64, 0, min(r.n, mmPrealloc))
	for k := 0; k < r.n; k++ {
		if !r.next() {
			return nil, r.stopped(fmt.Sprintf("value %d of the %d for the %d×%d %s matrix declared on line %d",
				k+1, r.n, r.rows, r.cols, r.symmetry, r.sizeLine))
		}
		if len(r.fields) != 1 {
			return nil, r.errorf("want \"value\", got %q", mmClip(r.text))
		}
		v, err := r.parseValue(r.fields[0])
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	return r.dense(vals), nil
}

// dense places the values of an array file, given column by column, in a
// matrix, mirroring them unless the file is general.
func (r *mmReader) dense(vals []float64) *mat.Dense {
	data := make([]float64, r.rows*r.cols)
	k := 0
	for j := 0; j < r.cols; j++ {
		switch r.symmetry {
		case "general":
			for i := 0; i < r.rows; i++ {
				data[i*r.cols+j] = vals[k]
				k++
			}
		case "symmetric":
			for i := j; i < r.rows; i++ {
				data[i*r.cols+j], data[j*r.cols+i] = vals[k], vals[k]
				k++
			}
		case "skew-symmetric":
			for i := j + 1; i < r.rows; i++ {
				data[i*r.cols+j], data[j*r.cols+i] = vals[k], -vals[k]
				k++
			}
		}
	}
	return mat.NewDense(r.rows, r.cols, data)
}

// end checks that nothing but blank lines and comments follows the last
// entry.
func (r *mmReader) end() error {
	if r.next() {
		what := "entries"
		if r.array {
			what = "values"
		}
		return r.errorf("want end of file after the %d %s due by line %d, got %q", r.n, what, r.sizeLine, mmClip(r.text))
	}
	if r.sc.Err() != nil {
		return r.stopped("end of file")
	}
	return nil
}

// mmClip shortens s for quoting in an error message.
func mmClip(s string) string {
	const n = 60
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// WriteMatrixMarket writes m to w in the NIST MatrixMarket exchange format,
// which ReadMatrixMarket reads back to the same values bit for bit.
//
// A *CSR is written as "coordinate real general": its stored entries, one
// "row col value" line each in row-major order, with 1-based indices. The
// transpose of a *CSR (CSR.T) is written the same way, as the CSR of the
// transpose, in O(nnz + rows + cols) memory and never as a dense array.
// Any other matrix is written as "array real general": all its values, one
// per line in column-major order. Values are written in the shortest form
// that parses back exactly.
//
// WriteMatrixMarket returns an error wrapping ErrShape for a nil matrix (an
// untyped nil, a nil *CSR or *mat.Dense, or the transpose of one) or a
// matrix with no rows or columns, an *EntryError wrapping ErrNotFinite for
// a NaN or infinite value (which the format cannot hold), or the first
// error writing to w. On error the output may be incomplete.
func WriteMatrixMarket(w io.Writer, m mat.Matrix) error {
	if isNil(m) {
		return shapeError("cannot write a nil matrix")
	}
	rows, cols := m.Dims()
	if rows < 1 || cols < 1 {
		return shapeError("cannot write a %d×%d matrix: want at least 1×1", rows, cols)
	}
	if t, ok := m.(mat.Transpose); ok {
		if c, ok := t.Matrix.(*CSR); ok {
			m = c.transpose()
		}
	}
	bw := bufio.NewWriter(w)
	var err error
	if c, ok := m.(*CSR); ok {
		err = writeCoordinate(bw, c)
	} else {
		err = writeArray(bw, m)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// writeCoordinate writes c in coordinate format.
func writeCoordinate(w *bufio.Writer, c *CSR) error {
	_, err := fmt.Fprintf(w, "%s matrix coordinate real general\n%d %d %d\n", mmBanner, c.rows, c.cols, c.NNZ())
	var buf []byte
	for i := 0; i < c.rows && err == nil; i++ {
		indices, values := c.RowNNZ(i)
		for p, j := range indices {
			buf = strconv.AppendInt(buf[:0], int64(i+1), 10)
			buf = append(buf, ' ')
			buf = strconv.AppendInt(buf, int64(j+1), 10)
			buf = append(buf, ' ')
			buf = strconv.AppendFloat(buf, values[p], 'g', -1, 64)
			buf = append(buf, '\n')
			if _, err = w.Write(buf); err != nil {
				break
			}
		}
	}
	return err
}

// writeArray writes m in array format.
func writeArray(w *bufio.Writer, m mat.Matrix) error {
	rows, cols := m.Dims()
	_, err := fmt.Fprintf(w, "%s matrix array real general\n%d %d\n", mmBanner, rows, cols)
	var buf []byte
	for j := 0; j < cols && err == nil; j++ {
		for i := 0; i < rows; i++ {
			v := m.At(i, j)
			if !isFinite(v) {
				return &EntryError{Matrix: "m", Row: i, Col: j, Value: v, Err: ErrNotFinite}
			}
			buf = strconv.AppendFloat(buf[:0], v, 'g', -1, 64)
			buf = append(buf, '\n')
			if _, err = w.Write(buf); err != nil {
				break
			}
		}
	}
	return err
}
