package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// streamCSV returns a CSV of n×m non-negative numbers with a header.
func streamCSV(n, m int, seed uint64) (string, *mat.Dense) {
	rng := rand.New(rand.NewPCG(seed, 1))
	var b strings.Builder
	for j := range m {
		if j > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "c%d", j+1)
	}
	b.WriteByte('\n')
	x := mat.NewDense(n, m, nil)
	for i := range n {
		if i == 3 {
			b.WriteByte('\n') // a blank line: the lines of later rows shift
		}
		for j := range m {
			v := float64(rng.IntN(1000)) / 100
			x.Set(i, j, v)
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(fmt.Sprint(v))
		}
		b.WriteByte('\n')
	}
	return b.String(), x
}

// streamMM returns a general coordinate MatrixMarket file of an n×m
// sparse matrix with its entries in row order (columns shuffled within a
// row, some rows empty), and its rows as triplets.
func streamMM(n, m int, seed uint64) (string, [][][2]float64) {
	rng := rand.New(rand.NewPCG(seed, 2))
	rows := make([][][2]float64, n)
	nnz := 0
	for i := range rows {
		if i%5 == 2 {
			continue
		}
		for _, j := range rng.Perm(m)[:1+rng.IntN(m/2)] {
			rows[i] = append(rows[i], [2]float64{float64(j), float64(1+rng.IntN(99)) / 10})
			nnz++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%%%%MatrixMarket matrix coordinate real general\n%d %d %d\n", n, m, nnz)
	for i, r := range rows {
		for _, e := range r {
			fmt.Fprintf(&b, "%d %d %g\n", i+1, int(e[0])+1, e[1])
		}
	}
	return b.String(), rows
}

// csrBlock returns rows [lo, hi) of triplet rows as a CSR.
func csrBlock(t *testing.T, rows [][][2]float64, lo, hi, m int) *factor.CSR {
	t.Helper()
	var is, js []int
	var vs []float64
	for i := lo; i < hi; i++ {
		for _, e := range rows[i] {
			is, js, vs = append(is, i-lo), append(js, int(e[0])), append(vs, e[1])
		}
	}
	c, err := factor.NewCSRFromTriplets(hi-lo, m, is, js, vs)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// streamReference gives blocks to a MiniBatchNMF with the command's
// settings for -k k -batch-size b -max-iter epochs as the command does:
// PartialFit on each block in each epoch, then Transform of each, with
// the options extra after the command's. It returns the model and W.
func streamReference(t *testing.T, blocks []mat.Matrix, k, b, epochs int, extra ...factor.Option) (*factor.MiniBatchNMF, *mat.Dense) {
	t.Helper()
	model := factor.NewMiniBatchNMF(append([]factor.Option{factor.WithK(k), factor.WithBeta(factor.Frobenius), factor.WithInit(factor.InitAuto),
		factor.WithAlpha(0), factor.WithL1Ratio(0), factor.WithTol(factor.DefaultTol), factor.WithMaxIter(epochs),
		factor.WithSeed(0), factor.WithBatchSize(b)}, extra...)...)
	for range epochs {
		for _, x := range blocks {
			if err := model.PartialFit(x); err != nil {
				t.Fatal(err)
			}
		}
	}
	var w mat.Dense
	for _, x := range blocks {
		wb, err := model.Transform(x)
		if err != nil {
			t.Fatal(err)
		}
		if w.IsEmpty() {
			w.CloneFrom(wb)
		} else {
			var s mat.Dense
			s.Stack(&w, wb)
			w.CloneFrom(&s)
		}
	}
	return model, &w
}

// runStream runs factor -batch-size on file and fails on an error.
func runStream(t *testing.T, stdin, file, out string, args ...string) string {
	t.Helper()
	args = append(append([]string{"-quiet", "-out", out}, args...), file)
	code, stdout, stderr := runFactor(t, stdin, args...)
	if code != 0 {
		t.Fatalf("factor %s: exit status %d, stderr:\n%s", strings.Join(args, " "), code, stderr)
	}
	return stdout
}

// checkStreamOutputs checks W.csv, H.csv (with header), history.csv and
// the summary of a streamed run against the library's model and W.
func checkStreamOutputs(t *testing.T, out, stdout string, model *factor.MiniBatchNMF, w *mat.Dense, header []string, epochs int) {
	t.Helper()
	_, gotW := readNumbers(t, filepath.Join(out, "W.csv"), false)
	sameBits(t, "W", gotW, w)
	names, gotH := readNumbers(t, filepath.Join(out, "H.csv"), header != nil)
	sameBits(t, "H", gotH, model.H())
	if strings.Join(names, ",") != strings.Join(header, ",") {
		t.Errorf("H.csv header %q, want %q", names, header)
	}
	_, hist := readNumbers(t, filepath.Join(out, "history.csv"), true)
	want := model.History()
	if len(hist) != len(want) {
		t.Fatalf("history.csv has %d steps, want %d", len(hist), len(want))
	}
	for i, row := range hist {
		if row[0] != float64(i+1) || row[1] != want[i] {
			t.Fatalf("history.csv line %d = %v, want %d,%v", i+2, row, i+1, want[i])
		}
	}
	if got := summaryField(t, stdout, "steps"); got != fmt.Sprint(model.NSteps()) {
		t.Errorf("summary: steps %s, want %d", got, model.NSteps())
	}
	if got := summaryField(t, stdout, "epochs"); got != fmt.Sprint(epochs) {
		t.Errorf("summary: epochs %s, want %d", got, epochs)
	}
}

// TestStreamCSV streams a CSV file with a header: the outputs are those of
// the library's PartialFit over the same blocks in each epoch and
// Transform of each block, to the bit, and the epochs re-read the file.
func TestStreamCSV(t *testing.T) {
	const n, m, k, b, epochs = 23, 7, 3, 5, 3
	data, x := streamCSV(n, m, 1)
	file := tempFile(t, "x.csv", data)
	var blocks []mat.Matrix
	for lo := 0; lo < n; lo += b {
		blocks = append(blocks, mat.DenseCopyOf(x.Slice(lo, min(lo+b, n), 0, m)))
	}
	model, w := streamReference(t, blocks, k, b, epochs)
	if got, want := model.NSteps(), epochs*((n+b-1)/b); got != want {
		t.Fatalf("reference NSteps %d, want %d", got, want)
	}
	out := t.TempDir()
	stdout := runStream(t, "", file, out, "-k", "3", "-batch-size", "5", "-max-iter", "3")
	header := []string{"c1", "c2", "c3", "c4", "c5", "c6", "c7"}
	checkStreamOutputs(t, out, stdout, model, w, header, epochs)

	// Standard input, read once with -max-iter 1, gives the file's outputs.
	model1, w1 := streamReference(t, blocks, k, b, 1)
	out = t.TempDir()
	stdout = runStream(t, data, "-", out, "-k", "3", "-batch-size", "5", "-max-iter", "1")
	checkStreamOutputs(t, out, stdout, model1, w1, header, 1)
}

// TestStreamMatrixMarket streams a sparse MatrixMarket file, plain and
// gzip-compressed, as the library's CSR blocks, and with a batch larger
// than the file.
func TestStreamMatrixMarket(t *testing.T) {
	const n, m, k, epochs = 41, 12, 4, 2
	data, rows := streamMM(n, m, 2)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(data))
	zw.Close()
	plain := tempFile(t, "x.mtx", data)
	zipped := tempFile(t, "x.mtx.gz", gz.String())
	for _, b := range []int{8, 100} {
		var blocks []mat.Matrix
		for lo := 0; lo < n; lo += b {
			blocks = append(blocks, csrBlock(t, rows, lo, min(lo+b, n), m))
		}
		model, w := streamReference(t, blocks, k, b, epochs)
		if got, want := model.NSteps(), epochs*((n+b-1)/b); got != want {
			t.Fatalf("reference NSteps %d, want %d", got, want)
		}
		for _, file := range []string{plain, zipped} {
			out := t.TempDir()
			stdout := runStream(t, "", file, out, "-k", "4", "-batch-size", fmt.Sprint(b), "-max-iter", "2")
			checkStreamOutputs(t, out, stdout, model, w, nil, epochs)
			if !strings.Contains(stdout, "sparse") {
				t.Errorf("%s: summary does not say sparse:\n%s", file, stdout)
			}
		}
	}
}

// TestStreamErrors checks the usage errors of -batch-size and the errors
// of its input.
func TestStreamErrors(t *testing.T) {
	csv := tempFile(t, "x.csv", "1,2,3\n4,5,6\n7,8,9\n")
	unordered := tempFile(t, "u.mtx", "%%MatrixMarket matrix coordinate real general\n% a comment\n3 3 3\n1 1 1\n3 2 2\n2 3 3\n")
	negative := tempFile(t, "n.csv", "1,2,3\n4,5,6\n7,-8,9\n")
	cases := []struct {
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"1,2\n3,4\n", []string{"-k", "1", "-batch-size", "1", "-"}, 2, "standard input cannot be read again"},
		{"1,2\n3,4\n", []string{"-k", "1", "-batch-size", "1", "-max-iter", "2", "-"}, 2, "-max-iter 2"},
		{"", []string{"-k", "1", "-batch-size", "0", csv}, 2, "-batch-size 0"},
		{"", []string{"-k", "1", "-batch-size", "2", "-max-iter", "0", csv}, 2, "at least 1 epoch"},
		{"", []string{"-k", "1", "-batch-size", "2", "-restarts", "2", csv}, 2, "-restarts does not apply with -batch-size"},
		{"", []string{"-k", "1", "-batch-size", "2", "-solver", "mu", csv}, 2, "-solver does not apply with -batch-size"},
		{"", []string{"-k", "1", "-batch-size", "2", "-image", "3x1", csv}, 2, "-image does not apply with -batch-size"},
		{"", []string{"-k", "1", "-transform-max-iter", "5", csv}, 2, "-transform-max-iter applies only with -batch-size"},
		{"", []string{"-k", "1", "-batch-size", "2", "-transform-max-iter", "0", csv}, 2, "-transform-max-iter 0: want a value ≥ 1"},
		{"", []string{"-k", "1", "-batch-size", "2", "-transform-max-iter", "-3", csv}, 2, "-transform-max-iter -3: want a value ≥ 1"},
		{"", []string{"-k", "1", "-batch-size", "2", "-save", "", csv}, 2, "-save: want a file name"},
		{"", []string{"-k", "4", "-batch-size", "2", csv}, 2, "-k 4 is too large"},
		{"", []string{"-k", "1", "-batch-size", "1", unordered}, 1, unordered + ": malformed file: line 6: entry (2, 3) comes after an entry of row 3"},
		{"", []string{"-k", "1", "-batch-size", "1", negative}, 1, negative + ":3: column 2: negative value -8"},
	}
	for _, c := range cases {
		code, _, stderr := runFactor(t, c.stdin, append([]string{"-quiet", "-out", t.TempDir()}, c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("factor %s: exit status %d, stderr %q; want %d and %q", strings.Join(c.args, " "), code, stderr, c.code, c.want)
		}
	}
}

// TestStreamAllOrNothing checks that a streamed run whose outputs cannot
// all be moved into place, or whose input fails in the transform pass,
// leaves every file of an earlier run as it was.
func TestStreamAllOrNothing(t *testing.T) {
	data, _ := streamCSV(20, 4, 3)
	file := tempFile(t, "x.csv", data)
	dir := t.TempDir()
	runStream(t, "", file, dir, "-k", "2", "-batch-size", "6", "-max-iter", "2")
	first := readTree(t, dir)
	if len(first) != 4 {
		t.Fatalf("first run wrote %d files, want 4", len(first))
	}
	p := filepath.Join(dir, "H.csv")
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(p, "keep"), 0o777); err != nil {
		t.Fatal(err)
	}
	want := readTree(t, dir)
	code, _, stderr := runFactor(t, "", "-quiet", "-out", dir, "-k", "2", "-batch-size", "6", "-max-iter", "3", file)
	if code != 1 || !strings.Contains(stderr, p) {
		t.Errorf("directory H.csv: exit status %d, stderr %q; want 1 and a message naming it", code, stderr)
	}
	checkTree(t, "directory H.csv", dir, want)
}

// TestStreamProgress checks that progress lines count epochs and steps.
func TestStreamProgress(t *testing.T) {
	data, _ := streamCSV(20, 4, 4)
	file := tempFile(t, "x.csv", data)
	code, _, stderr := runFactor(t, "", "-out", t.TempDir(), "-k", "2", "-batch-size", "6", "-max-iter", "2", file)
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"factor: epoch 1/2, step 4/8, batch cost ", "factor: epoch 2/2, step 8/8, batch cost "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
}

// loadMiniBatch loads a model file with the library as a MiniBatchNMF.
func loadMiniBatch(t *testing.T, path string) *factor.MiniBatchNMF {
	t.Helper()
	var m factor.MiniBatchNMF
	if err := m.UnmarshalBinary(must(os.ReadFile(path))); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &m
}

// denseBlocks returns x in blocks of b rows, as the command reads it.
func denseBlocks(x *mat.Dense, b int) []mat.Matrix {
	n, m := x.Dims()
	var blocks []mat.Matrix
	for lo := 0; lo < n; lo += b {
		blocks = append(blocks, mat.DenseCopyOf(x.Slice(lo, min(lo+b, n), 0, m)))
	}
	return blocks
}

// transformModel runs factor transform -model model on data and returns
// its W.csv and summary.
func transformModel(t *testing.T, model, data string) ([][]float64, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runFactor(t, "", "transform", "-model", model, "-out", out, data)
	if code != 0 || stderr != "" {
		t.Fatalf("transform -model %s: exit status %d, stderr:\n%s", model, code, stderr)
	}
	_, w := readNumbers(t, filepath.Join(out, "W.csv"), false)
	return w, stdout
}

// TestStreamSave saves a streamed fit: the model file is the library's
// MiniBatchNMF of the same blocks, with H.csv's H to the bit and its
// steps, and factor transform applies it as the library's Transform of
// the loaded model does.
func TestStreamSave(t *testing.T) {
	const n, m, k, b, epochs = 23, 7, 3, 5, 3
	data, x := streamCSV(n, m, 5)
	file := tempFile(t, "x.csv", data)
	ref, _ := streamReference(t, denseBlocks(x, b), k, b, epochs)
	model, out := fitSave(t, file, "-k", "3", "-batch-size", "5", "-max-iter", "3")

	loaded := loadMiniBatch(t, model)
	_, h := readNumbers(t, filepath.Join(out, "H.csv"), true)
	sameBits(t, "H.csv against the saved H", h, loaded.H())
	sameBits(t, "the saved H against the library's", rows(loaded.H()), ref.H())
	if got, want := loaded.NSteps(), epochs*((n+b-1)/b); got != want || got != ref.NSteps() {
		t.Errorf("saved NSteps %d, want %d (the library's %d)", got, want, ref.NSteps())
	}
	if got := loaded.NIter(); got != ref.NIter() { // 0: PartialFit counts no epochs
		t.Errorf("saved NIter %d, want the library's %d", got, ref.NIter())
	}
	if err := new(factor.NMF).UnmarshalBinary(must(os.ReadFile(model))); err == nil {
		t.Error("the saved MiniBatchNMF model loads as an NMF")
	}

	want, err := loaded.Transform(x)
	if err != nil {
		t.Fatal(err)
	}
	got, stdout := transformModel(t, model, file)
	sameBits(t, "transform's W", got, want)
	if line := model + ": MiniBatchNMF k=3, 7 columns"; !strings.Contains(stdout, line) {
		t.Errorf("transform's summary lacks %q:\n%s", line, stdout)
	}

	// An NMF model file still loads as an NMF, and says so.
	nmf, _ := fitSave(t, file, "-k", "3", "-max-iter", "20")
	wantNMF, err := loadNMF(t, nmf).Transform(x)
	if err != nil {
		t.Fatal(err)
	}
	got, stdout = transformModel(t, nmf, file)
	sameBits(t, "transform's W of an NMF", got, wantNMF)
	if line := nmf + ": NMF k=3, 7 columns"; !strings.Contains(stdout, line) {
		t.Errorf("transform's summary lacks %q:\n%s", line, stdout)
	}
}

// rows returns the rows of a, for sameBits.
func rows(a *mat.Dense) [][]float64 {
	r, _ := a.Dims()
	out := make([][]float64, r)
	for i := range out {
		out[i] = a.RawRowView(i)
	}
	return out
}

// TestStreamSaveAllOrNothing checks that a streamed run whose model file
// cannot move into place changes none of the outputs of an earlier run.
func TestStreamSaveAllOrNothing(t *testing.T) {
	data, _ := streamCSV(20, 4, 6)
	file := tempFile(t, "x.csv", data)
	model, out := fitSave(t, file, "-k", "2", "-batch-size", "6", "-max-iter", "2")
	if err := os.Remove(model); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(model, "keep"), 0o777); err != nil {
		t.Fatal(err)
	}
	want := readTree(t, out)
	code, _, stderr := runFactor(t, "", "-quiet", "-out", out, "-save", model, "-k", "2", "-batch-size", "6", "-max-iter", "3", file)
	if code != 1 || !strings.Contains(stderr, model) {
		t.Errorf("directory model file: exit status %d, stderr %q; want 1 and a message naming it", code, stderr)
	}
	checkTree(t, "directory model file", out, want)
}

