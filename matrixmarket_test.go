package factor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"gonum.org/v1/gonum/mat"
)

// mmValid are well-formed files and the matrices they hold, worked out by
// hand.
var mmValid = []struct {
	name   string
	in     string
	sparse bool // want a *CSR, else a *mat.Dense
	nnz    int  // stored entries, when sparse
	want   [][]float64
}{
	{
		name: "coordinate real general",
		in: `%%MatrixMarket matrix coordinate real general
3 4 4
1 1 1.5
2 3 -2
3 4 1e-3
1 4 -2.5E+01
`,
		sparse: true, nnz: 4,
		want: [][]float64{
			{1.5, 0, 0, -25},
			{0, 0, -2, 0},
			{0, 0, 0, 0.001},
		},
	},
	{
		name: "coordinate integer",
		in: `%%MatrixMarket matrix coordinate integer general
2 2 2
1 2 7
2 1 -3
`,
		sparse: true, nnz: 2,
		want: [][]float64{{0, 7}, {-3, 0}},
	},
	{
		name: "coordinate pattern",
		in: `%%MatrixMarket matrix coordinate pattern general
2 3 3
1 1
1 3
2 2
`,
		sparse: true, nnz: 3,
		want: [][]float64{{1, 0, 1}, {0, 1, 0}},
	},
	{
		name: "coordinate symmetric mirrors off-diagonal entries",
		in: `%%MatrixMarket matrix coordinate real symmetric
3 3 4
1 1 2
2 1 -1
3 2 4
3 3 5
`,
		sparse: true, nnz: 6,
		want: [][]float64{
			{2, -1, 0},
			{-1, 0, 4},
			{0, 4, 5},
		},
	},
	{
		name: "coordinate pattern symmetric",
		in: `%%MatrixMarket matrix coordinate pattern symmetric
3 3 2
2 1
3 3
`,
		sparse: true, nnz: 3,
		want: [][]float64{
			{0, 1, 0},
			{1, 0, 0},
			{0, 0, 1},
		},
	},
	{
		name: "coordinate skew-symmetric mirrors with negated sign",
		in: `%%MatrixMarket matrix coordinate real skew-symmetric
3 3 2
2 1 3
3 1 -0.5
`,
		sparse: true, nnz: 4,
		want: [][]float64{
			{0, -3, 0.5},
			{3, 0, 0},
			{-0.5, 0, 0},
		},
	},
	{
		name: "coordinate duplicates are summed",
		in: `%%MatrixMarket matrix coordinate real general
2 2 4
1 1 1
2 2 0.5
1 1 2.5
2 2 -0.5
`,
		sparse: true, nnz: 2, // (2, 2) is stored, as 0
		want: [][]float64{{3.5, 0}, {0, 0}},
	},
	{
		name: "coordinate with no entries",
		in: `%%MatrixMarket matrix coordinate real general
2 3 0
`,
		sparse: true, nnz: 0,
		want: [][]float64{{0, 0, 0}, {0, 0, 0}},
	},
	{
		name: "comments, blank lines, CRLF and spacing",
		in: "%%MatrixMarket matrix coordinate real general\r\n" +
			"% a comment\r\n" +
			"\r\n" +
			"%another comment\r\n" +
			"   \r\n" +
			"2 2 2\r\n" +
			"\r\n" +
			"1 1 1\r\n" +
			"  % between entries\r\n" +
			"\t2 2   2 \r\n" +
			"\r\n" +
			"% trailing comment",
		sparse: true, nnz: 2,
		want: [][]float64{{1, 0}, {0, 2}},
	},
	{
		name: "case-insensitive banner",
		in: `%%matrixmarket MATRIX Coordinate REAL General
1 2 1
1 2 4
`,
		sparse: true, nnz: 1,
		want: [][]float64{{0, 4}},
	},
	{
		name: "no newline at end",
		in:   "%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 -7.25",
		// -7.25 has no trailing newline.
		sparse: true, nnz: 1,
		want: [][]float64{{-7.25}},
	},
	{
		name: "array general is column-major",
		in: `%%MatrixMarket matrix array real general
2 3
1
2
3
4
5
6
`,
		want: [][]float64{
			{1, 3, 5},
			{2, 4, 6},
		},
	},
	{
		name: "array integer with comments",
		in: `%%MatrixMarket matrix array integer general
% column vector
3 1

-1
% middle
0
12
`,
		want: [][]float64{{-1}, {0}, {12}},
	},
	{
		name: "array symmetric lists the lower triangle by columns",
		in: `%%MatrixMarket matrix array real symmetric
3 3
1
2
3
4
5
6
`,
		want: [][]float64{
			{1, 2, 3},
			{2, 4, 5},
			{3, 5, 6},
		},
	},
	{
		name: "array skew-symmetric lists the strictly lower triangle",
		in: `%%MATRIXMARKET Matrix ARRAY Real Skew-Symmetric
3 3
1
2
3
`,
		want: [][]float64{
			{0, -1, -2},
			{1, 0, -3},
			{2, 3, 0},
		},
	},
	{
		name: "array skew-symmetric 1×1 has no values",
		in:   "%%MatrixMarket matrix array real skew-symmetric\n1 1\n",
		want: [][]float64{{0}},
	},
}

