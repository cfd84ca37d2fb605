package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/factorgo/factor"
	"github.com/schollz/progressbar/v3"
)

// rankUsage is the usage message of factor rank, before its flags.
const rankUsage = `usage: factor rank -k A:B [flags] [FILE]

Rank surveys the numbers of components k = A…B of NMF of the matrix in
FILE (read as the fitting command reads it; with no FILE the built-in
digits, with -k 2:12) with factor.EstimateRank: for each k, -restarts runs
on all of X (the best objective, the explained variance, the consensus of
the runs and its cophenetic and dispersion coefficients) and -folds fits
with a -held-out share of the entries held out (the mean divergence on
them, with its standard error), (restarts + folds) fits per k in all. It
prints the table, names the k of the lowest held-out error, and writes
rank.csv and rank.png (the four measures against k) to the -out directory.

Flags:
`

// rankOptions are the settings of a run of factor rank: the NMF settings
// of the fitting command, the range of k and the held-out part.
type rankOptions struct {
	*options
	ks       kRange
	folds    int
	fraction float64
}

// parseRank parses the command line of factor rank (the arguments after
// "rank").
func parseRank(args []string, stderr io.Writer) (job, error) {
	r := &rankOptions{options: &options{beta: factor.Frobenius}}
	fs := newFlagSet("factor rank")
	fs.Var(&r.ks, "k", "the numbers of components to survey, `A:B` for A to B, or a single K (required with FILE; 2:12 for the built-in digits); B at most min(rows, columns)")
	r.addNMFFlags(fs, "the folds hold out observed entries, and the explained variance and held-out errors are over them")
	fs.IntVar(&r.restarts, "restarts", factor.DefaultRankRestarts, "runs per k on all of X, the first from -init and the others random: the consensus is over them (1: no consensus)")
	fs.IntVar(&r.folds, "folds", factor.DefaultHeldOutFolds, "held-out folds per k, each a fit with its entries held out (0: none)")
	fs.Float64Var(&r.fraction, "held-out", factor.DefaultHeldOutFraction, "share of the entries each fold holds out, in (0, 1)")
	files, err := parseArgs(fs, args, stderr, rankUsage)
	if err != nil {
		return nil, err
	}
	r.visit(fs)
	if r.file, err = oneFile(files); err != nil {
		return nil, err
	}
	switch {
	case r.file != "" && !r.set["k"]:
		return nil, usagef("-k is required with a FILE: give the range of k, such as -k 2:12")
	case r.file == "" && !r.set["k"]:
		r.ks = kRange{2, 12}
	}
	if err := r.checkNMF(); err != nil {
		return nil, err
	}
	switch {
	case r.folds < 0:
		return nil, usagef("-folds %d: want a value ≥ 0", r.folds)
	case !(r.fraction > 0 && r.fraction < 1):
		return nil, usagef("-held-out %g: want a share in (0, 1)", r.fraction)
	case r.folds > 0 && r.solver == factor.AcceleratedHALS:
		return nil, usagef("-solver ahals does not take the weights of the held-out folds; use -solver hals or auto, or -folds 0")
	}
	return func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
		return rank(ctx, r, stdin, stdout, stderr)
	}, nil
}

// kRange is the value of -k of factor rank: from lo to hi.
type kRange struct{ lo, hi int }

// String returns the range as A:B.
func (k kRange) String() string {
	if k == (kRange{}) {
		return ""
	}
	return fmt.Sprintf("%d:%d", k.lo, k.hi)
}

// Set parses A:B with 1 ≤ A ≤ B, or a single K.
func (k *kRange) Set(v string) error {
	a, b, isRange := strings.Cut(v, ":")
	if !isRange {
		b = a
	}
	lo, errA := strconv.Atoi(a)
	hi, errB := strconv.Atoi(b)
	if errA != nil || errB != nil || lo < 1 || hi < lo {
		return errors.New("want A:B with 1 ≤ A ≤ B, such as 2:12, or a single K")
	}
	*k = kRange{lo, hi}
	return nil
}

// values returns the ks of the range.
func (k kRange) values() []int {
	ks := make([]int, 0, k.hi-k.lo+1)
	for v := k.lo; v <= k.hi; v++ {
		ks = append(ks, v)
	}
	return ks
}

// rank reads the input, surveys the ks, writes rank.csv and rank.png and
// prints the table.
func rank(ctx context.Context, r *rankOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	d, err := readInput(r.file, stdin, r.observedOnly)
	if err != nil {
		return err
	}
	n, m := d.x.Dims()
	if r.ks.hi > min(n, m) {
		return usagef("-k %v: k = %d is too large for a %d×%d matrix: want at most min(rows, columns) = %d", r.ks, r.ks.hi, n, m, min(n, m))
	}
	if d.observed && d.observedEntries() == 0 {
		return fmt.Errorf("%s: no entry is observed, every one is missing: nothing to fit", d.name)
	}
	ks := r.ks.values()
	rep := newRankReporter(stderr, r.quiet || r.maxIter == 0, len(ks)*(r.restarts+r.folds), r.restarts)
	opts := append(r.settingOptions(rep.report), factor.WithSolver(r.solver), factor.WithRestarts(r.restarts),
		factor.WithHeldOutFolds(r.folds), factor.WithHeldOutFraction(r.fraction))
	if r.observedOnly {
		opts = append(opts, factor.WithObservedOnly())
	}
	start := time.Now()
	scores, err := factor.EstimateRank(ctx, d.x, ks, opts...)
	elapsed := time.Since(start)
	rep.done()
	if err != nil {
		return fitError(err, d, r.options)
	}
	paths, err := writeRankOutputs(r.out, scores)
	if err != nil {
		return err
	}
	printRank(stdout, r, d, scores, elapsed, paths)
	return nil
}

