package main

import (
	"bytes"
	"compress/gzip"
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

// loadNMF loads a model file with the library, as a program would.
func loadNMF(t *testing.T, path string) *factor.NMF {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m factor.NMF
	if err := m.UnmarshalBinary(b); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &m
}

// fitSave fits data with -save and returns the model's path and the
// output directory.
func fitSave(t *testing.T, data string, args ...string) (model, out string) {
	t.Helper()
	dir := t.TempDir()
	model, out = filepath.Join(dir, "x.model"), filepath.Join(dir, "out")
	args = append([]string{"-quiet", "-save", model, "-out", out}, args...)
	if code, _, stderr := runFactor(t, "", append(args, data)...); code != 0 {
		t.Fatalf("factor %s: exit status %d, stderr:\n%s", strings.Join(args, " "), code, stderr)
	}
	return model, out
}

// sameBits fails unless the CSV rows got, of a factor, hold exactly the
// entries of want.
func sameBits(t *testing.T, what string, got [][]float64, want mat.Matrix) {
	t.Helper()
	r, c := want.Dims()
	checkShape(t, what, got, r, c)
	for i, row := range got {
		for j, v := range row {
			if w := want.At(i, j); math.Float64bits(v) != math.Float64bits(w) {
				t.Fatalf("%s[%d, %d] = %v, want %v", what, i, j, v, w)
			}
		}
	}
}

// readData reads a test data file as the library would be given it.
func readData(t *testing.T, path string) mat.Matrix {
	t.Helper()
	if strings.HasSuffix(path, ".mtx") {
		x, err := factor.ReadMatrixMarket(bytes.NewReader(must(os.ReadFile(path))))
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	_, rows := readNumbers(t, path, false)
	x := mat.NewDense(len(rows), len(rows[0]), nil)
	for i, row := range rows {
		x.SetRow(i, row)
	}
	return x
}

// TestSaveTransform fits with -save and transforms the training data with
// the saved model, from a file, standard input and a gzip file: the saved
// model is the fit (its W and H those of W.csv and H.csv), and
// transform's W.csv is the library's Transform of the loaded model to the
// bit.
func TestSaveTransform(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(must(os.ReadFile("testdata/dense.csv")))
	zw.Close()
	gz := tempFile(t, "dense.csv.gz", buf.String())
	for _, tt := range []struct {
		name, data string
		stdin      bool
		args       []string
	}{
		{"dense", "testdata/dense.csv", false, []string{"-k", "3", "-max-iter", "50"}},
		{"sparse KL on stdin", "testdata/sparse.mtx", true, []string{"-k", "2", "-beta", "kl", "-max-iter", "40"}},
		{"penalized, gzip", gz, false, []string{"-k", "2", "-alpha", "0.1", "-l1-ratio", "0.5", "-solver", "mu"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			model, fitOut := fitSave(t, tt.data, tt.args...)
			m := loadNMF(t, model)
			_, w := readNumbers(t, filepath.Join(fitOut, "W.csv"), false)
			_, h := readNumbers(t, filepath.Join(fitOut, "H.csv"), false)
			sameBits(t, "saved W", w, m.W())
			sameBits(t, "saved H", h, m.H())

			data := tt.data
			if strings.HasSuffix(data, ".gz") {
				data = "testdata/dense.csv"
			}
			want, err := m.Transform(readData(t, data))
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "out")
			args, stdin := []string{"transform", "-model", model, "-out", out, tt.data}, ""
			if tt.stdin {
				args[len(args)-1], stdin = "-", string(must(os.ReadFile(tt.data)))
			}
			code, stdout, stderr := runFactor(t, stdin, args...)
			if code != 0 || stderr != "" {
				t.Fatalf("transform: exit status %d, stderr:\n%s", code, stderr)
			}
			_, got := readNumbers(t, filepath.Join(out, "W.csv"), false)
			sameBits(t, "transform's W", got, want)
			if files := readTree(t, out); len(files) != 1 {
				t.Errorf("transform wrote %d files, want W.csv alone", len(files))
			}
			if !strings.Contains(stdout, "wrote          "+filepath.Join(out, "W.csv")) || strings.Contains(stdout, "topic") {
				t.Errorf("transform's summary, without names:\n%s", stdout)
			}
		})
	}
}

// tempFile writes content to a new file name in a temporary directory
// and returns its path.
func tempFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// must returns v, panicking on an error.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestTransformBadModel transforms with model files that do not load: each
// is exit status 1 with the library's reason, and writes nothing.
func TestTransformBadModel(t *testing.T) {
	model, _ := fitSave(t, "testdata/dense.csv", "-k", "2", "-max-iter", "5")
	good := must(os.ReadFile(model))
	flip := func(i int) []byte {
		b := slices.Clone(good)
		b[i] ^= 0x10
		return b
	}
	als := factor.NewVanillaALS(factor.WithK(2), factor.WithMaxIter(2))
	if err := als.Fit(readData(t, "testdata/dense.csv")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tt := range []struct {
		name    string
		content []byte // nil for no file
		want    string
	}{
		{"empty", []byte{}, "malformed file: model file: truncated at byte 0"},
		{"truncated in the magic", good[:5], "malformed file: model file: truncated"},
		{"truncated in the header", good[:40], "malformed file: model file: truncated"},
		{"truncated in W", good[:len(good)/2], "malformed file: model file: truncated"},
		{"truncated in the checksum", good[:len(good)-1], "malformed file: model file: truncated"},
		{"magic flipped", flip(0), "malformed file"},
		{"k flipped", flip(14), "malformed file"},
		{"a W byte flipped", flip(len(good) / 2), "malformed file: model file: checksum"},
		{"checksum flipped", flip(len(good) - 1), "malformed file: model file: checksum"},
		{"a byte after the model", append(slices.Clone(good), 0), "malformed file: more bytes follow the model's"},
		{"a VanillaALS model", must(als.MarshalBinary()), "malformed file: model file: the file holds a VanillaALS model, not an NMF"},
		{"no such file", nil, "no such file"},
		{"a directory", nil, "is a directory, want a model file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".model")
			if tt.name == "a directory" {
				path = dir
			}
			if tt.content != nil {
				if err := os.WriteFile(path, tt.content, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			out := filepath.Join(t.TempDir(), "out")
			code, stdout, stderr := runFactor(t, "", "transform", "-model", path, "-out", out, "testdata/dense.csv")
			if code != 1 || !strings.HasPrefix(stderr, "factor: ") || !strings.Contains(stderr, path) || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit status %d, stderr %q; want 1 and %q", code, stderr, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("a failed transform made %s", out)
			}
		})
	}
}

// TestTransformWrongData transforms data that does not fit the model:
// another number of columns, or a header other than the model's names.
func TestTransformWrongData(t *testing.T) {
	dense, _ := fitSave(t, "testdata/dense.csv", "-k", "2", "-max-iter", "5")
	named, _ := fitSave(t, "testdata/header.csv", "-k", "2", "-max-iter", "5")
	for _, tt := range []struct {
		name, model, stdin string
		want               string
	}{
		{"fewer columns", dense, "1,2,3,4\n", "stdin has 4 columns, but the model " + dense + " was fitted on 5"},
		{"more columns", named, "1,2,3,4,5\n", "stdin has 5 columns, but the model " + named + " was fitted on 4"},
		{"another header", named, "red,blue,green,alpha\n1,2,3,4\n", `stdin: column 2 is "blue", but the model ` + named + ` names it "green"`},
		{"negative value", named, "1,2,3,4\n5,-6,7,8\n", "stdin:2: column 2: negative value -6"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			code, stdout, stderr := runFactor(t, tt.stdin, "transform", "-model", tt.model, "-out", out, "-")
			if code != 1 || !strings.HasPrefix(stderr, "factor: "+tt.want) {
				t.Errorf("exit status %d, stderr %q; want 1 and %q", code, stderr, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("a failed transform made %s", out)
			}
		})
	}
	// The model's own header, and none, are fine.
	for _, stdin := range []string{"red,green,blue,alpha\n1,2,3,4\n", "1,2,3,4\n"} {
		if code, _, stderr := runFactor(t, stdin, "transform", "-model", named, "-out", t.TempDir(), "-"); code != 0 {
			t.Errorf("%q: exit status %d, stderr %q", stdin, code, stderr)
		}
	}
}

// TestTransformUsage checks transform's usage errors (exit status 2), its
// -h, and that "transform" is a subcommand only as the first argument.
func TestTransformUsage(t *testing.T) {
	model, _ := fitSave(t, "testdata/dense.csv", "-k", "2", "-max-iter", "5")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"testdata/dense.csv"}, "-model is required"},
		{[]string{"-model", model}, "no DATA"},
		{[]string{"-model", model, "testdata/dense.csv", "testdata/dense.csv"}, "too many arguments: testdata/dense.csv testdata/dense.csv (want one DATA)"},
		{[]string{"-model", model, "-k", "2", "testdata/dense.csv"}, "flag provided but not defined: -k"},
		{[]string{"-model", model, "-top", "0", "testdata/dense.csv"}, "-top 0: want a value ≥ 1"},
		{[]string{"-model", model, "-out", "", "testdata/dense.csv"}, "-out: want a directory name"},
		{[]string{"-model", model, ""}, "empty file name"},
	} {
		code, stdout, stderr := runFactor(t, "", append([]string{"transform"}, tt.args...)...)
		want := "factor: " + tt.want
		if code != 2 || stdout != "" || !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, "usage: factor transform -model FILE") {
			t.Errorf("transform %q: exit status %d, stderr %q; want 2, %q and the usage line", tt.args, code, stderr, want)
		}
	}

	code, stdout, stderr := runFactor(t, "", "transform", "-h")
	if code != 0 || stdout != "" || !strings.HasPrefix(stderr, "usage: factor transform -model FILE [flags] DATA\n") {
		t.Errorf("transform -h: exit status %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	for _, flag := range []string{"-model", "-out", "-vocab", "-top", "-quiet"} {
		if !strings.Contains(stderr, "  "+flag+" ") && !strings.Contains(stderr, "  "+flag+"\n") {
			t.Errorf("transform -h does not document %s:\n%s", flag, stderr)
		}
	}

	// Elsewhere "transform" is a FILE of the fitting command.
	code, _, stderr = runFactor(t, "", "-k", "2", "-out", t.TempDir(), "transform")
	if code != 1 || !strings.Contains(stderr, "factor: open transform: no such file") {
		t.Errorf("factor -k 2 transform: exit status %d, stderr %q; want a missing FILE", code, stderr)
	}
}