func TestReadMatrixMarket(t *testing.T) {
	for _, tc := range mmValid {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ReadMatrixMarket(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if c, ok := m.(*CSR); tc.sparse && !ok {
				t.Fatalf("got %T, want *CSR", m)
			} else if ok && c.NNZ() != tc.nnz {
				t.Errorf("NNZ = %d, want %d", c.NNZ(), tc.nnz)
			}
			if _, ok := m.(*mat.Dense); !tc.sparse && !ok {
				t.Fatalf("got %T, want *mat.Dense", m)
			}
			mmCheckMatrix(t, m, tc.want)
		})
	}
}

// mmCheckMatrix compares m with the rows of want.
func mmCheckMatrix(t *testing.T, m mat.Matrix, want [][]float64) {
	t.Helper()
	r, c := m.Dims()
	if r != len(want) || c != len(want[0]) {
		t.Fatalf("dims %d×%d, want %d×%d", r, c, len(want), len(want[0]))
	}
	for i, row := range want {
		for j, w := range row {
			if got := m.At(i, j); got != w {
				t.Errorf("At(%d, %d) = %v, want %v", i, j, got, w)
			}
		}
	}
}

const (
	mmCoordBanner = "%%MatrixMarket matrix coordinate real general\n"
	mmArrayBanner = "%%MatrixMarket matrix array real general\n"
)

