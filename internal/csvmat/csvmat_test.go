package csvmat

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"gonum.org/v1/gonum/mat"
)

// read reads in, named "in", failing the test on an error.
func read(t *testing.T, in string) *Matrix {
	t.Helper()
	m, err := Read("in", strings.NewReader(in))
	if err != nil {
		t.Fatalf("Read(%q): %v", in, err)
	}
	sameAsBlocks(t, in, m, err)
	return m
}

// readBlocks reads in, named "in", with a RowReader in blocks of n rows,
// and returns the rows together as Read would.
func readBlocks(in string, n int) (*Matrix, error) {
	r := NewRowReader("in", strings.NewReader(in))
	header, err := r.Header()
	if err != nil {
		return nil, err
	}
	m := &Matrix{Header: header}
	var data []float64
	cols := 0
	for {
		b, lines, err := r.Next(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if rows, c := b.Dims(); rows > n || rows != len(lines) {
			return nil, fmt.Errorf("Next(%d) gave %d rows and %d lines", n, rows, len(lines))
		} else {
			cols = c
		}
		data = append(data, b.RawMatrix().Data...)
		m.Lines = append(m.Lines, lines...)
		if _, _, err2 := r.Next(0); err2 == nil {
			return nil, errors.New("Next(0) gave no error")
		}
	}
	if _, _, err := r.Next(n); err != io.EOF {
		return nil, fmt.Errorf("Next after io.EOF: %v, want io.EOF again", err)
	}
	m.X = mat.NewDense(len(m.Lines), cols, data)
	return m, nil
}

// sameAsBlocks checks that a RowReader, in blocks of 1, 2 and 3 rows,
// reads in as Read did: the matrix m, or the error err.
func sameAsBlocks(t *testing.T, in string, m *Matrix, err error) {
	t.Helper()
	for n := 1; n <= 3; n++ {
		got, gerr := readBlocks(in, n)
		switch {
		case err != nil:
			if gerr == nil || gerr.Error() != err.Error() {
				t.Errorf("RowReader(%q) in blocks of %d: error %v, want %q as Read's", in, n, gerr, err)
			}
		case gerr != nil:
			t.Errorf("RowReader(%q) in blocks of %d: %v, Read gave no error", in, n, gerr)
		case !mat.Equal(got.X, m.X) || !slices.Equal(got.Header, m.Header) || (got.Header == nil) != (m.Header == nil) || !slices.Equal(got.Lines, m.Lines):
			t.Errorf("RowReader(%q) in blocks of %d = %v %q %v, want Read's %v %q %v", in, n,
				mat.Formatted(got.X, mat.Squeeze()), got.Header, got.Lines, mat.Formatted(m.X, mat.Squeeze()), m.Header, m.Lines)
		}
	}
}

// check compares m with the rows, header and lines it should hold; a NaN
// of rows, a missing value, must be NaN in m.
func check(t *testing.T, in string, m *Matrix, rows [][]float64, header []string, lines []int) {
	t.Helper()
	var data []float64
	for _, r := range rows {
		data = append(data, r...)
	}
	if want := mat.NewDense(len(rows), len(rows[0]), data); !sameMatrix(m.X, want) {
		t.Errorf("Read(%q).X = %v, want %v", in, mat.Formatted(m.X, mat.Squeeze()), mat.Formatted(want, mat.Squeeze()))
	}
	if !slices.Equal(m.Header, header) || (m.Header == nil) != (header == nil) {
		t.Errorf("Read(%q).Header = %#v, want %#v", in, m.Header, header)
	}
	if !slices.Equal(m.Lines, lines) {
		t.Errorf("Read(%q).Lines = %v, want %v", in, m.Lines, lines)
	}
}

// wantErrors checks that each input fails to read with its message.
func wantErrors(t *testing.T, cases map[string]string) {
	t.Helper()
	for in, want := range cases {
		m, err := Read("in", strings.NewReader(in))
		if err == nil {
			t.Errorf("Read(%q) = %v, want error %q", in, mat.Formatted(m.X, mat.Squeeze()), want)
		} else if err.Error() != want {
			t.Errorf("Read(%q) error = %q, want %q", in, err, want)
		}
		sameAsBlocks(t, in, m, err)
	}
}

func TestHeader(t *testing.T) {
	in := "red, green,blue\n1,2,3\n4,5,6\n"
	check(t, in, read(t, in), [][]float64{{1, 2, 3}, {4, 5, 6}}, []string{"red", "green", "blue"}, []int{2, 3})

	in = "1,2,3\n4,5,6\n"
	check(t, in, read(t, in), [][]float64{{1, 2, 3}, {4, 5, 6}}, nil, []int{1, 2})

	// Empty names are names; a header needs no row of names after it.
	in = ",x\n7,8\n"
	check(t, in, read(t, in), [][]float64{{7, 8}}, []string{"", "x"}, []int{2})

	// Only decimal numbers are numbers: the names ParseFloat reads as
	// numbers are names.
	in = "a,inf\n1,2\n"
	check(t, in, read(t, in), [][]float64{{1, 2}}, []string{"a", "inf"}, []int{2})
	in = "NaN,Infinity,0x1p4,1_000\n1,2,3,4\n"
	check(t, in, read(t, in), [][]float64{{1, 2, 3, 4}}, []string{"NaN", "Infinity", "0x1p4", "1_000"}, []int{2})
	// A number too large for a float64 is still written as a number.
	wantErrors(t, map[string]string{"1e999,2\n3,4\n": `in:1: column 1: "1e999" is not a finite number`})

	// A first line of names and numbers is a header with numeric names
	// or a row with a typo: an error that names a field of each.
	const hint = "(a header must have no numeric names)"
	wantErrors(t, map[string]string{
		"a,1\n2,3\n":              `in:1: column 1: "a" is not a finite number, and the line is no header: column 2, "1", is a number ` + hint,
		"1,b\n2,3\n":              `in:1: column 2: "b" is not a finite number, and the line is no header: column 1, "1", is a number ` + hint,
		"year,2020,2021\n1,2,3\n": `in:1: column 1: "year" is not a finite number, and the line is no header: column 2, "2020", is a number ` + hint,
		"1,2,x\n4,5,6\n":          `in:1: column 3: "x" is not a finite number, and the line is no header: column 1, "1", is a number ` + hint,
		"\n\n1,inf\n2,3\n":        `in:3: column 2: "inf" is not a finite number, and the line is no header: column 1, "1", is a number ` + hint,
		"1,2,\n":                  `in:1: column 3: empty field, want a number, and the line is no header: column 1, "1", is a number ` + hint,
		"1,1_000\n2,3\n":          `in:1: column 2: "1_000" is not a decimal number, and the line is no header: column 1, "1", is a number ` + hint,
		// Only the first line may be a header.
		"a,b\nc,d\n": `in:2: column 1: "c" is not a finite number`,
	})
}

func TestBOM(t *testing.T) {
	in := "\ufeffa,b\n1,2\n"
	check(t, in, read(t, in), [][]float64{{1, 2}}, []string{"a", "b"}, []int{2})

	in = "\ufeff1,2\n3,4\n"
	check(t, in, read(t, in), [][]float64{{1, 2}, {3, 4}}, nil, []int{1, 2})

	// Only at the start: elsewhere it is not part of a number.
	wantErrors(t, map[string]string{
		"1,2\n\ufeff3,4\n": `in:2: column 1: "\ufeff3" is not a finite number`,
	})
}

func TestLineEndsAndSpace(t *testing.T) {
	in := "a,b\r\n 1 ,\t2\r\n\r\n\n3,  4\n"
	check(t, in, read(t, in), [][]float64{{1, 2}, {3, 4}}, []string{"a", "b"}, []int{2, 5})

	in = "0.5,-1e3,+2,.25" // no final line end
	check(t, in, read(t, in), [][]float64{{0.5, -1000, 2, 0.25}}, nil, []int{1})
}

func TestRagged(t *testing.T) {
	wantErrors(t, map[string]string{
		"1,2,3\n4,5\n":      "in:2: 2 fields, want 3 as on line 1",
		"1,2\n3,4\n5,6,7\n": "in:3: 3 fields, want 2 as on line 1",
		"a,b\n1,2,3\n":      "in:2: 3 fields, want 2 as on line 1",
		"\n\n1,2\n\n3\n":    "in:5: 1 fields, want 2 as on line 3",
	})
}

func TestEmptyFields(t *testing.T) {
	wantErrors(t, map[string]string{
		"1,2,3\n1,,3\n": "in:2: column 2: empty field, want a number",
		"1,2\n3, \n":    "in:2: column 2: empty field, want a number",
		"1,2\n\"\",4\n": "in:2: column 1: empty field, want a number",
	})
}

// TestNumbers checks that numbers are finite and plain decimal, as in
// MatrixMarket files: NaN, infinities, values too large and the digit
// separators and hexadecimal forms of Go, all of which
// strconv.ParseFloat reads, are errors.
func TestNumbers(t *testing.T) {
	in := "5,-0.5,+.5e-3,1E+2,7.,-0\n"
	check(t, in, read(t, in), [][]float64{{5, -0.5, 0.0005, 100, 7, 0}}, nil, []int{1})

	cases := map[string]string{}
	for why, fields := range map[string][]string{
		"is not a finite number":  {"NaN", "nan", "+Inf", "-inf", "Infinity", "1e999", "-1e400", "1e"},
		"is not a decimal number": {"1_000", "1_0.5", "0x1p4", "-0X1P-2", "0x1p9999"},
	} {
		for _, f := range fields {
			cases["1,2\n3,"+f+"\n"] = fmt.Sprintf("in:2: column 2: %q %s", f, why)
		}
	}
	wantErrors(t, cases)
}

func TestSemicolonsAndTabs(t *testing.T) {
	// A first line without commas is one name, so the error is on line 2.
	wantErrors(t, map[string]string{
		"1;2;3\n4;5;6\n": `in:2: column 1: "4;5;6" is not a number (separate fields with commas)`,
		"1\t2\n3\t4\n":   `in:2: column 1: "3\t4" is not a number (separate fields with commas)`,
		"1,2\n3,4;5\n":   `in:2: column 2: "4;5" is not a number (separate fields with commas)`,
	})
}

func TestBlank(t *testing.T) {
	// Nothing, blank lines, a byte order mark or a header alone.
	for _, in := range []string{"", "\n\n\r\n", "\ufeff", "a,b,c\n\n", "\ufeffa\n", "\"a\"\r\n"} {
		wantErrors(t, map[string]string{in: "in: no rows of numbers"})
	}
}

func TestQuoted(t *testing.T) {
	in := "\"a,b\",\"say \"\"c\"\"\"\n\"1\",2\n3,\" 4 \"\n"
	check(t, in, read(t, in), [][]float64{{1, 2}, {3, 4}}, []string{"a,b", `say "c"`}, []int{2, 3})

	// A quoted line end is part of a name: the rows' lines say so.
	in = "\"two\nlines\",b\n1,2\n"
	check(t, in, read(t, in), [][]float64{{1, 2}}, []string{"two\nlines", "b"}, []int{3})

	wantErrors(t, map[string]string{
		"1,2\"\n":          `in:1:4: bare " in non-quoted-field`,
		"1,2\n\"3,4\n":     `in:2:6: extraneous or missing " in quoted-field`,
		"1,\"2\"x\n":       `in:1:5: extraneous or missing " in quoted-field`,
		"1,2\n\"3,4\",5\n": `in:2: column 1: "3,4" is not a finite number`,
	})
}

func TestErrorsWrap(t *testing.T) {
	if _, err := Read("in", strings.NewReader("1,2\"\n")); !errors.Is(err, csv.ErrBareQuote) {
		t.Errorf("bare quote: error %v is not csv.ErrBareQuote", err)
	}
	boom := errors.New("boom")
	_, err := Read("in", iotest.ErrReader(boom))
	if !errors.Is(err, boom) || err.Error() != "in: boom" {
		t.Errorf("failing reader: error %q, want \"in: boom\" wrapping it", err)
	}
}

func TestReadFile(t *testing.T) {
	if _, err := ReadFile("testdata/missing.csv"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile of a missing file: error %v, want fs.ErrNotExist", err)
	}
	path := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(path, []byte("1,2\n3,x\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	want := path + `:2: column 2: "x" is not a finite number`
	if _, err := ReadFile(path); err == nil || err.Error() != want {
		t.Errorf("ReadFile(%q) error = %v, want %q", path, err, want)
	}
}

func TestDigits(t *testing.T) {
	const path = "../../testdata/digits.csv"
	m, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n, c := m.X.Dims(); n != 1797 || c != 64 {
		t.Fatalf("%s is %d×%d, want 1797×64", path, n, c)
	}
	if m.Header != nil {
		t.Errorf("%s: header %q, want none", path, m.Header)
	}
	if len(m.Lines) != 1797 || m.Lines[0] != 1 || m.Lines[1796] != 1797 {
		t.Errorf("%s: lines %d..%d of %d, want 1..1797", path, m.Lines[0], m.Lines[len(m.Lines)-1], len(m.Lines))
	}
	if got := m.X.RawRowView(0)[:5]; !slices.Equal(got, []float64{0, 0, 5, 13, 9}) {
		t.Errorf("%s: row 1 starts %v, want [0 0 5 13 9]", path, got)
	}
	if lo, hi := mat.Min(m.X), mat.Max(m.X); lo != 0 || hi != 16 {
		t.Errorf("%s: pixels in [%v, %v], want [0, 16]", path, lo, hi)
	}
}

// endless yields NUL bytes forever, as /dev/zero, but fails the test, and
// the read, once more than budget bytes were asked for: a reader that
// cannot stop at a limit would otherwise run out of memory.
type endless struct {
	t      *testing.T
	read   int
	budget int
}

// Read fills p with NUL bytes.
func (e *endless) Read(p []byte) (int, error) {
	if e.read > e.budget {
		e.t.Errorf("read %d bytes of an endless line, want at most %d", e.read, e.budget)
		return 0, errors.New("endless: over budget")
	}
	clear(p)
	e.read += len(p)
	return len(p), nil
}

// TestEndlessLine reads a line of NUL bytes that never ends, as from
// /dev/zero: Read must stop soon after 64 MiB, with bounded memory.
func TestEndlessLine(t *testing.T) {
	const limit = 64 << 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r := &endless{t: t, budget: limit + 1<<20}
	_, err := Read("in", r)
	runtime.ReadMemStats(&after)
	if want := "in:1: line longer than 64 MiB"; err == nil || err.Error() != want {
		t.Errorf("Read of an endless line: error %v, want %q", err, want)
	}
	// encoding/csv grows its line buffer by appends (about 5× the line in
	// all, a quarter of it live at the end) and copies the record twice.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 10*limit {
		t.Errorf("Read of an endless line allocated %d MiB, want at most %d", alloc>>20, 10*limit>>20)
	}
}

// TestLongRecord checks the limit on a record at its edge, on later lines
// and across the lines a quoted field joins, with a small limit.
func TestLongRecord(t *testing.T) {
	ok := []string{
		"1234567890\n",            // 10 bytes
		"1\n1234567890\n",         // on a later line
		"123456789\r\n",           // CR LF: the CR counts
		"1234567890",              // no line end
		"\"12345678\"\n",          // quoted
		"\"1\n\n\n\n\n\n9\"\n1\n", // a header of 10 bytes over 7 lines
	}
	for _, in := range ok {
		if _, err := readLimit("in", strings.NewReader(in), 10); err != nil {
			t.Errorf("readLimit(%q, 10): %v", in, err)
		}
	}
	for in, want := range map[string]string{
		"12345678901\n":                 "in:1: line longer than 10 bytes",
		"1234567890\r\n":                "in:1: line longer than 10 bytes",
		"1,2\n3,4\n123456,78901\n":      "in:3: line longer than 10 bytes",
		"1\n\"12345\n78\n01\"\n":        "in:2: record of lines 2 to 4 longer than 10 bytes (is a closing quote missing?)",
		"1,2\n\"\n\n\n\n\n\n\n\n\n\n\n": "in:2: record of lines 2 to 12 longer than 10 bytes (is a closing quote missing?)",
		// An error on an earlier line comes first.
		"1,2\n3,\"4\"x\n" + strings.Repeat("5", 4096) + "\n": `in:2:5: extraneous or missing " in quoted-field`,
	} {
		m, err := readLimit("in", strings.NewReader(in), 10)
		if err == nil || err.Error() != want {
			t.Errorf("readLimit(%.20q, 10) = %v, %v, want error %q", in, m, err, want)
		}
	}
	// The lines of a quoted header are counted, and so are those of the
	// reads without quotes after it.
	in := "\"a\nb\",c\n" + strings.Repeat("3,4\n", 4000) + "123,4567890\n"
	_, err := readLimit("in", strings.NewReader(in), 10)
	if want := "in:4003: line longer than 10 bytes"; err == nil || err.Error() != want {
		t.Errorf("readLimit of 4003 lines: %v, want %q", err, want)
	}
}

// sameMatrix reports whether a and b have the same shape and entries, NaN
// matching NaN.
func sameMatrix(a, b *mat.Dense) bool {
	r, c := a.Dims()
	if br, bc := b.Dims(); r != br || c != bc {
		return false
	}
	for i := range r {
		for j := range c {
			if x, y := a.At(i, j), b.At(i, j); x != y && !(math.IsNaN(x) && math.IsNaN(y)) {
				return false
			}
		}
	}
	return true
}

// TestWriteReadsBack writes matrices with and without a header and reads
// them back to the same bits, and writes a history as its columns say.
func TestWriteReadsBack(t *testing.T) {
	a := mat.NewDense(2, 3, []float64{0.1, 1e-300, -2.5, 1.0 / 3, 0, 12345678.9})
	for _, header := range [][]string{nil, {"a", "b c", "d,e"}} {
		var b bytes.Buffer
		if err := Write(&b, a, header); err != nil {
			t.Fatal(err)
		}
		m, err := Read("written", &b)
		if err != nil {
			t.Fatal(err)
		}
		if !mat.Equal(m.X, a) || !slices.Equal(m.Header, header) {
			t.Errorf("header %q: read back %v with header %q", header, mat.Formatted(m.X), m.Header)
		}
	}
	var b bytes.Buffer
	if err := WriteHistory(&b, []float64{3, 0.25}); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "iteration,objective\n1,3\n2,0.25\n"; got != want {
		t.Errorf("history %q, want %q", got, want)
	}
}