// rankOutputs are the files factor rank writes in its directory.
var rankOutputs = []string{"rank.csv", "rank.png"}

// writeRankOutputs writes rank.csv and rank.png into dir, creating it if
// needed, both or neither, and returns their paths.
func writeRankOutputs(dir string, scores []factor.RankScore) ([]string, error) {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, err
	}
	s := &staging{dir: dir}
	defer s.abort()
	fills := []func(io.Writer) error{
		func(w io.Writer) error { return writeRankCSV(w, scores) },
		func(w io.Writer) error { return plotRank(w, scores) },
	}
	for i, name := range rankOutputs {
		if err := s.write(name, fills[i]); err != nil {
			return nil, err
		}
	}
	return s.commit()
}

// writeRankCSV writes one line per k: k, objective, explained variance,
// cophenetic and dispersion coefficients, held-out error and its standard
// error, with the fewest digits that read back exactly (NaN where
// undefined).
func writeRankCSV(w io.Writer, scores []factor.RankScore) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"k", "objective", "explained_variance", "cophenetic", "dispersion", "held_out_error", "held_out_error_se"})
	for _, s := range scores {
		rec := []string{strconv.Itoa(s.K)}
		for _, v := range []float64{s.Objective, s.ExplainedVariance, s.Cophenetic, s.Dispersion, s.HeldOutErr, s.HeldOutErrStd} {
			rec = append(rec, strconv.FormatFloat(v, 'g', -1, 64))
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// bestHeldOut returns the score of the lowest held-out error (the lowest k
// on a tie), or false when there is none.
func bestHeldOut(scores []factor.RankScore) (factor.RankScore, bool) {
	var best factor.RankScore
	found := false
	for _, s := range scores {
		if !math.IsNaN(s.HeldOutErr) && (!found || s.HeldOutErr < best.HeldOutErr) {
			best, found = s, true
		}
	}
	return best, found
}

// printRank prints the summary and the table of a survey.
func printRank(w io.Writer, r *rankOptions, d *dataset, scores []factor.RankScore, elapsed time.Duration, paths []string) {
	printFields(w, []field{
		{"input", d.name + ": " + d.describe()},
		{"model", fmt.Sprintf("NMF solver %v, beta %v, init %v; k = %v", r.solver, r.beta, r.init, r.ks)},
		{"fits", fmt.Sprintf("%d runs and %d held-out folds (%g of the entries each) per k, %d in all",
			r.restarts, r.folds, r.fraction, len(scores)*(r.restarts+r.folds))},
	}, nil)
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%4s  %12s  %9s  %10s  %10s  %s\n", "k", "objective", "explained", "cophenetic", "dispersion", "held-out error ± se")
	for _, s := range scores {
		fmt.Fprintf(w, "%4d  %12.6g  %9.4f  %10.4f  %10.4f  %#.5g ± %.2g\n",
			s.K, s.Objective, s.ExplainedVariance, s.Cophenetic, s.Dispersion, s.HeldOutErr, s.HeldOutErrStd)
	}
	fmt.Fprintln(w)
	best := "none: no held-out folds (-folds 0)"
	if b, ok := bestHeldOut(scores); ok {
		best = fmt.Sprintf("%d, the lowest held-out error (%#.5g ± %.2g)", b.K, b.HeldOutErr, b.HeldOutErrStd)
	}
	printFields(w, []field{
		{"best k", best},
		{"elapsed", round(elapsed).String()},
	}, paths)
}

// rankReporter shows the progress of a survey by its fits: a progress bar
// over them on a terminal, and otherwise a line as each tenth of them
// starts. A fit starts at its first iteration.
type rankReporter struct {
	w              io.Writer
	quiet          bool
	pb             *progressbar.ProgressBar
	total, started int
	every, runs    int
	start          time.Time
}

// newRankReporter returns the reporter of a survey of total fits with
// runs runs per k.
func newRankReporter(stderr io.Writer, quiet bool, total, runs int) *rankReporter {
	r := &rankReporter{w: stderr, quiet: quiet, total: total, every: max((total+9)/10, 1), runs: runs, start: time.Now()}
	if !quiet && isTerminal(stderr) {
		r.pb = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("surveying"),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return r
}

// report counts a fit at its first iteration.
func (r *rankReporter) report(p factor.Progress) {
	if r.quiet || p.Iter != 1 {
		return
	}
	r.started++
	what := fmt.Sprintf("k = %d, run %d/%d", p.K, p.Restart+1, r.runs)
	if p.Fold > 0 {
		what = fmt.Sprintf("k = %d, held-out fold %d", p.K, p.Fold)
	}
	if r.pb != nil {
		r.pb.Describe(what)
		r.pb.Add(1)
		return
	}
	if r.started%r.every == 0 || r.started == r.total {
		fmt.Fprintf(r.w, "factor: fit %d/%d started (%s), %v\n", r.started, r.total, what, time.Since(r.start).Round(time.Millisecond))
	}
}

// done clears the bar.
func (r *rankReporter) done() {
	if r.pb != nil {
		r.pb.Finish()
	}
}