// mmInvalid are malformed files, the line each error is on, and part of its
// message.
var mmInvalid = []struct {
	name string
	in   string
	line int
	msg  string
}{
	{"empty file", "", 1, "want banner"},
	{"no banner", "2 2 1\n1 1 1\n", 1, `want banner "%%MatrixMarket matrix <format> <field> <symmetry>", got "2 2 1"`},
	{"comment before banner", "% hi\n" + mmCoordBanner + "1 1 0\n", 1, "want banner"},
	{"blank line before banner", "\n" + mmCoordBanner + "1 1 0\n", 1, "want banner"},
	{"short banner", "%%MatrixMarket matrix coordinate real\n1 1 0\n", 1, "want banner"},
	{"long banner", "%%MatrixMarket matrix coordinate real general extra\n1 1 0\n", 1, "want banner"},
	{"misspelt banner", "%%MatrixMarkt matrix coordinate real general\n1 1 0\n", 1, "want banner"},
	{"vector object", "%%MatrixMarket vector coordinate real general\n1 1 0\n", 1, "want banner"},
	{"unknown format", "%%MatrixMarket matrix sparse real general\n1 1 0\n", 1, `unknown format "sparse"`},
	{"complex", "%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n", 1, "complex matrices are not supported"},
	{"unknown field", "%%MatrixMarket matrix coordinate double general\n1 1 0\n", 1, `unknown field "double"`},
	{"hermitian", "%%MatrixMarket matrix coordinate real hermitian\n1 1 0\n", 1, "hermitian matrices are not supported"},
	{"unknown symmetry", "%%MatrixMarket matrix coordinate real upper\n1 1 0\n", 1, `unknown symmetry "upper"`},
	{"array pattern", "%%MatrixMarket matrix array pattern general\n1 1\n", 1, "pattern is only valid with format coordinate"},
	{"pattern skew-symmetric", "%%MatrixMarket matrix coordinate pattern skew-symmetric\n2 2 1\n2 1\n", 1, "pattern cannot be skew-symmetric"},

	{"no size line", mmCoordBanner + "% only a comment\n\n", 4, `want size line "rows cols entries", got end of file`},
	{"non-numeric size", mmCoordBanner + "%\n3 x 2\n", 3, `want size line "rows cols entries", got "3 x 2"`},
	{"size line too short", mmCoordBanner + "3 3\n", 2, `want size line "rows cols entries", got "3 3"`},
	{"array size line too long", mmArrayBanner + "3 3 9\n", 2, `want size line "rows cols", got "3 3 9"`},
	{"float size", mmCoordBanner + "2.0 2 1\n1 1 1\n", 2, "want size line"},
	{"overflowing size", mmCoordBanner + "99999999999999999999 1 0\n", 2, "want size line"},
	{"zero rows", mmCoordBanner + "0 3 0\n", 2, "dimensions 0×3: want at least 1×1"},
	{"negative columns", mmArrayBanner + "2 -3\n", 2, "dimensions 2×-3: want at least 1×1"},
	{"negative entry count", mmCoordBanner + "2 2 -1\n", 2, "entry count -1: want at least 0"},
	{"huge dimensions", mmCoordBanner + "100000000 1 0\n", 2, "want at most 67108864×67108864"},
	{"symmetric not square", "%%MatrixMarket matrix coordinate real symmetric\n3 4 1\n1 1 1\n", 2, "symmetric matrix is 3×4: want a square matrix"},
	{"array skew-symmetric not square", "%%MatrixMarket matrix array real skew-symmetric\n2 1\n1\n", 2, "skew-symmetric matrix is 2×1: want a square matrix"},

	{"example from the docs", mmCoordBanner + "% c\n3 3 2\n1 1 1\n\n% c\n3 x\n", 7, `want "row col value", got "3 x"`},
	{"too many fields", mmCoordBanner + "2 2 1\n1 1 1 1\n", 3, `want "row col value", got "1 1 1 1"`},
	{"pattern with value", "%%MatrixMarket matrix coordinate pattern general\n2 2 1\n1 1 1\n", 3, `want "row col", got "1 1 1"`},
	{"row index too large", mmCoordBanner + "3 3 1\n4 1 1\n", 3, "row index 4: want 1 to 3"},
	{"column index zero", mmCoordBanner + "3 2 2\n1 1 1\n2 0 1\n", 4, "column index 0: want 1 to 2"},
	{"negative row index", mmCoordBanner + "3 3 1\n-1 1 1\n", 3, "row index -1: want 1 to 3"},
	{"overflowing index", mmCoordBanner + "3 3 1\n1 99999999999999999999 1\n", 3, "column index 99999999999999999999: want 1 to 3"},
	{"non-integer index", mmCoordBanner + "3 3 1\n1.5 1 1\n", 3, `want an integer row index, got "1.5"`},
	{"non-numeric value", mmCoordBanner + "3 3 1\n1 1 abc\n", 3, `want a real value, got "abc"`},
	{"hexadecimal value", mmCoordBanner + "3 3 1\n1 1 0x1p-2\n", 3, `want a real value, got "0x1p-2"`},
	{"underscored value", mmCoordBanner + "3 3 1\n1 1 1_000\n", 3, `want a real value, got "1_000"`},
	{"Fortran exponent", mmCoordBanner + "3 3 1\n1 1 1.0D+00\n", 3, `want a real value, got "1.0D+00"`},
	{"fractional integer", "%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 1.5\n", 3, `want an integer value, got "1.5"`},
	{"NaN", mmCoordBanner + "3 3 2\n1 1 1\n2 2 NaN\n", 4, "value NaN is not finite"},
	{"Inf", mmCoordBanner + "3 3 1\n1 1 -Inf\n", 3, "value -Inf is not finite"},
	{"overflowing value", mmCoordBanner + "3 3 1\n1 1 1e999\n", 3, "value 1e999 is not finite"},
	{"array NaN", mmArrayBanner + "2 1\n1\nnan\n", 4, "value nan is not finite"},
	{"sum overflows", mmCoordBanner + "1 1 2\n1 1 1e308\n1 1 1e308\n", 4, "entries at (1, 1) sum to +Inf"},
	{"symmetric upper triangle", "%%MatrixMarket matrix coordinate real symmetric\n3 3 1\n1 2 1\n", 3, "entry (1, 2) above the diagonal"},
	{"skew-symmetric diagonal", "%%MatrixMarket matrix coordinate real skew-symmetric\n3 3 1\n2 2 1\n", 3, "entry (2, 2) on the diagonal"},

	{"too few entries", mmCoordBanner + "3 3 3\n1 1 1\n2 2 2\n", 5, "want entry 3 of the 3 declared on line 2, got end of file"},
	{"too few entries then comment", mmCoordBanner + "3 3 2\n1 1 1\n% end\n", 5, "want entry 2 of the 2 declared on line 2, got end of file"},
	{"too many entries", mmCoordBanner + "3 3 1\n1 1 1\n\n2 2 2\n", 5, `want end of file after the 1 entries due by line 2, got "2 2 2"`},
	{"huge entry count", mmCoordBanner + "2 2 1000000000000\n1 1 1\n", 2, "the 2×2 matrix declared needs about 43.7 TiB"},
	{"too few values", mmArrayBanner + "2 2\n1\n2\n3\n", 6, "want value 4 of the 4 for the 2×2 general matrix declared on line 2, got end of file"},
	{"too few symmetric values", "%%MatrixMarket matrix array real symmetric\n2 2\n1\n2\n", 5, "want value 3 of the 3 for the 2×2 symmetric matrix"},
	{"huge array", mmArrayBanner + "67108864 67108864\n1\n", 2, "the 67108864×67108864 matrix declared needs about 64.0 PiB"},
	{"many declared entries", mmCoordBanner + "2 2 100000\n1 1 1\n", 4, "want entry 2 of the 100000 declared on line 2"},
	{"too many values", mmArrayBanner + "1 2\n1\n2\n3\n", 5, `want end of file after the 2 values due by line 2, got "3"`},
	{"two values on a line", mmArrayBanner + "2 1\n1 2\n", 3, `want "value", got "1 2"`},
	{"long line", mmCoordBanner + "1 1 1\n1 1 " + strings.Repeat("1", mmMaxLine) + "\n", 3, "line longer than 1048576 bytes"},
}