// TestStreamTransformMaxIter checks that -transform-max-iter reaches the
// library: W.csv, and the transform of the saved model, are the library's
// with WithTransformMaxIter of the same value, and differ between 1 and 50.
func TestStreamTransformMaxIter(t *testing.T) {
	const n, m, k, b, epochs = 30, 6, 3, 7, 2
	data, x := streamCSV(n, m, 7)
	file := tempFile(t, "x.csv", data)
	var ws [][][]float64
	for _, iters := range []int{1, 50} {
		_, w := streamReference(t, denseBlocks(x, b), k, b, epochs, factor.WithTol(0), factor.WithTransformMaxIter(iters))
		model, out := fitSave(t, file, "-k", "3", "-batch-size", "7", "-max-iter", "2", "-tol", "0", "-transform-max-iter", fmt.Sprint(iters))
		_, got := readNumbers(t, filepath.Join(out, "W.csv"), false)
		sameBits(t, fmt.Sprintf("W.csv of -transform-max-iter %d", iters), got, w)
		ws = append(ws, got)

		whole, err := loadMiniBatch(t, model).Transform(x)
		if err != nil {
			t.Fatal(err)
		}
		got, _ = transformModel(t, model, file)
		sameBits(t, fmt.Sprintf("transform of the model of -transform-max-iter %d", iters), got, whole)
	}
	if fmt.Sprint(ws[0]) == fmt.Sprint(ws[1]) {
		t.Error("W.csv is the same for -transform-max-iter 1 and 50")
	}
}
