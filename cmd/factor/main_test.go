package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/factorgo/factor"
)

// runFactor runs the command in-process and returns its exit status and
// outputs.
func runFactor(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// readNumbers reads a CSV file of numbers, after a header line when
// header is true, and returns the header and the rows.
func readNumbers(t *testing.T, path string, header bool) ([]string, [][]float64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var names []string
	if header {
		names, recs = recs[0], recs[1:]
	}
	rows := make([][]float64, len(recs))
	for i, rec := range recs {
		rows[i] = make([]float64, len(rec))
		for j, s := range rec {
			if rows[i][j], err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatalf("%s: row %d: %v", path, i+1, err)
			}
		}
	}
	return names, rows
}

// readCoordinate reads a small MatrixMarket coordinate file into a dense
// matrix, independently of the library's reader.
func readCoordinate(t *testing.T, path string) [][]float64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var x [][]float64
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "%") {
			continue
		}
		var n [3]float64
		for i := range f {
			n[i], _ = strconv.ParseFloat(f[i], 64)
		}
		if x == nil { // the size line
			x = make([][]float64, int(n[0]))
			for i := range x {
				x[i] = make([]float64, int(n[1]))
			}
			continue
		}
		x[int(n[0])-1][int(n[1])-1] += n[2]
	}
	return x
}

// summaryField returns the value after label in the summary.
func summaryField(t *testing.T, stdout, label string) string {
	t.Helper()
	for _, line := range strings.Split(stdout, "\n") {
		if rest, ok := strings.CutPrefix(line, label+" "); ok {
			return strings.Fields(rest)[0]
		}
	}
	t.Fatalf("summary has no %q line:\n%s", label, stdout)
	return ""
}

// checkShape fails unless a is r×c with finite non-negative entries.
func checkShape(t *testing.T, name string, a [][]float64, r, c int) {
	t.Helper()
	if len(a) != r {
		t.Fatalf("%s has %d rows, want %d", name, len(a), r)
	}
	for i, row := range a {
		if len(row) != c {
			t.Fatalf("%s row %d has %d values, want %d", name, i+1, len(row), c)
		}
		for j, v := range row {
			if !(v >= 0) || math.IsInf(v, 0) {
				t.Fatalf("%s[%d][%d] = %g, want finite and ≥ 0", name, i, j, v)
			}
		}
	}
}

// checkPNG fails unless path is a PNG of the given size (when not zero)
// with more than one colour.
func checkPNG(t *testing.T, path string, size image.Point) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	if size != (image.Point{}) && b.Size() != size {
		t.Errorf("%s is %v, want %v", path, b.Size(), size)
	}
	first := img.At(b.Min.X, b.Min.Y)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.At(x, y) != first {
				return
			}
		}
	}
	t.Errorf("%s is blank: every pixel is %v", path, first)
}

// checkOutputs checks the files a successful run wrote to dir for the data
// x and k components against its summary, and returns the fitted H.
func checkOutputs(t *testing.T, dir string, x [][]float64, k int, header []string, stdout string) [][]float64 {
	t.Helper()
	n, m := len(x), len(x[0])
	_, w := readNumbers(t, filepath.Join(dir, "W.csv"), false)
	checkShape(t, "W", w, n, k)
	names, h := readNumbers(t, filepath.Join(dir, "H.csv"), header != nil)
	checkShape(t, "H", h, k, m)
	if strings.Join(names, ",") != strings.Join(header, ",") {
		t.Errorf("H.csv header = %q, want %q", names, header)
	}

	var res, norm float64
	for i := range n {
		for j := range m {
			var wh float64
			for c := range k {
				wh += w[i][c] * h[c][j]
			}
			res += (x[i][j] - wh) * (x[i][j] - wh)
			norm += x[i][j] * x[i][j]
		}
	}
	got := math.Sqrt(res / norm)
	want, err := strconv.ParseFloat(summaryField(t, stdout, "relative error"), 64)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-want) > 1e-5*want {
		t.Errorf("relative error from the files = %.8g, summary says %.8g", got, want)
	}
	if !(want < 1) {
		t.Errorf("relative error %g: W·H does not approximate X", want)
	}

	hdr, hist := readNumbers(t, filepath.Join(dir, "history.csv"), true)
	if strings.Join(hdr, ",") != "iteration,objective" {
		t.Errorf("history.csv header = %q", hdr)
	}
	iters, _ := strconv.Atoi(summaryField(t, stdout, "iterations"))
	if len(hist) != iters || iters == 0 {
		t.Errorf("history.csv has %d rows, summary says %d iterations", len(hist), iters)
	}
	for i, row := range hist {
		if len(row) != 2 || row[0] != float64(i+1) {
			t.Fatalf("history.csv row %d = %v, want iteration %d and objective", i+1, row, i+1)
		}
	}
	checkPNG(t, filepath.Join(dir, "convergence.png"), image.Point{})
	for _, name := range []string{"W.csv", "H.csv", "history.csv", "convergence.png"} {
		if !strings.Contains(stdout, filepath.Join(dir, name)) {
			t.Errorf("summary does not list %s:\n%s", name, stdout)
		}
	}
	return h
}

