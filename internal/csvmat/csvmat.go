// Package csvmat reads a dense matrix of numbers from CSV, and writes one.
// It is the one CSV reader of the module: the factor command, the internal
// tools and the tests all read CSV matrices through it, so they accept the
// same files and report the same errors; and the factor and factor-beam
// commands write their W.csv, H.csv and history.csv with Write and
// WriteHistory.
//
// The format is CSV as package encoding/csv reads it (RFC 4180: fields
// separated by commas, optionally quoted, quotes doubled inside quoted
// fields, CRLF or LF line ends, blank lines skipped), with these additions:
//
//   - A byte order mark at the start of the input is dropped.
//   - Leading white space in a field is ignored, and so is white space
//     after a number.
//   - The first record is a header of column names when none of its fields
//     is written as a decimal number (the rule below), and the first row of
//     the matrix when all of them are. So NaN, inf, 0x1p4, 1_000 and the
//     empty name are names, and a header such as "a,inf" is read as one.
//     A first record with fields of both kinds is an error that names one
//     of each: it is a header with a numeric name ("year,2020") or a row
//     with a typo ("1,2,x"), and nothing in the file tells which; taking
//     it for a header would silently drop a row of data, and taking it for
//     a row would report the names as bad numbers. Make every name
//     non-numeric ("y2020") to have a header.
//   - Every other field is a finite decimal number, as in a MatrixMarket
//     file: an optional sign, digits with an optional point, and an
//     optional exponent (5, -0.5, +.5e-3, 1E+2). The other forms that
//     strconv.ParseFloat reads are errors: hexadecimal (0x1p4) and
//     underscored (1_000) numbers, NaN and infinities, and so are values
//     too large for a float64 and empty fields. Fields are separated by
//     commas only; a semicolon or tab inside a field is reported as such.
//   - Every record, the header included, has the same number of fields.
//   - At least one row of numbers follows the header, if any.
//   - A record, a line or the lines that a quoted field joins, holds at most
//     MaxRecord bytes (64 MiB), its final line feed not counted. A row that
//     wide holds millions of numbers, but an input that is no CSV, such as
//     /dev/zero, fails after that much instead of filling memory.
//
// ReadMissing reads the same format with missing values: a field that is
// empty (or white space) or spells NA or NaN, in any case ("nan", "na",
// "NAN"), is a missing entry, NaN in the matrix, rather than an error. Other
// spellings ("?", "N/A", "null", "-nan") are errors still. A missing field
// is neither a name nor a number for the header rule: the first record is a
// header when its other fields are all names ("a,,c" names a column ""),
// and a row when they are all numbers ("1,,3", "NaN,2"), so that a row is
// never taken for a header for its missing values. A first record of only
// missing fields could be either, a header without a name or a row without
// a value, and is an error. Blank lines are skipped as ever, so the missing
// value of a one-column file is written NA (or "").
//
// Errors name the input and its line (and, for malformed CSV, the column of
// the byte) as name:line:col, the form editors and compilers use.
package csvmat

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// Matrix is a matrix read from CSV and what its input said about it.
type Matrix struct {
	// X holds the numbers, a row for each record after the header.
	X *mat.Dense
	// Header holds the column names of the header line, or is nil when the
	// input has no header. When not nil its length is X's column count.
	Header []string
	// Lines holds the input line on which each row of X starts (counting
	// from 1, blank lines included), for messages about entries of X.
	Lines []int
}

// MaxRecord is the most bytes Read accepts in one record.
const MaxRecord = 64 << 20

// Read reads a matrix in the format the package comment describes from r.
// The name, such as the file name or "stdin", starts every error message:
//
//	name:line:col: <encoding/csv's message>        malformed CSV
//	name:line: line longer than 64 MiB             a record over MaxRecord
//	name:line: N fields, want M as on line L       ragged records
//	name:line: column j: <what is wrong>           a field that is not a finite decimal number,
//	    ..., and the line is no header: ...          or a first line of names and numbers
//	name: no rows of numbers                       an input without any
//
// Errors from r itself are returned as name: <error>.
func Read(name string, r io.Reader) (*Matrix, error) {
	return readAll(newRowReader(name, r, MaxRecord))
}

// ReadMissing is Read for a matrix with missing values, which it stores as
// NaN: the fields that the package comment says are missing. Its errors
// are Read's, and for a first record of only missing fields
//
//	name:line: every field is missing (empty, NA or NaN): ...
func ReadMissing(name string, r io.Reader) (*Matrix, error) {
	rr := newRowReader(name, r, MaxRecord)
	rr.missing = true
	return readAll(rr)
}

