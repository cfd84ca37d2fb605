package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/factorgo/factor"
)

// TestInitFrom starts fits from a saved start: the fit is the library's
// fit from that model's W and H (a start that is not the CLI's own: a
// random one with another seed), -k defaults to the model's k, and the
// summary names the model.
func TestInitFrom(t *testing.T) {
	model, _ := fitSave(t, "testdata/dense.csv", "-k", "2", "-max-iter", "0", "-init", "random", "-seed", "9")
	m := loadNMF(t, model)
	x := readData(t, "testdata/dense.csv")
	want := factor.NewNMF(factor.WithK(2), factor.WithMaxIter(25), factor.WithTol(0), factor.WithInitialFactors(m.W(), m.H()))
	if err := want.Fit(x); err != nil {
		t.Fatal(err)
	}
	for _, k := range [][]string{{"-k", "2"}, nil} {
		out := t.TempDir()
		args := append([]string{"-quiet", "-out", out, "-init-from", model, "-max-iter", "25", "-tol", "0"}, k...)
		code, stdout, stderr := runFactor(t, "", append(args, "testdata/dense.csv")...)
		if code != 0 {
			t.Fatalf("factor %v: exit status %d, stderr:\n%s", args, code, stderr)
		}
		_, w := readNumbers(t, filepath.Join(out, "W.csv"), false)
		_, h := readNumbers(t, filepath.Join(out, "H.csv"), false)
		sameBits(t, "W from -init-from", w, want.W())
		sameBits(t, "H from -init-from", h, want.H())
		if !strings.Contains(stdout, "NMF k=2, solver auto, beta frobenius, init from "+model+"\n") {
			t.Errorf("summary:\n%s\nwant the model line to say k=2 and init from %s", stdout, model)
		}
	}
}

func TestInitFromErrors(t *testing.T) {
	model, _ := fitSave(t, "testdata/dense.csv", "-k", "2", "-max-iter", "0")
	other, _ := fitSave(t, "testdata/header.csv", "-k", "2", "-max-iter", "0")
	als := factor.NewVanillaALS(factor.WithK(2), factor.WithMaxIter(3), factor.WithSeed(1))
	xneg := readData(t, "testdata/negative.csv")
	if err := als.Fit(xneg); err != nil {
		t.Fatal(err)
	}
	alsModel := tempFile(t, "als.model", string(must(als.MarshalBinary())))
	damaged := tempFile(t, "damaged.model", string(must(loadNMF(t, model).MarshalBinary()))[:40])
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-k", "3", "-init-from", model}, 2, "-k 3, but the model " + model + " has k = 2"},
		{[]string{"-init-from", model, "-init", "random"}, 2, "-init and -init-from both"},
		{[]string{"-init-from", ""}, 2, "-init-from: want a model file name"},
		{[]string{"-init-from", model, "-batch-size", "2"}, 2, "-init-from does not apply with -batch-size"},
		{[]string{"-init-from", other}, 1, "the model was fitted to"},
		{[]string{"-init-from", filepath.Join(t.TempDir(), "none.model")}, 1, "no such file"},
		{[]string{"-init-from", damaged}, 1, "malformed file"},
	} {
		code, _, stderr := runFactor(t, "", append(append([]string{"-quiet", "-out", t.TempDir()}, tt.args...), "testdata/dense.csv")...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("factor %v: exit status %d, stderr %q; want %d and %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
	code, _, stderr := runFactor(t, "", "-quiet", "-out", t.TempDir(), "-init-from", alsModel, "testdata/negative.csv")
	if code != 1 || !strings.Contains(stderr, "the VanillaALS model has negative entries") {
		t.Errorf("-init-from a VanillaALS model of signed data: exit status %d, stderr %q", code, stderr)
	}
}