func TestReadMatrixMarketErrors(t *testing.T) {
	for _, tc := range mmInvalid {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ReadMatrixMarket(strings.NewReader(tc.in))
			if err == nil {
				t.Fatalf("got a %T, want an error", m)
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("error %q does not wrap ErrFormat", err)
			}
			want := fmt.Sprintf("%v: line %d: ", ErrFormat, tc.line)
			if msg := err.Error(); !strings.HasPrefix(msg, want) || !strings.Contains(msg, tc.msg) {
				t.Errorf("error %q, want %q and %q", msg, want, tc.msg)
			}
		})
	}
}

func TestReadMatrixMarketExampleMessage(t *testing.T) {
	in := mmCoordBanner + "% c\n3 3 2\n1 1 1\n\n% c\n3 x\n"
	_, err := ReadMatrixMarket(strings.NewReader(in))
	const want = `factor: malformed file: line 7: want "row col value", got "3 x"`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestReadMatrixMarketReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader(mmCoordBanner+"2 2 2\n1 1 1\n"), iotest.ErrReader(boom))
	_, err := ReadMatrixMarket(r)
	if !errors.Is(err, boom) || errors.Is(err, ErrFormat) {
		t.Fatalf("error %v, want one wrapping %v and not ErrFormat", err, boom)
	}
	if !strings.Contains(err.Error(), "line 4") {
		t.Errorf("error %q does not name line 4", err)
	}
}