// readLimit is Read with a limit of max bytes a record.
func readLimit(name string, r io.Reader, max int) (*Matrix, error) {
	return readAll(newRowReader(name, r, max))
}

// readAll reads all of rr into a Matrix.
func readAll(rr *RowReader) (*Matrix, error) {
	header, err := rr.Header()
	if err != nil {
		return nil, err
	}
	m := &Matrix{Header: header}
	var data []float64
	if data, m.Lines, err = rr.rows(-1, nil, nil); err != nil {
		return nil, err
	}
	if len(m.Lines) == 0 {
		return nil, rr.noRows()
	}
	m.X = mat.NewDense(len(m.Lines), rr.cols, data)
	return m, nil
}

// RowReader reads a matrix in the format of Read a block of rows at a
// time, so that a file larger than memory can be streamed: it holds only
// the block it returns. It accepts the same inputs as Read and reports
// the same errors, with the same line numbers.
type RowReader struct {
	name      string
	lim       *recordLimit
	cr        *csv.Reader
	started   bool
	header    []string
	cols      int
	firstLine int       // the line that set the number of columns
	pending   []float64 // a first record that is a row, not yet returned
	pendLine  int
	read      int   // rows returned so far
	err       error // the error every later call returns
	missing   bool  // fields such as NA are missing values (ReadMissing)
}

// NewRowReader returns a reader of the CSV matrix in r, named name in
// errors as by Read. It reads nothing until Header or Next is called.
func NewRowReader(name string, r io.Reader) *RowReader {
	return newRowReader(name, r, MaxRecord)
}

// newRowReader is NewRowReader with a limit of max bytes a record.
func newRowReader(name string, r io.Reader, max int) *RowReader {
	lim := &recordLimit{r: r, max: max, line: 1, start: 1}
	cr := csv.NewReader(lim)
	cr.FieldsPerRecord = -1 // checked by rows, to say which lines disagree
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	return &RowReader{name: name, lim: lim, cr: cr}
}

// Header returns the column names of the header line, or nil when the
// input has none, reading the first record if Next has not.
func (r *RowReader) Header() ([]string, error) {
	if err := r.start(); err != nil {
		return nil, err
	}
	return r.header, nil
}

// Next returns the next block of up to n rows (n ≥ 1) and the input line
// on which each starts; the last block may have fewer rows. After the
// last row it returns io.EOF, or Read's "no rows of numbers" error when
// the input had none. An error is returned by every later call.
func (r *RowReader) Next(n int) (*mat.Dense, []int, error) {
	if n < 1 {
		return nil, nil, fmt.Errorf("%s: Next(%d): want a block of at least 1 row", r.name, n)
	}
	if err := r.start(); err != nil {
		return nil, nil, err
	}
	var data []float64
	if r.cols > 0 {
		data = make([]float64, 0, min(n, 1<<10)*r.cols)
	}
	data, lines, err := r.rows(n, data, make([]int, 0, min(n, 1<<16)))
	switch {
	case err != nil:
		return nil, nil, err
	case len(lines) > 0:
		return mat.NewDense(len(lines), r.cols, data), lines, nil
	case r.read == 0:
		r.err = r.noRows()
	default:
		r.err = io.EOF
	}
	return nil, nil, r.err
}

// noRows is the error of an input without rows of numbers.
func (r *RowReader) noRows() error { return fmt.Errorf("%s: no rows of numbers", r.name) }

// start reads the first record once: a header is kept, a row held for
// rows to return first.
func (r *RowReader) start() error {
	if r.started {
		return r.err
	}
	r.started = true
	rec, line, err := r.record()
	if err != nil {
		if err != io.EOF {
			r.err = err
		}
		return r.err
	}
	rec[0] = strings.TrimPrefix(rec[0], "\ufeff") // a byte order mark
	header, err := isHeader(rec, r.missing)
	if err != nil {
		r.err = fmt.Errorf("%s:%d: %w", r.name, line, err)
		return r.err
	}
	r.cols, r.firstLine = len(rec), line
	if header {
		r.header = slices.Clone(rec)
		return nil
	}
	if r.pending, r.err = r.parse(rec, line, nil); r.err == nil {
		r.pendLine = line
	}
	return r.err
}

