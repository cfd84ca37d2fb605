package main

import (
	"context"
	"image"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// TestRank runs factor rank on a CSV file and on a MatrixMarket file and
// checks its outputs against the library: rank.csv holds, to the bit,
// the RankScores of factor.EstimateRank with the options the flags name;
// rank.png is a picture; the table has a row per k; and the summary names
// the k of the lowest held-out error, found here from rank.csv.
func TestRank(t *testing.T) {
	for _, tc := range []struct {
		file string
		args []string
		opts []factor.Option
	}{
		{"testdata/dense.csv", []string{"-k", "1:3", "-restarts", "3", "-folds", "2", "-seed", "4"},
			[]factor.Option{factor.WithRestarts(3), factor.WithHeldOutFolds(2), factor.WithSeed(4)}},
		{"testdata/sparse.mtx", []string{"-k", "2", "-restarts", "2", "-folds", "3", "-held-out", "0.2", "-beta", "kl", "-max-iter", "50"},
			[]factor.Option{factor.WithRestarts(2), factor.WithHeldOutFolds(3), factor.WithHeldOutFraction(0.2),
				factor.WithBeta(factor.KullbackLeibler), factor.WithMaxIter(50)}},
	} {
		out := t.TempDir()
		code, stdout, stderr := runFactor(t, "", append(append([]string{"rank", "-quiet", "-out", out}, tc.args...), tc.file)...)
		if code != 0 {
			t.Fatalf("%s: exit status %d, stderr:\n%s", tc.file, code, stderr)
		}
		if stderr != "" {
			t.Errorf("%s: -quiet, but stderr %q", tc.file, stderr)
		}
		var ks []int
		var k kRange
		if err := k.Set(tc.args[1]); err != nil {
			t.Fatal(err)
		}
		ks = k.values()
		want, err := factor.EstimateRank(context.Background(), readData(t, tc.file), ks, tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		names, rows := readNumbers(t, filepath.Join(out, "rank.csv"), true)
		if strings.Join(names, ",") != "k,objective,explained_variance,cophenetic,dispersion,held_out_error,held_out_error_se" {
			t.Errorf("%s: rank.csv header %q", tc.file, names)
		}
		if len(rows) != len(ks) {
			t.Fatalf("%s: rank.csv has %d rows, want %d", tc.file, len(rows), len(ks))
		}
		best := -1
		for i, s := range want {
			wantRow := []float64{float64(s.K), s.Objective, s.ExplainedVariance, s.Cophenetic, s.Dispersion, s.HeldOutErr, s.HeldOutErrStd}
			for j, v := range wantRow {
				if math.Float64bits(rows[i][j]) != math.Float64bits(v) && !(math.IsNaN(v) && math.IsNaN(rows[i][j])) {
					t.Errorf("%s: rank.csv row %d, column %s: %v, want %v", tc.file, i+1, names[j], rows[i][j], v)
				}
			}
			if best < 0 || rows[i][5] < rows[best][5] {
				best = i
			}
			if !strings.Contains(stdout, "\n"+strings.Repeat(" ", 4-len(strconv.Itoa(s.K)))+strconv.Itoa(s.K)+"  ") {
				t.Errorf("%s: the table has no row for k = %d:\n%s", tc.file, s.K, stdout)
			}
		}
		if got := summaryField(t, stdout, "best k"); got != strconv.Itoa(ks[best])+"," {
			t.Errorf("%s: best k %q, want %d (the lowest held-out error in rank.csv)", tc.file, got, ks[best])
		}
		checkPNG(t, filepath.Join(out, "rank.png"), image.Point{})
	}
}

// TestRankBuiltinDigits: with no FILE, factor rank surveys the digits (at
// k = 2…12 by default; here one k, for time), and without -quiet it
// reports the fits as they start.
func TestRankBuiltinDigits(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runFactor(t, "", "rank", "-k", "2", "-restarts", "2", "-folds", "1", "-max-iter", "5", "-out", out)
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "1797×64") || !strings.Contains(stderr, "factor: fit 3/3 started") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	var r kRange
	if err := r.Set("2:12"); err != nil || len(r.values()) != 11 {
		t.Errorf("2:12: %v, %v", r.values(), err)
	}
}

// TestRankErrors: usage errors are exit status 2, other failures 1, each
// with its message, and neither writes a file.
func TestRankErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing -k", []string{"testdata/dense.csv"}, 2, "-k is required with a FILE"},
		{"-k reversed", []string{"-k", "3:2", "testdata/dense.csv"}, 2, `invalid value "3:2" for flag -k`},
		{"-k zero", []string{"-k", "0:2", "testdata/dense.csv"}, 2, `invalid value "0:2" for flag -k`},
		{"-k text", []string{"-k", "a:b", "testdata/dense.csv"}, 2, `invalid value "a:b" for flag -k`},
		{"-k dash", []string{"-k", "2-4", "testdata/dense.csv"}, 2, `invalid value "2-4" for flag -k`},
		{"-k too large", []string{"-k", "2:6", "testdata/dense.csv"}, 2, "-k 2:6: k = 6 is too large for a 6×5 matrix"},
		{"-folds negative", []string{"-k", "2", "-folds", "-1", "testdata/dense.csv"}, 2, "-folds -1"},
		{"-held-out 0", []string{"-k", "2", "-held-out", "0", "testdata/dense.csv"}, 2, "-held-out 0: want a share in (0, 1)"},
		{"-held-out 1", []string{"-k", "2", "-held-out", "1", "testdata/dense.csv"}, 2, "-held-out 1"},
		{"-restarts 0", []string{"-k", "2", "-restarts", "0", "testdata/dense.csv"}, 2, "-restarts 0"},
		{"ahals with folds", []string{"-k", "2", "-solver", "ahals", "testdata/dense.csv"}, 2, "-solver ahals does not take the weights"},
		{"hals with kl", []string{"-k", "2", "-solver", "hals", "-beta", "kl", "testdata/dense.csv"}, 2, "-solver hals minimizes only the Frobenius loss"},
		{"a flag of the fitting command", []string{"-k", "2", "-save", "m", "testdata/dense.csv"}, 2, "flag provided but not defined: -save"},
		{"two files", []string{"-k", "2", "testdata/dense.csv", "testdata/dense.csv"}, 2, "too many arguments"},
		{"negative value", []string{"-k", "2", "testdata/negative.csv"}, 1, "testdata/negative.csv:4: column 2: negative value -3"},
		{"zero value for -beta is", []string{"-k", "2", "-beta", "is", "testdata/dense.csv"}, 1, "testdata/dense.csv:1: column 2: zero value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkFailure(t, "", tt.code, tt.want, func(out string) []string {
				return append([]string{"rank", "-quiet", "-out", out}, tt.args...)
			})
		})
	}
}