// TestTransformTopics prints the topics of each row, with the model's
// names or -vocab's: the components of W.csv's largest entries of each
// row, at most -top, without zeros (-top 3 leaves out a zero of row 1).
func TestTransformTopics(t *testing.T) {
	model, _ := fitSave(t, "testdata/header.csv", "-k", "3", "-max-iter", "30")
	vocab := tempFile(t, "vocab.txt", "r\ng\nb\na\n")
	for _, tt := range []struct {
		name  string
		args  []string
		top   int
		terms []string
	}{
		{"model's names", nil, 2, []string{"red", "green", "blue", "alpha"}},
		{"-vocab", []string{"-vocab", vocab}, 3, []string{"r", "g", "b", "a"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"transform", "-model", model, "-out", out, "-top", strconv.Itoa(tt.top), "-quiet"}, tt.args...)
			code, stdout, stderr := runFactor(t, "", append(args, "testdata/header.csv")...)
			if code != 0 {
				t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
			}
			_, w := readNumbers(t, filepath.Join(out, "W.csv"), false)
			h := loadNMF(t, model).H()
			var want []string
			for c := range 3 {
				var terms []string
				for _, j := range topN(h.RawRowView(c), tt.top) {
					terms = append(terms, tt.terms[j])
				}
				want = append(want, fmt.Sprintf("topic %d: %s", c+1, strings.Join(terms, " ")))
			}
			for i, row := range w {
				var topics []string
				for _, c := range topN(row, tt.top) {
					if row[c] > 0 {
						topics = append(topics, "topic "+strconv.Itoa(c+1)+" ("+strconv.FormatFloat(row[c], 'g', 3, 64)+")")
					}
				}
				if topics == nil {
					topics = []string{"none"}
				}
				want = append(want, fmt.Sprintf("row %d: %s", i+1, strings.Join(topics, ", ")))
			}
			var got []string
			for _, line := range strings.Split(stdout, "\n") {
				if strings.HasPrefix(line, "topic ") || strings.HasPrefix(line, "row ") {
					got = append(got, line)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("topics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
	// A row of zeros has no topic.
	code, stdout, stderr := runFactor(t, "1,1,1,1\n0,0,0,0\n", "transform", "-model", model, "-out", t.TempDir(), "-")
	if code != 0 || !strings.Contains(stdout, "\nrow 2: none\n") {
		t.Errorf("a row of zeros: exit status %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
}

// topN returns the indices of the n largest values of v, the first of
// equal ones first.
func topN(v []float64, n int) []int {
	var top []int
	for range min(n, len(v)) {
		best := -1
		for j, x := range v {
			if !slices.Contains(top, j) && (best < 0 || x > v[best]) {
				best = j
			}
		}
		top = append(top, best)
	}
	return top
}

// TestSaveAllOrNothing checks that -save is part of the outputs' commit:
// a directory in the way of the model file, which moves in last, or of
// H.csv, leaves every earlier output and the earlier model as they were,
// and a model file that cannot be written changes nothing either.
func TestSaveAllOrNothing(t *testing.T) {
	root := t.TempDir()
	out, models := filepath.Join(root, "out"), filepath.Join(root, "models")
	model := filepath.Join(models, "x.model")
	if err := os.Mkdir(models, 0o777); err != nil {
		t.Fatal(err)
	}
	factor := func(args ...string) (int, string) {
		t.Helper()
		args = append([]string{"-k", "2", "-max-iter", "5", "-quiet", "-out", out}, args...)
		code, _, stderr := runFactor(t, "", append(args, "testdata/header.csv")...)
		return code, stderr
	}
	if code, stderr := factor("-save", model); code != 0 {
		t.Fatalf("first run: exit status %d, stderr:\n%s", code, stderr)
	}
	firstOut, firstModels := readTree(t, out), readTree(t, models)
	other := []string{"-init", "random", "-seed", "3"}

	// A directory named like the model file, in place of an older one.
	blocked := filepath.Join(out, "blocked.model")
	if err := os.MkdirAll(filepath.Join(blocked, "keep"), 0o777); err != nil {
		t.Fatal(err)
	}
	wantOut := readTree(t, out)
	code, stderr := factor(append(other, "-save", blocked)...)
	if code != 1 || !strings.Contains(stderr, blocked+" is a directory") || !strings.HasSuffix(stderr, "no file in "+out+" was changed\n") {
		t.Errorf("directory at -save: exit status %d, stderr %q", code, stderr)
	}
	checkTree(t, "directory at -save", out, wantOut)
	if err := os.RemoveAll(blocked); err != nil {
		t.Fatal(err)
	}

	// The same, for a model file outside -out: its old content stays.
	if err := os.Rename(model, model+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(model, "keep"), 0o777); err != nil {
		t.Fatal(err)
	}
	wantModels := readTree(t, models)
	code, stderr = factor(append(other, "-save", model)...)
	if code != 1 || !strings.Contains(stderr, model+" is a directory") || !strings.HasSuffix(stderr, "no file in "+out+" was changed, nor "+model+"\n") {
		t.Errorf("directory at -save elsewhere: exit status %d, stderr %q", code, stderr)
	}
	checkTree(t, "directory at -save elsewhere", out, firstOut)
	checkTree(t, "directory at -save elsewhere", models, wantModels)
	if err := os.RemoveAll(model); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(model+".old", model); err != nil {
		t.Fatal(err)
	}

	// A directory in place of H.csv: the model file, which would move in
	// later, is not replaced.
	h := filepath.Join(out, "H.csv")
	if err := os.Remove(h); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(h, "keep"), 0o777); err != nil {
		t.Fatal(err)
	}
	wantOut = readTree(t, out)
	if code, stderr := factor(append(other, "-save", model)...); code != 1 || !strings.Contains(stderr, h+" is a directory") {
		t.Errorf("directory H.csv: exit status %d, stderr %q", code, stderr)
	}
	checkTree(t, "directory H.csv", out, wantOut)
	checkTree(t, "directory H.csv", models, firstModels)
	if err := os.RemoveAll(h); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h, []byte(firstOut["H.csv"]), 0o644); err != nil {
		t.Fatal(err)
	}

	// A model file in a directory that does not exist fails before any
	// file moves.
	missing := filepath.Join(root, "missing", "x.model")
	if code, stderr := factor(append(other, "-save", missing)...); code != 1 || !strings.Contains(stderr, "writing "+missing) {
		t.Errorf("-save in a missing directory: exit status %d, stderr %q", code, stderr)
	}
	checkTree(t, "-save in a missing directory", out, firstOut)

	// And a run that can replaces the model with the outputs.
	if code, stderr := factor(append(other, "-save", model)...); code != 0 {
		t.Fatalf("rerun: exit status %d, stderr:\n%s", code, stderr)
	}
	if readTree(t, models)["x.model"] == firstModels["x.model"] {
		t.Error("rerun: the model file is the first run's")
	}
	_, w := readNumbers(t, filepath.Join(out, "W.csv"), false)
	sameBits(t, "rerun's saved W", w, loadNMF(t, model).W())
}

// TestSaveUsage checks the usage errors of -save: no name, and the name of
// an output file, which the commit would move in and then aside.
func TestSaveUsage(t *testing.T) {
	out := t.TempDir()
	for _, tt := range []struct{ save, want string }{
		{"", "-save: want a file name"},
		{filepath.Join(out, "W.csv"), "-save " + filepath.Join(out, "W.csv") + " is an output file of -out " + out},
		{out + "/./components.png", "is an output file of -out"},
	} {
		code, stdout, stderr := runFactor(t, "", "-k", "2", "-out", out, "-save", tt.save, "testdata/dense.csv")
		if code != 2 || stdout != "" || !strings.HasPrefix(stderr, "factor: -save") || !strings.Contains(stderr, tt.want) {
			t.Errorf("-save %q: exit status %d, stderr %q; want 2 and %q", tt.save, code, stderr, tt.want)
		}
	}
	if files := readTree(t, out); len(files) != 0 {
		t.Errorf("usage errors wrote %d files", len(files))
	}
}

// TestSaveStart saves a fit of -max-iter 0, which holds its start: the
// saved W and H are the library's start for the same settings, and a fit
// beginning from them is the fit with iterations.
func TestSaveStart(t *testing.T) {
	model, out := fitSave(t, "testdata/dense.csv", "-k", "2", "-max-iter", "0")
	m := loadNMF(t, model)
	x := readData(t, "testdata/dense.csv")
	start := factor.NewNMF(factor.WithK(2), factor.WithMaxIter(0))
	if err := start.Fit(x); err != nil {
		t.Fatal(err)
	}
	if m.NIter() != 0 || len(m.History()) != 0 {
		t.Errorf("saved model of -max-iter 0: %d iterations, history %v", m.NIter(), m.History())
	}
	_, w := readNumbers(t, filepath.Join(out, "W.csv"), false)
	_, h := readNumbers(t, filepath.Join(out, "H.csv"), false)
	sameBits(t, "W.csv", w, start.W())
	sameBits(t, "H.csv", h, start.H())
	sameBits(t, "saved W", w, m.W())
	sameBits(t, "saved H", h, m.H())

	fitted := factor.NewNMF(factor.WithK(2), factor.WithMaxIter(30), factor.WithTol(0), factor.WithInitialFactors(m.W(), m.H()))
	if err := fitted.Fit(x); err != nil {
		t.Fatal(err)
	}
	_, cli := fitSave(t, "testdata/dense.csv", "-k", "2", "-max-iter", "30", "-tol", "0")
	_, w = readNumbers(t, filepath.Join(cli, "W.csv"), false)
	sameBits(t, "W of a fit from the saved start", w, fitted.W())
}

// TestSaveFeatureNames checks the names the saved model carries: the CSV
// header, else the -vocab terms, else none.
func TestSaveFeatureNames(t *testing.T) {
	vocab := tempFile(t, "vocab.txt", "w\nx\ny\nz\n")
	for _, tt := range []struct {
		data string
		args []string
		want []string
	}{
		{"testdata/header.csv", nil, []string{"red", "green", "blue", "alpha"}},
		{"testdata/header.csv", []string{"-vocab", vocab}, []string{"red", "green", "blue", "alpha"}},
		{"testdata/sparse.mtx", []string{"-vocab", "testdata/vocab.txt"}, []string{"apple", "banana", "cherry", "date", "elder"}},
		{"testdata/dense.csv", nil, nil},
	} {
		model, _ := fitSave(t, tt.data, append([]string{"-k", "2", "-max-iter", "5"}, tt.args...)...)
		if got := loadNMF(t, model).FeatureNames(); !slices.Equal(got, tt.want) {
			t.Errorf("%s %q: feature names %q, want %q", tt.data, tt.args, got, tt.want)
		}
	}
}

// TestSaveOtherFileSystem saves the model on another file system than
// -out, replacing an older one: its temporary and moved-aside files must
// be beside it, as a rename cannot cross file systems. It needs a tmpfs
// /dev/shm apart from the temporary directory.
func TestSaveOtherFileSystem(t *testing.T) {
	shm, err := os.MkdirTemp("/dev/shm", "factor-test-")
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { os.RemoveAll(shm) })
	probe := filepath.Join(t.TempDir(), "probe")
	if err := os.WriteFile(probe, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(probe, filepath.Join(shm, "probe")); err == nil {
		t.Skip("/dev/shm is on the file system of the temporary directory")
	}
	os.Remove(filepath.Join(shm, "probe"))
	model, out := filepath.Join(shm, "x.model"), t.TempDir()
	for _, seed := range []string{"1", "2"} {
		code, _, stderr := runFactor(t, "", "-k", "2", "-max-iter", "5", "-init", "random", "-seed", seed, "-quiet", "-out", out, "-save", model, "testdata/dense.csv")
		if code != 0 {
			t.Fatalf("-seed %s: exit status %d, stderr:\n%s", seed, code, stderr)
		}
		_, w := readNumbers(t, filepath.Join(out, "W.csv"), false)
		sameBits(t, "saved W, -seed "+seed, w, loadNMF(t, model).W())
	}
	if files := readTree(t, shm); len(files) != 1 {
		t.Errorf("%s holds %d files, want the model alone", shm, len(files))
	}
}