// rows appends the values of up to n rows (all when n < 0) to data and
// their lines to lines. It returns io.EOF never: fewer rows than n means
// the input ended.
func (r *RowReader) rows(n int, data []float64, lines []int) ([]float64, []int, error) {
	if r.err != nil {
		if r.err == io.EOF {
			return data, lines, nil
		}
		return nil, nil, r.err
	}
	if r.pending != nil && n != 0 {
		data, lines = append(data, r.pending...), append(lines, r.pendLine)
		r.pending, n = nil, n-1
		r.read++
	}
	for ; n != 0; n-- {
		rec, line, err := r.record()
		if err == io.EOF {
			break
		}
		if err != nil {
			r.err = err
			return nil, nil, err
		}
		if r.cols == 0 {
			r.cols, r.firstLine = len(rec), line
		}
		if data, r.err = r.parse(rec, line, data); r.err != nil {
			return nil, nil, r.err
		}
		lines = append(lines, line)
		r.read++
	}
	return data, lines, nil
}

// record reads the next CSV record and its line, wording the errors.
func (r *RowReader) record() ([]string, int, error) {
	rec, err := r.cr.Read()
	if err == io.EOF {
		return nil, 0, err
	}
	if err != nil {
		var pe *csv.ParseError
		isParse := errors.As(err, &pe)
		if lim := r.lim; lim.err != nil && !(isParse && pe.Line < lim.err.start) {
			return nil, 0, fmt.Errorf("%s:%d: %w", r.name, lim.err.start, lim.err)
		}
		if isParse {
			return nil, 0, fmt.Errorf("%s:%d:%d: %w", r.name, pe.Line, pe.Column, pe.Err)
		}
		return nil, 0, fmt.Errorf("%s: %w", r.name, err)
	}
	line, _ := r.cr.FieldPos(0)
	return rec, line, nil
}

// parse appends the numbers of the row rec, on line, to data.
func (r *RowReader) parse(rec []string, line int, data []float64) ([]float64, error) {
	if len(rec) != r.cols {
		return nil, fmt.Errorf("%s:%d: %d fields, want %d as on line %d", r.name, line, len(rec), r.cols, r.firstLine)
	}
	for j, f := range rec {
		v, ok := number(f)
		if !ok && r.missing && isMissing(f) {
			v, ok = math.NaN(), true
		}
		if !ok {
			return nil, fmt.Errorf("%s:%d: column %d: %s", r.name, line, j+1, notNumber(f, r.missing))
		}
		data = append(data, v)
	}
	return data, nil
}

// ReadFile reads a matrix from the file at path with Read, naming the file
// by path in errors. A gzip-compressed file is not decompressed.
func ReadFile(path string) (*Matrix, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(path, f)
}

// isHeader reports whether a first CSV record is a header: none of its
// fields is a decimal number. It is a row when all of them are, and an
// error when some are: a header with a numeric name, or a row with a typo.
// With missing, the missing fields count as neither: the record is a
// header when all its others are names, a row when all are numbers, and
// an error when there are no others.
func isHeader(rec []string, missing bool) (bool, error) {
	num, name := -1, -1 // the first field of each kind
	for j, f := range rec {
		v := strings.TrimSpace(f)
		switch isNum := decimal(v) && parses(v); {
		case missing && isMissing(v):
		case isNum && num < 0:
			num = j
		case !isNum && name < 0:
			name = j
		}
	}
	switch {
	case num >= 0 && name >= 0:
		return false, fmt.Errorf("column %d: %s, and the line is no header: column %d, %q, is a number (a header must have no numeric names)",
			name+1, notNumber(rec[name], missing), num+1, rec[num])
	case num < 0 && name < 0 && missing:
		return false, errors.New("every field is missing (empty, NA or NaN): the line is a header without a name or a row without a value, and nothing tells which; start the file with a header line of names, or leave the row out")
	}
	return num < 0, nil
}

// isMissing reports whether a field spells a missing value for
// ReadMissing: empty or white space, or NA or NaN in any case, with white
// space around.
func isMissing(f string) bool {
	s := strings.TrimSpace(f)
	return s == "" || strings.EqualFold(s, "NA") || strings.EqualFold(s, "NaN")
}

// number returns the value of a field that is a finite decimal number.
func number(f string) (v float64, ok bool) {
	s := strings.TrimSpace(f)
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil && decimal(s)
}

// decimal reports whether s, which strconv.ParseFloat reads, is written as
// a decimal number: an optional sign, digits with an optional point, and
// an optional exponent. It rules out the other forms ParseFloat reads, the
// hexadecimal (0x1p4) and underscored (1_000) ones and the names NaN, Inf
// and Infinity, as ReadMatrixMarket does.
func decimal(s string) bool {
	return strings.Trim(s, "0123456789+-.eE") == ""
}

