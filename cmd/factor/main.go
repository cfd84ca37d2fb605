package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/factorgo/factor"
	"github.com/factorgo/factor/internal/csvmat"
	"github.com/factorgo/factor/internal/modelfile"
	"gonum.org/v1/gonum/mat"
)

// main runs factor with the process's arguments and standard files.
func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// A job is a command to run, its command line parsed.
type job func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error

// run runs factor with the command-line arguments args (without the
// program name) and returns the exit status: 0 on success, 2 for an error
// in the command line and 1 for any other failure, which it reports on
// stderr. A first argument "transform" runs factor transform with the
// arguments after it, "rank" factor rank; any other runs the fitting
// command.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	parse, usage := parseFit, "factor [flags] [FILE]; run factor -h for the flags"
	switch {
	case len(args) > 0 && args[0] == "transform":
		parse, usage, args = parseTransform, "factor transform -model FILE [flags] DATA; run factor transform -h for the flags", args[1:]
	case len(args) > 0 && args[0] == "rank":
		parse, usage, args = parseRank, "factor rank -k A:B [flags] [FILE]; run factor rank -h for the flags", args[1:]
	}
	do, err := parse(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "factor: %v\nusage: %s\n", err, usage)
		return 2
	}
	// The first Ctrl-C cancels the fit, which stops at its next check of
	// the context; then the signal is let go, so that a second one ends
	// the process at once, by the signal (exit status 130 in a shell).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	context.AfterFunc(ctx, stop)
	if err := do(ctx, stdin, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "factor: %v\n", err)
		return exitStatus(err)
	}
	return 0
}

// parseFit parses the command line of the fitting command.
func parseFit(args []string, stderr io.Writer) (job, error) {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
		return factorize(ctx, o, stdin, stdout, stderr)
	}, nil
}

// exitStatus returns the exit status for an error of a job: 2 for a
// usageError, 1 for any other, such as every error of the library that
// fitError does not word as a usage error.
func exitStatus(err error) int {
	if errors.As(err, new(usageError)) {
		return 2
	}
	return 1
}

// factorize reads the input, fits the model, writes the output files and
// prints the summary. The model carries the names of X's columns when
// they are known: the CSV header, or else the -vocab terms.
func factorize(ctx context.Context, o *options, stdin io.Reader, stdout, stderr io.Writer) error {
	if o.batchSize > 0 {
		return stream(ctx, o, stdin, stdout, stderr)
	}
	d, err := readInput(o.file, stdin, o.observedOnly)
	if err != nil {
		return err
	}
	n, m := d.x.Dims()
	var startOpts []factor.Option
	if o.initFrom != "" {
		if startOpts, err = startFrom(o, n, m); err != nil {
			return err
		}
	}
	if err := o.checkData(n, m); err != nil {
		return err
	}
	if d.observed && d.observedEntries() == 0 {
		return fmt.Errorf("%s: no entry is observed, every one is missing: nothing to fit", d.name)
	}
	var vocab []string
	if o.vocab != "" {
		if vocab, err = readVocab(o.vocab, m); err != nil {
			return err
		}
	}

	names := d.header
	if names == nil {
		names = vocab
	}
	rep := newReporter(stderr, o.quiet, o.maxIter, o.restarts)
	opts := append(o.nmfOptions(rep.report), startOpts...)
	if names != nil {
		opts = append(opts, factor.WithFeatureNames(names))
	}
	model := factor.NewNMF(opts...)
	start := time.Now()
	err = model.FitContext(ctx, d.x)
	elapsed := time.Since(start)
	rep.done()
	if err != nil {
		return fitError(err, d, o)
	}

	w, h, history := model.W(), model.H(), model.History()
	fillW := func(f io.Writer) error { return csvmat.Write(f, w, nil) }
	paths, err := writeOutputs(o.out, d.header, fillW, h, history, o.image, o.save, model)
	if err != nil {
		return err
	}
	s := summary{
		data:      d,
		opts:      o,
		iters:     model.NIter(),
		objective: model.Objective(),
		relErr:    d.relErr(w, h),
		elapsed:   elapsed,
		paths:     paths,
	}
	s.print(stdout)
	if vocab != nil {
		printTopics(stdout, h, vocab, o.top)
	}
	return nil
}

// startFrom reads the model file of -init-from and returns the option
// that starts the fit from its W and H, after checking them against the
// n×m data and -k (which, when not given, becomes the model's k).
func startFrom(o *options, n, m int) ([]factor.Option, error) {
	f, err := openFile(o.initFrom, "a model file")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	model, err := modelfile.Read(o.initFrom, f)
	if err != nil {
		return nil, err
	}
	w, h := model.Model.W(), model.Model.H()
	rows, k := w.Dims()
	_, cols := h.Dims()
	switch {
	case o.kSet && k != o.k:
		return nil, usagef("-k %d, but the model %s has k = %d: give its k, or no -k", o.k, o.initFrom, k)
	case rows != n || cols != m:
		return nil, fmt.Errorf("-init-from %s: the model was fitted to %d×%d data, not %d×%d", o.initFrom, rows, cols, n, m)
	case mat.Min(w) < 0 || mat.Min(h) < 0:
		return nil, fmt.Errorf("-init-from %s: the %s model has negative entries, which cannot start an NMF", o.initFrom, model.Kind)
	}
	o.k = k
	return []factor.Option{factor.WithInitialFactors(w, h)}, nil
}

// fitError words an error of the fit for the command line, locating a bad
// entry in the input file.
func fitError(err error, d *dataset, o *options) error {
	if derr := dataError(err, d, fmt.Sprintf("-beta %v needs strictly positive data; use -beta above 0", o.beta)); derr != nil {
		return derr
	}
	if errors.Is(err, factor.ErrInvalidOption) {
		return usageError{errors.New(libMessage(err))}
	}
	return fmt.Errorf("fit failed: %s", libMessage(err))
}

// dataError words an error of a fit or transform about an entry of the
// input, locating it in the input file, or an interruption, and returns
// nil for any other error. zero says what is wrong with a zero value.
func dataError(err error, d *dataset, zero string) error {
	var ee *factor.EntryError
	switch {
	case errors.As(err, &ee) && errors.Is(err, factor.ErrNegative):
		return fmt.Errorf("%s: negative value %g: NMF needs non-negative data", d.at(ee.Row, ee.Col), ee.Value)
	case errors.As(err, &ee) && errors.Is(err, factor.ErrZeroEntries):
		return fmt.Errorf("%s: zero value: %s", d.at(ee.Row, ee.Col), zero)
	case errors.As(err, &ee):
		return fmt.Errorf("%s: %s", d.at(ee.Row, ee.Col), libMessage(ee.Err))
	case errors.Is(err, context.Canceled):
		return errors.New("interrupted")
	}
	return nil
}