// mmAwkward are values whose shortest decimal form needs care.
var mmAwkward = []float64{
	0.1, -1.0 / 3, math.Pi, 1e22, 1e-300, 5e-324, -math.MaxFloat64,
	math.SmallestNonzeroFloat64 * 3, 123456789012345678, math.Copysign(0, -1), 2,
}

func TestWriteMatrixMarketRoundTripCSR(t *testing.T) {
	var is, js []int
	for p := range mmAwkward {
		is, js = append(is, p%4), append(js, (p*7)%5)
	}
	c, err := NewCSRFromTriplets(4, 5, is, js, mmAwkward)
	if err != nil {
		t.Fatal(err)
	}
	if c.NNZ() != len(mmAwkward) {
		t.Fatalf("test positions collide: NNZ = %d", c.NNZ())
	}
	back := mmRoundTrip(t, c)
	mmSameBits(t, c, back)
}

func TestWriteMatrixMarketRoundTripDense(t *testing.T) {
	d := mat.NewDense(3, 4, append(append([]float64(nil), mmAwkward...), -0.0001))
	back := mmRoundTrip(t, d)
	if _, ok := back.(*mat.Dense); !ok {
		t.Fatalf("read back a %T, want *mat.Dense", back)
	}
	mmSameBits(t, d, back)
}

// mmRoundTrip writes m and reads it back.
func mmRoundTrip(t *testing.T, m mat.Matrix) mat.Matrix {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteMatrixMarket(&buf, m); err != nil {
		t.Fatal(err)
	}
	back, err := ReadMatrixMarket(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// mmSameBits fails unless got has the type and dimensions of want and the same
// values bit for bit; for CSR matrices, the same stored entries.
func mmSameBits(t *testing.T, want, got mat.Matrix) {
	t.Helper()
	r, c := want.Dims()
	if gr, gc := got.Dims(); gr != r || gc != c {
		t.Fatalf("dims %d×%d, want %d×%d", gr, gc, r, c)
	}
	if wc, ok := want.(*CSR); ok {
		gc, ok := got.(*CSR)
		if !ok {
			t.Fatalf("got %T, want *CSR", got)
		}
		for i := 0; i < r; i++ {
			wj, wv := wc.RowNNZ(i)
			gj, gv := gc.RowNNZ(i)
			if fmt.Sprint(wj) != fmt.Sprint(gj) || !mmSameFloats(wv, gv) {
				t.Fatalf("row %d has %v at %v, want %v at %v", i, gv, gj, wv, wj)
			}
		}
		return
	}
	if _, ok := got.(*mat.Dense); !ok {
		t.Fatalf("got %T, want *mat.Dense", got)
	}
	for j := 0; j < c; j++ {
		for i := 0; i < r; i++ {
			if w, g := want.At(i, j), got.At(i, j); math.Float64bits(w) != math.Float64bits(g) {
				t.Fatalf("At(%d, %d) = %v, want %v", i, j, g, w)
			}
		}
	}
}

func mmSameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if math.Float64bits(a[k]) != math.Float64bits(b[k]) {
			return false
		}
	}
	return true
}