// TestRankOutputsAllOrNothing: when rank.png cannot be replaced (a
// directory of that name), the rank.csv of an earlier run is left as it
// was.
func TestRankOutputsAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	args := []string{"rank", "-k", "1:2", "-restarts", "2", "-folds", "1", "-quiet", "-out", dir, "testdata/dense.csv"}
	if code, _, stderr := runFactor(t, "", args...); code != 0 {
		t.Fatalf("first run: exit status %d, stderr:\n%s", code, stderr)
	}
	if err := os.Remove(filepath.Join(dir, "rank.png")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "rank.png", "x"), 0o777); err != nil {
		t.Fatal(err)
	}
	before := readTree(t, dir)
	code, _, stderr := runFactor(t, "", append(args[:len(args)-1], "-seed", "9", "testdata/dense.csv")...)
	if code != 1 || !strings.Contains(stderr, "rank.png is a directory") {
		t.Errorf("exit status %d, stderr %q; want 1 and rank.png is a directory", code, stderr)
	}
	checkTree(t, "blocked run", dir, before)
}

// TestRankHelp: factor rank -h documents its flags.
func TestRankHelp(t *testing.T) {
	code, stdout, stderr := runFactor(t, "", "rank", "-h")
	if code != 0 || stdout != "" {
		t.Errorf("rank -h: exit status %d, stdout %q", code, stdout)
	}
	for _, flag := range []string{"-k", "-restarts", "-folds", "-held-out", "-solver", "-beta", "-init", "-alpha", "-tol",
		"-max-iter", "-seed", "-out", "-quiet", "-observed-only"} {
		if !strings.Contains(stderr, "  "+flag+" ") && !strings.Contains(stderr, "  "+flag+"\n") {
			t.Errorf("rank -h does not document %s:\n%s", flag, stderr)
		}
	}
}

// TestRankObservedOnly: -observed-only draws the folds from the observed
// entries, so that a file with missing cells gets finite held-out errors.
func TestRankObservedOnly(t *testing.T) {
	data := tempFile(t, "holes.csv", "1,,2,3\n2,1,NA,2\n0,3,1,\n2,2,2,1\n,1,0,4\n3,0,1,2\n")
	out := t.TempDir()
	code, _, stderr := runFactor(t, "", "rank", "-k", "1:2", "-restarts", "2", "-folds", "2", "-observed-only", "-quiet", "-out", out, data)
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	_, rows := readNumbers(t, filepath.Join(out, "rank.csv"), true)
	x := mat.NewDense(6, 4, []float64{1, math.NaN(), 2, 3, 2, 1, math.NaN(), 2, 0, 3, 1, math.NaN(), 2, 2, 2, 1, math.NaN(), 1, 0, 4, 3, 0, 1, 2})
	want, err := factor.EstimateRank(context.Background(), x, []int{1, 2}, factor.WithRestarts(2), factor.WithHeldOutFolds(2), factor.WithObservedOnly())
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range want {
		if math.IsNaN(s.HeldOutErr) || rows[i][5] != s.HeldOutErr {
			t.Errorf("k = %d: held-out error %v, want the library's %v", s.K, rows[i][5], s.HeldOutErr)
		}
	}
}