// parses reports whether strconv.ParseFloat reads s, perhaps as an
// infinity for a value too large.
func parses(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil || errors.Is(err, strconv.ErrRange)
}

// notNumber describes a field that is not a finite decimal number, nor,
// with missing, a missing value.
func notNumber(f string, missing bool) string {
	s := strings.TrimSpace(f)
	switch {
	case s == "":
		return "empty field, want a number"
	case strings.ContainsAny(f, ";\t"):
		return fmt.Sprintf("%q is not a number (separate fields with commas)", f)
	case parses(s) && !decimal(s) && strings.ContainsAny(s, "0123456789"):
		// Only NaN, Inf and Infinity are read without digits.
		return fmt.Sprintf("%q is not a decimal number", f)
	case missing:
		return fmt.Sprintf("%q is not a finite number nor a missing value (empty, NA or NaN)", f)
	}
	return fmt.Sprintf("%q is not a finite number", f)
}

// recordLimit passes the bytes of r through until a record runs over max
// bytes, and fails from there on with a *longRecordError; the record that
// runs over is never passed through whole. It follows the quotes as
// encoding/csv does, so that a line end inside a quoted field continues
// the record; where the quotes are malformed, encoding/csv fails on that
// line anyway.
type recordLimit struct {
	r      io.Reader
	max    int
	line   int  // the line being read, from 1
	start  int  // the line on which the current record starts
	n      int  // the bytes of the current record so far, its final line feed not counted
	quoted bool // inside a quoted field
	err    *longRecordError
}

// Read reads from r and passes on the bytes within the limit.
func (l *recordLimit) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	if k := l.scan(p[:n]); l.err != nil {
		return k, l.err
	}
	return n, err
}

// scan follows the records through b and returns how many of its bytes
// are within the limit: all of them unless it failed.
func (l *recordLimit) scan(b []byte) int {
	if !l.quoted && bytes.IndexByte(b, '"') < 0 {
		// No quotes: every line feed ends a record.
		for off := 0; ; {
			i := bytes.IndexByte(b[off:], '\n')
			if i < 0 {
				i = len(b) - off
			}
			if l.n+i > l.max {
				k := off + l.max - l.n
				l.fail()
				return k
			}
			if off += i; off == len(b) {
				l.n += i
				return off
			}
			off++ // the line feed
			l.line++
			l.start, l.n = l.line, 0
		}
	}
	for k, c := range b {
		switch c {
		case '"':
			l.quoted = !l.quoted // a doubled quote toggles twice
		case '\n':
			l.line++
			if !l.quoted {
				l.start, l.n = l.line, 0
				continue
			}
		}
		if l.n++; l.n > l.max {
			l.fail()
			return k
		}
	}
	return len(b)
}

// fail records that the current record is over the limit.
func (l *recordLimit) fail() {
	l.err = &longRecordError{max: l.max, start: l.start, line: l.line}
}

// longRecordError is the error of Read for a record longer than its limit.
type longRecordError struct {
	max         int // the limit, in bytes
	start, line int // the lines the record spans so far
}

// Error says how long a record may be, and which lines it spans if more
// than one.
func (e *longRecordError) Error() string {
	if e.start == e.line {
		return "line longer than " + sizeName(e.max)
	}
	return fmt.Sprintf("record of lines %d to %d longer than %s (is a closing quote missing?)", e.start, e.line, sizeName(e.max))
}

// sizeName writes n bytes in MiB when it is a whole number of them.
func sizeName(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Write writes a as CSV, one row per line, after a header line of names
// when header is not nil. Values are written with the fewest digits that
// read back exactly, so that Read returns a's bits.
func Write(w io.Writer, a *mat.Dense, header []string) error {
	cw := csv.NewWriter(w)
	if header != nil {
		if err := cw.Write(header); err != nil {
			return err
		}
	}
	r, c := a.Dims()
	rec := make([]string, c)
	for i := range r {
		for j, v := range a.RawRowView(i) {
			rec[j] = strconv.FormatFloat(v, 'g', -1, 64)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteHistory writes the objective after each iteration of a fit as CSV
// with the columns iteration (from 1) and objective.
func WriteHistory(w io.Writer, history []float64) error {
	if _, err := io.WriteString(w, "iteration,objective\n"); err != nil {
		return err
	}
	var buf []byte
	for i, v := range history {
		buf = strconv.AppendInt(buf[:0], int64(i+1), 10)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}