func TestDenseCSV(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runFactor(t, "", "-k", "2", "-max-iter", "50", "-quiet", "-out", dir, "testdata/dense.csv")
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	if stderr != "" {
		t.Errorf("-quiet printed on stderr:\n%s", stderr)
	}
	_, x := readNumbers(t, "testdata/dense.csv", false)
	checkOutputs(t, dir, x, 2, nil, stdout)
	if _, err := os.Stat(filepath.Join(dir, "components.png")); err == nil {
		t.Error("components.png written without -image")
	}
}

// TestStaleComponentsRemoved runs with -image and then without into the
// same directory: the second run's W and H must not sit beside the first
// run's picture.
func TestStaleComponentsRemoved(t *testing.T) {
	dir := t.TempDir()
	picture := filepath.Join(dir, "components.png")
	if code, _, stderr := runFactor(t, "", "-k", "2", "-max-iter", "5", "-quiet", "-image", "2x2", "-out", dir, "testdata/header.csv"); code != 0 {
		t.Fatalf("run with -image: exit status %d, stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(picture); err != nil {
		t.Fatalf("run with -image wrote no components.png: %v", err)
	}
	if code, _, stderr := runFactor(t, "", "-k", "2", "-max-iter", "5", "-quiet", "-out", dir, "testdata/header.csv"); code != 0 {
		t.Fatalf("run without -image: exit status %d, stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(picture); err == nil {
		t.Error("a run without -image left the earlier run's components.png in place")
	}
}

func TestHeaderCSV(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runFactor(t, "", "-k", "2", "-max-iter", "50", "-beta", "kl", "-image", "2x2", "-out", dir, "testdata/header.csv")
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	header, x := readNumbers(t, "testdata/header.csv", true)
	checkOutputs(t, dir, x, 2, header, stdout)
	checkPNG(t, filepath.Join(dir, "components.png"), image.Point{})
}

// TestNumericNames reads a header whose names strconv.ParseFloat reads as
// numbers, but which are not decimal numbers.
func TestNumericNames(t *testing.T) {
	dir := t.TempDir()
	in := "a,inf,NaN\n1,2,3\n4,5,6\n"
	code, stdout, stderr := runFactor(t, in, "-k", "1", "-max-iter", "20", "-quiet", "-out", dir, "-")
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	checkOutputs(t, dir, [][]float64{{1, 2, 3}, {4, 5, 6}}, 1, []string{"a", "inf", "NaN"}, stdout)
}

func TestMatrixMarket(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runFactor(t, "", "-k", "3", "-max-iter", "40", "-solver", "mu", "-out", dir, "testdata/sparse.mtx")
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "sparse, 13 stored entries") {
		t.Errorf("summary does not describe the input as sparse:\n%s", stdout)
	}
	checkOutputs(t, dir, readCoordinate(t, "testdata/sparse.mtx"), 3, nil, stdout)
}

func TestBuiltinDigits(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runFactor(t, "", "-max-iter", "5", "-quiet", "-out", dir)
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	zr, err := gzip.NewReader(bytes.NewReader(digitsGz))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(zr).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	x := make([][]float64, len(recs))
	for i, rec := range recs {
		for _, s := range rec {
			v, _ := strconv.ParseFloat(s, 64)
			x[i] = append(x[i], v)
		}
	}
	checkShape(t, "digits", x, 1797, 64)
	checkOutputs(t, dir, x, digitsK, nil, stdout)
	// 16 images of 8×8 pixels enlarged 12 times, in a 4×4 grid.
	side := 4*(8*12+gapPixels) + gapPixels
	checkPNG(t, filepath.Join(dir, "components.png"), image.Pt(side, side))
}

// TestEmbeddedCopy checks that the built-in data set is the repository's
// testdata/digits.csv.
func TestEmbeddedCopy(t *testing.T) {
	want, err := os.ReadFile("../../testdata/digits.csv")
	if err != nil {
		t.Skip(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(digitsGz))
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := got.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Error("data/digits.csv.gz is not a copy of testdata/digits.csv")
	}
}

func TestVocab(t *testing.T) {
	vocab := []string{"apple", "banana", "cherry", "date", "elder"}
	for _, file := range []string{"testdata/dense.csv", "testdata/sparse.mtx"} {
		code, stdout, stderr := runFactor(t, "", "-k", "3", "-max-iter", "20", "-quiet",
			"-vocab", "testdata/vocab.txt", "-top", "2", "-out", t.TempDir(), file)
		if code != 0 {
			t.Fatalf("%s: exit status %d, stderr:\n%s", file, code, stderr)
		}
		topics := 0
		for _, line := range strings.Split(stdout, "\n") {
			rest, ok := strings.CutPrefix(line, "topic ")
			if !ok {
				continue
			}
			topics++
			num, terms, _ := strings.Cut(rest, ": ")
			if num != strconv.Itoa(topics) {
				t.Errorf("%s: topic line %q, want topic %d", file, line, topics)
			}
			words := strings.Fields(terms)
			if len(words) != 2 || words[0] == words[1] {
				t.Errorf("%s: topic line %q, want 2 different terms", file, line)
			}
			for _, w := range words {
				if !strings.Contains(strings.Join(vocab, " "), w) {
					t.Errorf("%s: topic line %q has %q, not in the vocabulary", file, line, w)
				}
			}
		}
		if topics != 3 {
			t.Errorf("%s: %d topics printed, want 3:\n%s", file, topics, stdout)
		}
	}
}

func TestStdin(t *testing.T) {
	for _, file := range []string{"testdata/dense.csv", "testdata/sparse.mtx"} {
		in, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		code, stdout, stderr := runFactor(t, string(in), "-k", "2", "-max-iter", "30", "-quiet", "-out", dir, "-")
		if code != 0 {
			t.Fatalf("%s on stdin: exit status %d, stderr:\n%s", file, code, stderr)
		}
		x := readCoordinate(t, "testdata/sparse.mtx")
		if strings.HasSuffix(file, ".csv") {
			_, x = readNumbers(t, file, false)
		}
		checkOutputs(t, dir, x, 2, nil, stdout)
	}
}

func TestGzip(t *testing.T) {
	in, err := os.ReadFile("testdata/dense.csv")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dense.csv.gz")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(in)
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	code, stdout, stderr := runFactor(t, "", "-k", "2", "-max-iter", "30", "-quiet", "-out", dir, path)
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	_, x := readNumbers(t, "testdata/dense.csv", false)
	checkOutputs(t, dir, x, 2, nil, stdout)
}

// TestFewIterations checks the outputs of fits of zero and one iteration,
// whose convergence plots have no line to draw.
func TestFewIterations(t *testing.T) {
	for _, iters := range []string{"0", "1"} {
		dir := t.TempDir()
		code, stdout, stderr := runFactor(t, "", "-k", "2", "-max-iter", iters, "-out", dir, "testdata/dense.csv")
		if code != 0 {
			t.Fatalf("-max-iter %s: exit status %d, stderr:\n%s", iters, code, stderr)
		}
		if got := summaryField(t, stdout, "iterations"); got != iters {
			t.Errorf("-max-iter %s: %s iterations", iters, got)
		}
		_, hist := readNumbers(t, filepath.Join(dir, "history.csv"), true)
		if strconv.Itoa(len(hist)) != iters {
			t.Errorf("-max-iter %s: history.csv has %d rows", iters, len(hist))
		}
		checkPNG(t, filepath.Join(dir, "convergence.png"), image.Point{})
	}
}

func TestProgressLines(t *testing.T) {
	code, _, stderr := runFactor(t, "", "-k", "2", "-max-iter", "100", "-tol", "0", "-out", t.TempDir(), "testdata/dense.csv")
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	sc := bufio.NewScanner(strings.NewReader(stderr))
	n := 0
	for sc.Scan() {
		n++
		want := "factor: iteration " + strconv.Itoa(10*n) + "/100, objective "
		if !strings.HasPrefix(sc.Text(), want) {
			t.Errorf("progress line %d = %q, want prefix %q", n, sc.Text(), want)
		}
	}
	if n != 10 {
		t.Errorf("%d progress lines, want 10:\n%s", n, stderr)
	}
}

// TestRestarts runs several concurrent restarts, whose progress reports
// interleave.
func TestRestarts(t *testing.T) {
	code, stdout, stderr := runFactor(t, "", "-k", "2", "-restarts", "3", "-max-iter", "20", "-tol", "0", "-out", t.TempDir(), "testdata/dense.csv")
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	for r := 1; r <= 3; r++ {
		if want := fmt.Sprintf("factor: run %d/3, iteration 20/20, objective ", r); !strings.Contains(stderr, want) {
			t.Errorf("stderr has no %q:\n%s", want, stderr)
		}
	}
	if got := summaryField(t, stdout, "iterations"); got != "20" {
		t.Errorf("%s iterations, want 20", got)
	}
}

// TestFlagsAfterFile checks that flags may follow FILE, but not "--".
func TestFlagsAfterFile(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runFactor(t, "", "testdata/dense.csv", "-k", "2", "-max-iter", "10", "-quiet", "-out", dir)
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	_, x := readNumbers(t, "testdata/dense.csv", false)
	checkOutputs(t, dir, x, 2, nil, stdout)

	code, _, stderr = runFactor(t, "", "-k", "2", "-out", dir, "--", "testdata/dense.csv", "-quiet")
	if code != 2 || !strings.Contains(stderr, "too many arguments: testdata/dense.csv -quiet") {
		t.Errorf("flag after --: exit status %d, stderr %q", code, stderr)
	}
}

func TestHelp(t *testing.T) {
	code, stdout, stderr := runFactor(t, "", "-h")
	if code != 0 || stdout != "" {
		t.Errorf("-h: exit status %d, stdout %q", code, stdout)
	}
	for _, flag := range []string{"-k", "-solver", "-beta", "-init", "-alpha-h", "-l1-ratio", "-tol", "-max-iter",
		"-restarts", "-seed", "-out", "-save", "-vocab", "-top", "-image", "-quiet"} {
		if !strings.Contains(stderr, "  "+flag+" ") && !strings.Contains(stderr, "  "+flag+"\n") {
			t.Errorf("-h does not document %s:\n%s", flag, stderr)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
		want  string // in stderr
	}{
		{"ragged rows", []string{"-k", "2", "testdata/ragged.csv"}, "", 1, "testdata/ragged.csv:3: 3 fields, want 4 as on line 1"},
		{"text in a number column", []string{"-k", "2", "testdata/text.csv"}, "", 1, `testdata/text.csv:3: column 2: "abc" is not a finite number`},
		{"negative value", []string{"-k", "2", "testdata/negative.csv"}, "", 1, "testdata/negative.csv:4: column 2: negative value -3"},
		{"negative sparse value", []string{"-k", "2", "testdata/negative.mtx"}, "", 1, "testdata/negative.mtx: row 2, column 3: negative value -2"},
		{"malformed MatrixMarket", []string{"-k", "1", "-"}, "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 x 1\n", 1, "stdin: malformed file: line 3"},
		{"names and numbers on the first line", []string{"-k", "1", "-"}, "year,2020\n1,2\n", 1,
			`stdin:1: column 1: "year" is not a finite number, and the line is no header: column 2, "2020", is a number (a header must have no numeric names)`},
		{"a typo on the first line", []string{"-k", "1", "-"}, "1,2,x\n3,4,5\n", 1, `stdin:1: column 3: "x" is not a finite number, and the line is no header`},
		{"underscored number", []string{"-k", "1", "-"}, "1,2\n1_000,3\n", 1, `stdin:2: column 1: "1_000" is not a decimal number`},
		{"hexadecimal number", []string{"-k", "1", "-"}, "1,2\n3,0x1p4\n", 1, `stdin:2: column 2: "0x1p4" is not a decimal number`},
		{"MatrixMarket size the reader refuses", []string{"-k", "1", "-"}, "%%MatrixMarket matrix coordinate real general\n67108865 2 0\n", 1,
			"stdin: malformed file: line 2: dimensions 67108865×2"},
		{"empty input", []string{"-k", "1", "-"}, "", 1, "stdin: no rows of numbers"},
		{"zero value for -beta is", []string{"-k", "2", "-beta", "is", "testdata/dense.csv"}, "", 1, "testdata/dense.csv:1: column 2: zero value"},
		{"missing file", []string{"-k", "2", "testdata/missing.csv"}, "", 1, "testdata/missing.csv: no such file"},
		{"directory", []string{"-k", "2", "testdata"}, "", 1, "testdata is a directory"},
		{"vocabulary of the wrong size", []string{"-k", "2", "-vocab", "testdata/vocab.txt", "testdata/header.csv"}, "", 1, "5 terms, but the data has 4 columns"},
		{"unknown -beta", []string{"-k", "2", "-beta", "foo", "testdata/dense.csv"}, "", 2, `invalid value "foo" for flag -beta`},
		{"unknown -solver", []string{"-k", "2", "-solver", "foo", "testdata/dense.csv"}, "", 2, `invalid value "foo" for flag -solver: want auto, hals, mu or ahals`},
		{"unknown flag", []string{"-x", "testdata/dense.csv"}, "", 2, "flag provided but not defined: -x"},
		{"missing -k", []string{"testdata/dense.csv"}, "", 2, "-k is required"},
		{"-k too large", []string{"-k", "6", "testdata/dense.csv"}, "", 2, "-k 6 is too large for a 6×5 matrix"},
		{"-k zero", []string{"-k", "0", "testdata/dense.csv"}, "", 2, "-k 0: want at least 1"},
		{"negative -alpha", []string{"-k", "2", "-alpha", "-1", "testdata/dense.csv"}, "", 2, "-alpha -1"},
		{"-l1-ratio above 1", []string{"-k", "2", "-l1-ratio", "2", "testdata/dense.csv"}, "", 2, "-l1-ratio 2"},
		{"hals with kl", []string{"-k", "2", "-solver", "hals", "-beta", "kl", "testdata/dense.csv"}, "", 2, "-solver hals minimizes only the Frobenius loss"},
		{"-image of the wrong size", []string{"-k", "2", "-image", "2x2", "testdata/dense.csv"}, "", 2, "-image 2x2 needs 4 columns, but the data has 5"},
		{"-image overflowing the column count", []string{"-k", "2", "-image", "5x3689348814741910324", "testdata/header.csv"}, "", 2,
			"-image 5x3689348814741910324 needs 18446744073709551620 columns, but the data has 4"},
		{"-image too large for an int", []string{"-k", "2", "-image", "4294967296x4294967296", "testdata/header.csv"}, "", 2,
			"-image 4294967296x4294967296 needs 18446744073709551616 columns, but the data has 4"},
		{"malformed -image", []string{"-k", "2", "-image", "8", "testdata/dense.csv"}, "", 2, `invalid value "8" for flag -image`},
		{"empty -out", []string{"-k", "2", "-out", "", "testdata/dense.csv"}, "", 2, "-out: want a directory name"},
		{"two files", []string{"-k", "2", "testdata/dense.csv", "testdata/dense.csv"}, "", 2, "too many arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkFailure(t, tt.stdin, tt.code, tt.want, func(out string) []string { return append([]string{"-out", out}, tt.args...) })
		})
	}
}

// checkFailure runs factor with the arguments args gives for an output
// directory and fails unless it exits with status code, says want on
// stderr after "factor: ", prints nothing on stdout and writes no file.
func checkFailure(t *testing.T, stdin string, code int, want string, args func(out string) []string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	got, stdout, stderr := runFactor(t, stdin, args(out)...)
	if got != code {
		t.Errorf("exit status %d, want %d", got, code)
	}
	if !strings.HasPrefix(stderr, "factor: ") || !strings.Contains(stderr, want) {
		t.Errorf("stderr = %q, want factor: ...%s...", stderr, want)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
	if files, err := os.ReadDir(out); err == nil && len(files) > 0 {
		t.Errorf("output directory has %d files, want none", len(files))
	}
}

// TestStagingAbort checks that a failure while writing the outputs leaves
// no file behind, and that a commit renames every file into place.
func TestStagingAbort(t *testing.T) {
	dir := t.TempDir()
	s := &staging{dir: dir}
	if err := s.write("a.txt", func(w io.Writer) error { _, err := io.WriteString(w, "a"); return err }); err != nil {
		t.Fatal(err)
	}
	if err := s.write("b.txt", func(io.Writer) error { return errors.New("broken") }); err == nil {
		t.Fatal("write of b.txt did not fail")
	}
	s.abort()
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("abort left %d files", len(files))
	}

	s = &staging{dir: dir}
	for _, name := range []string{"a.txt", "b.txt"} {
		if err := s.write(name, func(w io.Writer) error { _, err := io.WriteString(w, name); return err }); err != nil {
			t.Fatal(err)
		}
	}
	paths, err := s.commit()
	if err != nil || len(paths) != 2 {
		t.Fatalf("commit = %q, %v", paths, err)
	}
	for _, p := range paths {
		if b, err := os.ReadFile(p); err != nil || string(b) != filepath.Base(p) {
			t.Errorf("%s = %q, %v", p, b, err)
		}
	}
	if files, _ := os.ReadDir(dir); len(files) != 2 {
		t.Errorf("directory has %d files after commit, want 2", len(files))
	}
}

// TestLongLines checks the limits on the length of a CSV line and of a
// vocabulary line: 64 MiB and 1 MiB.
func TestLongLines(t *testing.T) {
	dir := t.TempDir()
	vocab := filepath.Join(dir, "vocab.txt")
	long := strings.Repeat("x", 1<<20)
	for _, tt := range []struct {
		terms []string
		code  int
		want  string
	}{
		{[]string{"a", long, "c", "d", "e"}, 0, ""},
		{[]string{"a", long + "y", "c", "d", "e"}, 1, vocab + ":2: line longer than 1 MiB"},
		{[]string{"a", "b", long + long + long, "d", "e"}, 1, vocab + ":3: line longer than 1 MiB"},
	} {
		if err := os.WriteFile(vocab, []byte(strings.Join(tt.terms, "\n")+"\n"), 0o666); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runFactor(t, "", "-k", "2", "-max-iter", "5", "-quiet", "-vocab", vocab, "-out", filepath.Join(dir, "out"), "testdata/dense.csv")
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("vocabulary line of %d bytes: exit status %d, stderr %q; want %d, %q", len(tt.terms[1]), code, stderr, tt.code, tt.want)
		}
	}
}