func TestWriteMatrixMarketFormat(t *testing.T) {
	c, err := NewCSRFromTriplets(2, 3, []int{1, 0, 0}, []int{0, 2, 0}, []float64{-2.5, 1e-07, 3})
	if err != nil {
		t.Fatal(err)
	}
	d := mat.NewDense(2, 2, []float64{1, 2, 0.5, -4})
	for _, tc := range []struct {
		name string
		m    mat.Matrix
		want string
	}{
		{"CSR", c, `%%MatrixMarket matrix coordinate real general
2 3 3
1 1 3
1 3 1e-07
2 1 -2.5
`},
		{"Dense", d, `%%MatrixMarket matrix array real general
2 2
1
0.5
2
-4
`},
		{"transposed CSR", c.T(), `%%MatrixMarket matrix coordinate real general
3 2 3
1 1 3
1 2 -2.5
3 1 1e-07
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteMatrixMarket(&buf, tc.m); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tc.want {
				t.Errorf("wrote\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// mmFailWriter fails once more than n bytes have been written to it.
type mmFailWriter struct{ n int }

var errMMWrite = errors.New("write failed")

func (w *mmFailWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return w.n, errMMWrite
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteMatrixMarketErrors(t *testing.T) {
	big := mat.NewDense(100, 100, nil)
	c, err := NewCSRFromTriplets(1000, 10, mmSeq(1000), make([]int, 1000), make([]float64, 1000))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		w    io.Writer
		m    mat.Matrix
		want error
	}{
		{"Dense, failing at once", &mmFailWriter{}, big, errMMWrite},
		{"Dense, failing midway", &mmFailWriter{n: 5000}, big, errMMWrite},
		{"small Dense, failing at flush", &mmFailWriter{n: 3}, mat.NewDense(1, 1, []float64{1}), errMMWrite},
		{"CSR, failing midway", &mmFailWriter{n: 5000}, c, errMMWrite},
		{"NaN", io.Discard, mat.NewDense(2, 2, []float64{1, 2, 3, math.NaN()}), ErrNotFinite},
		{"Inf", io.Discard, mat.NewDense(1, 2, []float64{math.Inf(-1), 0}), ErrNotFinite},
		{"empty", io.Discard, &mat.Dense{}, ErrShape},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := WriteMatrixMarket(tc.w, tc.m); !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
	var e *EntryError
	err = WriteMatrixMarket(io.Discard, mat.NewDense(2, 2, []float64{1, 2, 3, math.NaN()}))
	if !errors.As(err, &e) || e.Row != 1 || e.Col != 1 {
		t.Errorf("error %v, want an EntryError at (1, 1)", err)
	}
}

func mmSeq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func FuzzReadMatrixMarket(f *testing.F) {
	for _, tc := range mmValid {
		f.Add([]byte(tc.in))
	}
	for _, tc := range mmInvalid {
		if len(tc.in) < 1000 {
			f.Add([]byte(tc.in))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, cols, ok := mmDeclaredDims(data)
		if ok && (rows > 1<<12 || cols > 1<<12) {
			t.Skip("dimensions too large to fuzz quickly")
		}
		m, err := ReadMatrixMarket(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		if !ok {
			t.Fatalf("read a %T but found no size line", m)
		}
		if r, c := m.Dims(); r != rows || c != cols {
			t.Fatalf("dims %d×%d, but the size line says %d×%d", r, c, rows, cols)
		}
		mmSameBits(t, m, mmRoundTrip(t, m))
	})
}

// mmDeclaredDims returns the dimensions on the size line of a MatrixMarket
// file: the first line after the banner that is neither blank nor a comment.
func mmDeclaredDims(data []byte) (rows, cols int, ok bool) {
	lines := strings.Split(string(data), "\n")
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "%") {
			continue
		}
		if len(f) < 2 {
			return 0, 0, false
		}
		r, err1 := strconv.Atoi(f[0])
		c, err2 := strconv.Atoi(f[1])
		return r, c, err1 == nil && err2 == nil
	}
	return 0, 0, false
}
