package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// nan marks a missing entry of the test data.
var nan = math.NaN()

// obsX is a 7×4 matrix with 7 missing entries, the first in row 1, so that
// a file without a header starts with a row that has a missing cell.
var obsX = [][]float64{
	{1, nan, 3, 4},
	{2, 1, nan, 0},
	{nan, 5, 2, 1},
	{3, 3, 1, 2},
	{1, 1, 1, nan},
	{0, 2, nan, 3},
	{4, nan, 2, nan},
}

// obsHeader names the columns of obsX.
var obsHeader = []string{"red", "green", "blue", "alpha"}

// missingSpellings are the ways a CSV file of the tests writes a missing
// cell, taken in turn: all that -observed-only reads as missing.
var missingSpellings = []string{"", "NA", "nan", "NaN", " na ", `""`, "NAN"}

// csvText writes x as CSV after the header, if any, each missing entry in
// the next of missingSpellings.
func csvText(header []string, x [][]float64) string {
	var b strings.Builder
	if header != nil {
		b.WriteString(strings.Join(header, ",") + "\n")
	}
	next := 0
	for _, row := range x {
		for j, v := range row {
			if j > 0 {
				b.WriteByte(',')
			}
			if math.IsNaN(v) {
				b.WriteString(missingSpellings[next%len(missingSpellings)])
				next++
			} else {
				b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// denseOf returns x as a *mat.Dense, NaN for the missing entries.
func denseOf(x [][]float64) *mat.Dense {
	d := mat.NewDense(len(x), len(x[0]), nil)
	for i, row := range x {
		d.SetRow(i, row)
	}
	return d
}

// countMissing returns the number of NaN entries of x.
func countMissing(x [][]float64) int {
	n := 0
	for _, row := range x {
		for _, v := range row {
			if math.IsNaN(v) {
				n++
			}
		}
	}
	return n
}

// observedFit fits x with the library as factor -observed-only -k k
// -max-iter iters does, with the feature names when not nil.
func observedFit(t *testing.T, x mat.Matrix, k, iters int, names []string) *factor.NMF {
	t.Helper()
	opts := []factor.Option{factor.WithK(k), factor.WithBeta(factor.Frobenius), factor.WithInit(factor.InitAuto),
		factor.WithAlpha(0), factor.WithL1Ratio(0), factor.WithTol(factor.DefaultTol), factor.WithMaxIter(iters),
		factor.WithSeed(0), factor.WithSolver(factor.SolverAuto), factor.WithRestarts(factor.DefaultRestarts),
		factor.WithObservedOnly()}
	if names != nil {
		opts = append(opts, factor.WithFeatureNames(names))
	}
	m := factor.NewNMF(opts...)
	if err := m.Fit(x); err != nil {
		t.Fatal(err)
	}
	return m
}

// observedRelErr returns ‖X − WH‖_F / ‖X‖_F over the entries of x that
// are not NaN, and the same with the NaN entries taken as zeros, from the
// factors as the command wrote them.
func observedRelErr(x, w, h [][]float64) (observed, zeros float64) {
	var res, norm, resZ float64
	for i, row := range x {
		for j, v := range row {
			var wh float64
			for c := range h {
				wh += w[i][c] * h[c][j]
			}
			if math.IsNaN(v) {
				resZ += wh * wh
				continue
			}
			res += (v - wh) * (v - wh)
			norm += v * v
		}
	}
	return math.Sqrt(res / norm), math.Sqrt((res + resZ) / norm)
}

// checkRelErr checks the relative error the summary printed against the
// one over the observed entries of x, from the written factors, and that
// it is not the one that takes the missing entries for zeros.
func checkRelErr(t *testing.T, stdout string, x, w, h [][]float64) {
	t.Helper()
	if !strings.Contains(stdout, "(‖X − WH‖_F / ‖X‖_F over the observed entries)") {
		t.Errorf("summary does not say the relative error is over the observed entries:\n%s", stdout)
	}
	got, err := strconv.ParseFloat(summaryField(t, stdout, "relative error"), 64)
	if err != nil {
		t.Fatal(err)
	}
	want, zeros := observedRelErr(x, w, h)
	if math.Abs(got-want) > 1e-5*want {
		t.Errorf("summary's relative error %.8g, want %.8g over the observed entries", got, want)
	}
	if math.Abs(zeros-want) < 1e-3*want {
		t.Fatalf("test data: the error with zeros for the missing entries, %g, is the observed one, %g", zeros, want)
	}
}

// checkObservedModel checks that the model file holds the library's model
// ref, byte for byte, and that it is of format version 2 with the flag of
// WithObservedOnly (docs/model-format.md: bytes 8 and 9 the version, byte
// 11 the flags, bit 0 WithObservedOnly).
func checkObservedModel(t *testing.T, path string, ref *factor.NMF) {
	t.Helper()
	got := must(os.ReadFile(path))
	if len(got) < 12 || got[8] != 2 || got[9] != 0 || got[11]&1 == 0 {
		t.Fatalf("model file starts % x, want version 2 and flag bit 0", got[:min(12, len(got))])
	}
	want, err := ref.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("model file (%d bytes) is not the library's fit (%d bytes)", len(got), len(want))
	}
}

// topicLines returns the lines "topic N: ..." of the top n terms of each
// component of h, computed here.
func topicLines(h *mat.Dense, terms []string, n int) []string {
	k, _ := h.Dims()
	var lines []string
	for c := range k {
		var top []string
		for _, j := range topN(h.RawRowView(c), n) {
			top = append(top, terms[j])
		}
		lines = append(lines, fmt.Sprintf("topic %d: %s", c+1, strings.Join(top, " ")))
	}
	return lines
}

// linesWith returns the lines of s that start with prefix.
func linesWith(s, prefix string) []string {
	var lines []string
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, prefix) {
			lines = append(lines, line)
		}
	}
	return lines
}

// sameFile fails unless the file at path holds what fill writes.
func sameFile(t *testing.T, path string, fill func(*bytes.Buffer) error) {
	t.Helper()
	var want bytes.Buffer
	if err := fill(&want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(must(os.ReadFile(path)), want.Bytes()) {
		t.Errorf("%s is not the picture of the library's fit", path)
	}
}

// TestObservedCSV fits a CSV file with missing cells in every spelling
// with -observed-only: every output is the library's fit of the matrix
// with NaN at the missing cells WithObservedOnly, to the bit, and the
// summary's relative error is over the observed entries.
func TestObservedCSV(t *testing.T) {
	const k, iters = 2, 60
	file := tempFile(t, "x.csv", csvText(obsHeader, obsX))
	vocab := tempFile(t, "vocab.txt", "r\ng\nb\na\n")
	dir := t.TempDir()
	out, model := filepath.Join(dir, "out"), filepath.Join(dir, "x.model")
	code, stdout, stderr := runFactor(t, "", "-observed-only", "-k", strconv.Itoa(k), "-max-iter", strconv.Itoa(iters), "-quiet",
		"-image", "2x2", "-vocab", vocab, "-top", "2", "-save", model, "-out", out, file)
	if code != 0 || stderr != "" {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	ref := observedFit(t, denseOf(obsX), k, iters, obsHeader)

	_, w := readNumbers(t, filepath.Join(out, "W.csv"), false)
	sameBits(t, "W", w, ref.W())
	names, h := readNumbers(t, filepath.Join(out, "H.csv"), true)
	sameBits(t, "H", h, ref.H())
	if !slices.Equal(names, obsHeader) {
		t.Errorf("H.csv header %q, want %q", names, obsHeader)
	}
	_, hist := readNumbers(t, filepath.Join(out, "history.csv"), true)
	want := ref.History()
	if len(hist) != len(want) || len(want) == 0 {
		t.Fatalf("history.csv has %d iterations, the library's fit %d", len(hist), len(want))
	}
	for i, row := range hist {
		if row[0] != float64(i+1) || math.Float64bits(row[1]) != math.Float64bits(want[i]) || math.IsNaN(row[1]) {
			t.Fatalf("history.csv line %d = %v, want %d,%v", i+2, row, i+1, want[i])
		}
	}
	sameFile(t, filepath.Join(out, "convergence.png"), func(b *bytes.Buffer) error { return plotConvergence(b, want) })
	sameFile(t, filepath.Join(out, "components.png"), func(b *bytes.Buffer) error { return drawComponents(b, ref.H(), imageSize{2, 2}) })
	checkObservedModel(t, model, ref)

	if got := summaryField(t, stdout, "iterations"); got != strconv.Itoa(ref.NIter()) {
		t.Errorf("summary: %s iterations, want %d", got, ref.NIter())
	}
	if got := summaryField(t, stdout, "objective"); got != fmt.Sprintf("%.6g", ref.Objective()) {
		t.Errorf("summary: objective %s, want %.6g", got, ref.Objective())
	}
	if line := fmt.Sprintf("%s: 7×4 dense, %d missing entries\n", file, countMissing(obsX)); !strings.Contains(stdout, line) {
		t.Errorf("summary does not say %q:\n%s", line, stdout)
	}
	checkRelErr(t, stdout, obsX, w, h)
	if got, want := linesWith(stdout, "topic "), topicLines(ref.H(), []string{"r", "g", "b", "a"}, 2); !slices.Equal(got, want) {
		t.Errorf("topics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Without a header, the first line, which has a missing cell, is the
	// first row.
	out = filepath.Join(t.TempDir(), "out")
	code, stdout, stderr = runFactor(t, csvText(nil, obsX), "-observed-only", "-k", "2", "-max-iter", "60", "-quiet", "-out", out, "-")
	if code != 0 {
		t.Fatalf("no header: exit status %d, stderr:\n%s", code, stderr)
	}
	ref = observedFit(t, denseOf(obsX), k, iters, nil)
	_, w = readNumbers(t, filepath.Join(out, "W.csv"), false)
	sameBits(t, "W without a header", w, ref.W())
	_, h = readNumbers(t, filepath.Join(out, "H.csv"), false)
	sameBits(t, "H without a header", h, ref.H())
	checkRelErr(t, stdout, obsX, w, h)
}

// TestMissingWithoutFlag reads the files of TestObservedCSV without
// -observed-only: each missing cell is an error, worded as ever, and
// nothing is written.
func TestMissingWithoutFlag(t *testing.T) {
	for _, tt := range []struct {
		name, in, want string
	}{
		{"header", csvText(obsHeader, obsX), "factor: stdin:2: column 2: empty field, want a number\n"},
		{"no header", csvText(nil, obsX), `factor: stdin:1: column 2: empty field, want a number, and the line is no header: column 1, "1", is a number (a header must have no numeric names)` + "\n"},
		{"NA", "a,b\n1,NA\n", `factor: stdin:2: column 2: "NA" is not a finite number` + "\n"},
		{"nan", "1,2\nnan,3\n", `factor: stdin:2: column 1: "nan" is not a finite number` + "\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			out, model := filepath.Join(dir, "out"), filepath.Join(dir, "x.model")
			code, stdout, stderr := runFactor(t, tt.in, "-k", "1", "-quiet", "-save", model, "-out", out, "-")
			if code != 1 || stderr != tt.want || stdout != "" {
				t.Errorf("exit status %d, stdout %q, stderr %q; want 1, nothing, %q", code, stdout, stderr, tt.want)
			}
			if files, err := os.ReadDir(dir); err != nil || len(files) != 0 {
				t.Errorf("wrote %d files, want none (%v)", len(files), err)
			}
		})
	}
}

// obsTriplets are the stored entries of a 5×4 coordinate file, its
// explicit zero an observed zero: with -observed-only the 11 others are
// missing.
var obsTriplets = struct {
	i, j []int
	v    []float64
}{
	i: []int{0, 0, 1, 1, 1, 2, 3, 3, 4},
	j: []int{0, 2, 1, 2, 3, 0, 1, 3, 2},
	v: []float64{3, 1, 2, 4, 0, 5, 1, 2, 6},
}

// obsCoordinate writes obsTriplets as a MatrixMarket coordinate file and
// returns its path, the CSR matrix and the matrix with NaN where the file
// lists no entry.
func obsCoordinate(t *testing.T) (string, *factor.CSR, [][]float64) {
	t.Helper()
	tr := obsTriplets
	text := fmt.Sprintf("%%%%MatrixMarket matrix coordinate real general\n5 4 %d\n", len(tr.v))
	x := make([][]float64, 5)
	for i := range x {
		x[i] = []float64{nan, nan, nan, nan}
	}
	for p, v := range tr.v {
		text += fmt.Sprintf("%d %d %g\n", tr.i[p]+1, tr.j[p]+1, v)
		x[tr.i[p]][tr.j[p]] = v
	}
	csr, err := factor.NewCSRFromTriplets(5, 4, tr.i, tr.j, tr.v)
	if err != nil {
		t.Fatal(err)
	}
	return tempFile(t, "x.mtx", text), csr, x
}

// TestObservedMatrixMarket fits a coordinate file with -observed-only:
// the library's fit of its CSR matrix WithObservedOnly, whose unstored
// entries are missing, with the relative error over the stored entries.
// An array file has no missing entries, and NaN in it is an error.
func TestObservedMatrixMarket(t *testing.T) {
	file, csr, x := obsCoordinate(t)
	dir := t.TempDir()
	out, model := filepath.Join(dir, "out"), filepath.Join(dir, "x.model")
	code, stdout, stderr := runFactor(t, "", "-observed-only", "-k", "2", "-max-iter", "80", "-quiet", "-save", model, "-out", out, file)
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	ref := observedFit(t, csr, 2, 80, nil)
	_, w := readNumbers(t, filepath.Join(out, "W.csv"), false)
	sameBits(t, "W", w, ref.W())
	_, h := readNumbers(t, filepath.Join(out, "H.csv"), false)
	sameBits(t, "H", h, ref.H())
	checkObservedModel(t, model, ref)
	if line := file + ": 5×4 sparse, 9 stored entries, the observed ones\n"; !strings.Contains(stdout, line) {
		t.Errorf("summary does not say %q:\n%s", line, stdout)
	}
	checkRelErr(t, stdout, x, w, h)

	// Array files: every entry is observed, and NaN is no number.
	array := "%%MatrixMarket matrix array real general\n3 2\n1\n2\n3\n4\n5\n6\n"
	code, stdout, stderr = runFactor(t, array, "-observed-only", "-k", "1", "-quiet", "-out", t.TempDir(), "-")
	if code != 0 || !strings.Contains(stdout, "stdin: 3×2 dense, 0 missing entries\n") {
		t.Errorf("array file: exit status %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
	out = filepath.Join(t.TempDir(), "out")
	code, _, stderr = runFactor(t, strings.Replace(array, "\n5\n", "\nnan\n", 1), "-observed-only", "-k", "1", "-quiet", "-out", out, "-")
	if code != 1 || !strings.Contains(stderr, "factor: stdin: malformed file: line 7") || !strings.Contains(stderr, "not finite") {
		t.Errorf("array file with NaN: exit status %d, stderr %q; want 1 and the reader's error", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("array file with NaN: the output directory was made")
	}
}

// TestObservedTransform transforms rows with missing entries with a model
// fitted with -observed-only: W.csv is the library's Transform of the
// loaded model, which reads NaN and unstored entries as missing, and the
// summary's relative error is over the observed entries. A model fitted
// without it refuses missing cells as the fit does.
func TestObservedTransform(t *testing.T) {
	model, _ := fitSave(t, tempFile(t, "x.csv", csvText(obsHeader, obsX)), "-observed-only", "-k", "2", "-max-iter", "60")
	m := loadNMF(t, model)
	rows := [][]float64{
		{nan, 2, 1, nan},
		{3, nan, nan, nan},
		{nan, nan, nan, nan},
		{1, 2, 3, 4},
	}
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runFactor(t, csvText(obsHeader, rows), "transform", "-model", model, "-out", out, "-")
	if code != 0 || stderr != "" {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	want, err := m.Transform(denseOf(rows))
	if err != nil {
		t.Fatal(err)
	}
	_, w := readNumbers(t, filepath.Join(out, "W.csv"), false)
	sameBits(t, "transform's W", w, want)
	if files := readTree(t, out); len(files) != 1 {
		t.Errorf("transform wrote %d files, want W.csv alone", len(files))
	}
	checkRelErr(t, stdout, rows, w, rowsOf(m.H()))
	if !strings.Contains(stdout, fmt.Sprintf("stdin: 4×4 dense, %d missing entries\n", countMissing(rows))) {
		t.Errorf("summary does not count the missing entries:\n%s", stdout)
	}

	// A coordinate file: its unlisted entries are missing.
	file, csr, x := obsCoordinate(t)
	out = filepath.Join(t.TempDir(), "out")
	if code, stdout, stderr = runFactor(t, "", "transform", "-model", model, "-out", out, file); code != 0 {
		t.Fatalf("coordinate file: exit status %d, stderr:\n%s", code, stderr)
	}
	if want, err = m.Transform(csr); err != nil {
		t.Fatal(err)
	}
	_, w = readNumbers(t, filepath.Join(out, "W.csv"), false)
	sameBits(t, "transform's W of the coordinate file", w, want)
	checkRelErr(t, stdout, x, w, rowsOf(m.H()))

	// A model fitted without -observed-only.
	full := [][]float64{{1, 2, 3, 4}, {2, 1, 1, 0}, {0, 5, 2, 1}}
	plain, _ := fitSave(t, tempFile(t, "full.csv", csvText(obsHeader, full)), "-k", "2", "-max-iter", "20")
	if b := must(os.ReadFile(plain)); b[8] != 1 || b[11] != 0 {
		t.Fatalf("model fitted without -observed-only starts % x, want version 1 without flags", b[:12])
	}
	out = filepath.Join(t.TempDir(), "out")
	code, stdout, stderr = runFactor(t, csvText(obsHeader, rows), "transform", "-model", plain, "-out", out, "-")
	if want := "factor: stdin:2: column 1: empty field, want a number\n"; code != 1 || stderr != want || stdout != "" {
		t.Errorf("missing cells with a model fitted without -observed-only: exit status %d, stderr %q; want 1, %q", code, stderr, want)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("the failed transform made its output directory")
	}
	// Its coordinate files are complete: the unlisted entries are zeros.
	if code, stdout, stderr = runFactor(t, "", "transform", "-model", plain, "-out", out, file); code != 0 {
		t.Fatalf("coordinate file, model without -observed-only: exit status %d, stderr:\n%s", code, stderr)
	}
	if strings.Contains(stdout, "observed") {
		t.Errorf("summary of a model without -observed-only speaks of observed entries:\n%s", stdout)
	}
}

// rowsOf returns the rows of a.
func rowsOf(a *mat.Dense) [][]float64 {
	r, _ := a.Dims()
	out := make([][]float64, r)
	for i := range out {
		out[i] = slices.Clone(a.RawRowView(i))
	}
	return out
}

// TestObservedErrors checks the errors of -observed-only: the flags it
// does not go with are usage errors (exit status 2), data with nothing
// observed, or a first line of nothing but missing cells, failures (1).
func TestObservedErrors(t *testing.T) {
	for _, tt := range []struct {
		name  string
		args  []string
		stdin string
		code  int
		want  string
	}{
		{"-batch-size", []string{"-k", "1", "-batch-size", "2", "-"}, "1,2\n3,4\n", 2,
			"factor: -observed-only does not apply with -batch-size: MiniBatchNMF does not take missing entries\n"},
		{"-solver ahals", []string{"-k", "1", "-solver", "ahals", "-"}, "1,2\n3,4\n", 2,
			"factor: -solver ahals does not take missing entries (-observed-only); use -solver hals or auto\n"},
		{"nothing observed", []string{"-k", "1", "-"}, "a,b\nNA,\n,nan\n", 1,
			"factor: stdin: no entry is observed, every one is missing: nothing to fit\n"},
		{"nothing stored", []string{"-k", "1", "-"}, "%%MatrixMarket matrix coordinate real general\n2 2 0\n", 1,
			"factor: stdin: no entry is observed, every one is missing: nothing to fit\n"},
		{"a first line of missing cells", []string{"-k", "1", "-"}, "NA,\n1,2\n", 1,
			"factor: stdin:1: every field is missing (empty, NA or NaN): the line is a header without a name or a row without a value, and nothing tells which; start the file with a header line of names, or leave the row out\n"},
		{"another spelling", []string{"-k", "1", "-"}, "1,2\n?,4\n", 1,
			`factor: stdin:2: column 1: "?" is not a finite number nor a missing value (empty, NA or NaN)` + "\n"},
		{"a typo on the first line", []string{"-k", "1", "-"}, "1,NA,x\n1,2,3\n", 1,
			`factor: stdin:1: column 3: "x" is not a finite number nor a missing value (empty, NA or NaN), and the line is no header: column 1, "1", is a number (a header must have no numeric names)` + "\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			code, stdout, stderr := runFactor(t, tt.stdin, append([]string{"-observed-only", "-quiet", "-out", out}, tt.args...)...)
			if tt.code == 2 {
				tt.want += "usage: factor [flags] [FILE]; run factor -h for the flags\n"
			}
			if code != tt.code || stderr != tt.want || stdout != "" {
				t.Errorf("exit status %d, stdout %q, stderr %q; want %d, nothing, %q", code, stdout, stderr, tt.code, tt.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("the output directory was made")
			}
		})
	}
	// -h documents the flag.
	if _, _, stderr := runFactor(t, "", "-h"); !strings.Contains(stderr, "  -observed-only\n") || !strings.Contains(stderr, "empty, NA or NaN") {
		t.Errorf("-h does not document -observed-only:\n%s", stderr)
	}
}