// TestDevZero reads /dev/zero, an endless line of NUL bytes, as the data
// and as the vocabulary: each must fail soon, without filling memory.
func TestDevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip(err)
	}
	for _, args := range [][]string{
		{"-k", "1", "/dev/zero"},
		{"-k", "1", "-vocab", "/dev/zero", "testdata/dense.csv"},
	} {
		args = append([]string{"-quiet", "-out", t.TempDir()}, args...)
		code, _, stderr := runFactor(t, "", args...)
		want := "factor: /dev/zero:1: line longer than 64 MiB\n"
		if args[len(args)-1] != "/dev/zero" {
			want = "factor: /dev/zero:1: line longer than 1 MiB\n"
		}
		if code != 1 || stderr != want {
			t.Errorf("factor %s: exit status %d, stderr %q; want 1, %q", strings.Join(args, " "), code, stderr, want)
		}
	}
}

// readTree returns the files of dir by name, with "/" for a directory,
// and fails on any other kind of file.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		if e.IsDir() {
			files[e.Name()] = "/"
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(b)
	}
	return files
}

// checkTree fails unless dir holds exactly the files of want, byte for
// byte.
func checkTree(t *testing.T, what, dir string, want map[string]string) {
	t.Helper()
	got := readTree(t, dir)
	for name, b := range got {
		switch w, ok := want[name]; {
		case !ok:
			t.Errorf("%s: %s left in the output directory", what, name)
		case b != w:
			t.Errorf("%s: %s was changed", what, name)
		}
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("%s: %s is gone", what, name)
		}
	}
}

