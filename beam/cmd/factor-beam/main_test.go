package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/factorgo/factor"
	"github.com/factorgo/factor/internal/csvmat"
	"gonum.org/v1/gonum/mat"
)

// The factor command's small test files.
const (
	denseCSV    = "../../../cmd/factor/testdata/dense.csv"
	negativeCSV = "../../../cmd/factor/testdata/negative.csv"
)

// runBeam runs factor-beam in this process.
func runBeam(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// readCSV reads an output file.
func readCSV(t *testing.T, path string) *mat.Dense {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := csvmat.Read(path, f)
	if err != nil {
		t.Fatal(err)
	}
	return m.X
}

// TestFit runs factor-beam from a saved start, with -k taken from the
// model, and checks the summary and outputs against the library's fit
// from the same start and the saved model.
func TestFit(t *testing.T) {
	dir := t.TempDir()
	x := readCSV(t, denseCSV)
	start := factor.NewNMF(factor.WithK(2), factor.WithMaxIter(0))
	if err := start.Fit(x); err != nil {
		t.Fatal(err)
	}
	startPath := filepath.Join(dir, "start.model")
	if err := os.WriteFile(startPath, must(start.MarshalBinary()), 0o644); err != nil {
		t.Fatal(err)
	}
	want := factor.NewNMF(factor.WithK(2), factor.WithMaxIter(12), factor.WithTol(0), factor.WithInitialFactors(start.W(), start.H()))
	if err := want.Fit(x); err != nil {
		t.Fatal(err)
	}
	out, save := filepath.Join(dir, "out"), filepath.Join(dir, "fit.model")
	code, stdout, stderr := runBeam(denseCSV, "-init-from", startPath, "-max-iter", "12", "-tol", "0", "-block-rows", "2", "-out", out, "-save", save)
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	for _, line := range []string{"model          NMF k=2, solver hals, init from " + startPath, "iterations     12", "runner         prism", "               " + save} {
		if !strings.Contains(stdout, line+"\n") {
			t.Errorf("summary:\n%s\nwant the line %q", stdout, line)
		}
	}
	w, h := readCSV(t, filepath.Join(out, "W.csv")), readCSV(t, filepath.Join(out, "H.csv"))
	if !mat.EqualApprox(w, want.W(), 1e-12) || !mat.EqualApprox(h, want.H(), 1e-12) {
		t.Errorf("W and H differ from the library's fit from the same start:\n%v\n%v", mat.Formatted(w), mat.Formatted(want.W()))
	}
	var m factor.NMF
	if err := m.UnmarshalBinary(must(os.ReadFile(save))); err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(m.W(), w) || !mat.Equal(m.H(), h) || m.NIter() != 12 {
		t.Error("the saved model differs from W.csv and H.csv")
	}
	hist := readCSV(t, filepath.Join(out, "history.csv"))
	if r, _ := hist.Dims(); r != 12 || hist.At(11, 1) != m.Objective() {
		t.Errorf("history.csv of %d rows ending at %g, want 12 ending at the objective %g", r, hist.At(r-1, 1), m.Objective())
	}
}

func TestUsage(t *testing.T) {
	model := filepath.Join(t.TempDir(), "m.model")
	nmf := factor.NewNMF(factor.WithK(2), factor.WithMaxIter(0))
	if err := nmf.Fit(readCSV(t, denseCSV)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(model, must(nmf.MarshalBinary()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "want one FILE"},
		{[]string{denseCSV}, 2, "-k is required"},
		{[]string{"-k", "0", denseCSV}, 2, "-k 0: want at least 1"},
		{[]string{"-k", "2", "-block-rows", "0", denseCSV}, 2, "-block-rows 0"},
		{[]string{"-k", "2", "-max-iter", "-1", denseCSV}, 2, "-max-iter -1"},
		{[]string{"-k", "2", "-nosuch", denseCSV}, 2, "flag provided but not defined: -nosuch"},
		{[]string{"-k", "2", denseCSV, denseCSV}, 2, "want one FILE (a file or a glob), got 2"},
		{[]string{"-k", "2", "-solver", "kl", denseCSV}, 2, `unknown solver "kl"`},
		{[]string{"-k", "3", "-init-from", model, denseCSV}, 2, "-k 3, but the model " + model + " has k = 2"},
		{[]string{"-k", "2", "nosuch*.csv"}, 1, "nosuch*.csv: no such file"},
		{[]string{"-k", "2", "-out", t.TempDir(), negativeCSV}, 1, "factor-beam: the pipeline failed: X row 4, column 2: negative entry -3"},
		{[]string{"-init-from", filepath.Join(t.TempDir(), "none.model"), denseCSV}, 1, "none.model"},
	} {
		code, stdout, stderr := runBeam(c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) || stdout != "" {
			t.Errorf("factor-beam %v: exit status %d, stderr %q; want %d and %q", c.args, code, stderr, c.code, c.want)
		}
		if code == 1 && strings.Count(stderr, "\n") != 1 {
			t.Errorf("factor-beam %v: stderr of %d lines, want one:\n%s", c.args, strings.Count(stderr, "\n"), stderr)
		}
	}
	code, _, stderr := runBeam("-h")
	if code != 0 || !strings.Contains(stderr, "usage: factor-beam [flags] FILE") || !strings.Contains(stderr, "-init-from") || !strings.Contains(stderr, "-runner") {
		t.Errorf("-h: exit status %d, stderr:\n%s", code, stderr)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