// TestOutputsAllOrNothing checks that a run whose outputs cannot all be
// moved into place leaves every file of an earlier run as it was, and that
// a run that can replaces them all.
func TestOutputsAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	factor := func(args ...string) (int, string) {
		t.Helper()
		args = append([]string{"-k", "2", "-max-iter", "5", "-quiet", "-out", dir}, args...)
		code, _, stderr := runFactor(t, "", append(args, "testdata/header.csv")...)
		return code, stderr
	}
	if code, stderr := factor("-image", "2x2"); code != 0 {
		t.Fatalf("first run: exit status %d, stderr:\n%s", code, stderr)
	}
	first := readTree(t, dir)
	if len(first) != 5 {
		t.Fatalf("first run wrote %d files, want 5", len(first))
	}
	// blocker puts a directory with a file in it in place of name.
	blocker := func(name string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(p, "keep"), 0o777); err != nil {
			t.Fatal(err)
		}
	}
	// restore puts the first run's name back in place of a blocker.
	restore := func(name string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.RemoveAll(p); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(first[name]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	other := []string{"-init", "random", "-seed", "3"} // outputs that differ from the first run's

	// H.csv is the second file to move: W.csv was moved before it fails.
	blocker("H.csv")
	want := readTree(t, dir)
	code, stderr := factor(append(other, "-image", "2x2")...)
	if code != 1 || !strings.Contains(stderr, filepath.Join(dir, "H.csv")) {
		t.Errorf("directory H.csv: exit status %d, stderr %q; want 1 and a message naming it", code, stderr)
	}
	checkTree(t, "directory H.csv", dir, want)
	restore("H.csv")

	// Removing the earlier components.png is the last step of a run
	// without -image.
	blocker("components.png")
	want = readTree(t, dir)
	code, stderr = factor(other...)
	if code != 1 || !strings.Contains(stderr, filepath.Join(dir, "components.png")) {
		t.Errorf("directory components.png: exit status %d, stderr %q; want 1 and a message naming it", code, stderr)
	}
	checkTree(t, "directory components.png", dir, want)
	restore("components.png")

	checkTree(t, "restored", dir, first)
	if code, stderr := factor(other...); code != 0 {
		t.Fatalf("rerun: exit status %d, stderr:\n%s", code, stderr)
	}
	got := readTree(t, dir)
	for _, name := range []string{"W.csv", "H.csv", "history.csv", "convergence.png"} {
		if got[name] == first[name] {
			t.Errorf("rerun: %s is the first run's", name)
		}
	}
	if _, ok := got["components.png"]; ok || len(got) != 4 {
		t.Errorf("rerun without -image left %d files, want W.csv, H.csv, history.csv and convergence.png", len(got))
	}
}

// TestCommitRollback makes each rename of a commit fail in turn, and then
// also every rename after it, so that undoing fails too: the first must
// leave every earlier file as it was, and the second must lose none. The
// files are those of writeOutputs, with small contents.
func TestCommitRollback(t *testing.T) {
	defer func() { rename = os.Rename }()
	names := []string{"W.csv", "H.csv", "history.csv", "convergence.png", "components.png"}
	// outputs commits the files of a run, drawn or not, as writeOutputs.
	outputs := func(dir, run string, drawn bool) ([]string, error) {
		s := &staging{dir: dir}
		defer s.abort()
		for _, name := range names {
			if name == "components.png" && !drawn {
				s.remove(name)
				continue
			}
			if err := s.write(name, func(w io.Writer) error { _, err := io.WriteString(w, run+" "+name); return err }); err != nil {
				return nil, err
			}
		}
		return s.commit()
	}
	for _, drawn := range []bool{true, false} {
		// Each file is moved aside and then in, and an undrawn
		// components.png aside.
		files, renames := 5, 10
		if !drawn {
			files, renames = 4, 9
		}
		for _, undoFails := range []bool{false, true} {
			dir := t.TempDir()
			if _, err := outputs(dir, "earlier", true); err != nil {
				t.Fatal(err)
			}
			earlier := readTree(t, dir)
			for k := 0; ; k++ {
				what := fmt.Sprintf("drawn %v, rename %d fails (undoing fails: %v)", drawn, k, undoFails)
				calls := 0
				rename = func(from, to string) error {
					if calls++; calls > k && (calls == k+1 || undoFails) {
						return fmt.Errorf("rename %s %s: broken", from, to)
					}
					return os.Rename(from, to)
				}
				paths, err := outputs(dir, "new", drawn)
				if err == nil {
					if calls != k || calls != renames {
						t.Fatalf("%s: no error after %d renames", what, calls)
					}
					if len(paths) != files {
						t.Errorf("%s: paths %q", what, paths)
					}
					break
				}
				if !undoFails || k == 0 {
					checkTree(t, what, dir, earlier)
					if want := "no file in " + dir + " was changed"; !strings.HasSuffix(err.Error(), want) {
						t.Errorf("%s: error %q, want it to end %q", what, err, want)
					}
					continue
				}
				// Nothing is lost: each earlier file is in place or in a
				// file the error names.
				if !strings.Contains(err.Error(), "undoing the steps before it failed too") {
					t.Errorf("%s: error %q does not say undoing failed", what, err)
				}
				now := readTree(t, dir)
				for name, b := range earlier {
					if now[name] == b {
						continue
					}
					found := false
					for other, ob := range now {
						found = found || ob == b && strings.HasPrefix(other, "."+name+".") && strings.Contains(err.Error(), other)
					}
					if !found {
						t.Errorf("%s: the earlier %s is lost", what, name)
					}
				}
				// Start the next k from the earlier files again.
				for name := range now {
					os.Remove(filepath.Join(dir, name))
				}
				for name, b := range earlier {
					os.WriteFile(filepath.Join(dir, name), []byte(b), 0o644)
				}
			}
			rename = os.Rename
			want := map[string]string{}
			for _, name := range names[:files] {
				want[name] = "new " + name
			}
			checkTree(t, fmt.Sprintf("drawn %v, commit", drawn), dir, want)
		}
	}
}

// TestLibraryErrors checks how the errors of a fit are worded and which
// exit status they give: an error of the library that the command does
// not know, such as one of a sentinel added later, is a failure (status
// 1) with the library's message.
func TestLibraryErrors(t *testing.T) {
	d := &dataset{name: "in.csv", lines: []int{2, 3}}
	o := &options{beta: betaValue(factor.ItakuraSaito)}
	tooLarge := errors.New("factor: too large") // as a sentinel the library may add
	for _, tt := range []struct {
		err  error
		want string
		code int
	}{
		{fmt.Errorf("%w: X needs 13 GB", tooLarge), "fit failed: too large: X needs 13 GB", 1},
		{fmt.Errorf("%w: ‖X‖² overflows", factor.ErrNotFinite), "fit failed: NaN or infinite value: ‖X‖² overflows", 1},
		{&factor.EntryError{Row: 1, Col: 0, Value: -1, Err: factor.ErrNegative}, "in.csv:3: column 1: negative value -1: NMF needs non-negative data", 1},
		{&factor.EntryError{Row: 0, Col: 2, Err: fmt.Errorf("%w: odd", tooLarge)}, "in.csv:2: column 3: too large: odd", 1},
		{fmt.Errorf("stopped: %w", context.Canceled), "interrupted", 1},
		{fmt.Errorf("%w: k 0", factor.ErrInvalidOption), "invalid option: k 0", 2},
	} {
		err := fitError(tt.err, d, o)
		if err.Error() != tt.want || exitStatus(err) != tt.code {
			t.Errorf("fitError(%v) = %q, exit status %d; want %q, %d", tt.err, err, exitStatus(err), tt.want, tt.code)
		}
	}
}
