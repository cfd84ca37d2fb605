// Command factor-beam fits a non-negative matrix factorization (HALS or MU
// of the Frobenius loss) or a ridge alternating least squares to a matrix
// too large for one machine, as an Apache Beam pipeline: on Prism, Beam's
// runner in this process (the default), or on Flink, Spark or Google
// Dataflow. It is factor (github.com/factorgo/factor/cmd/factor) for
// clusters: the same library code runs every update, so that from the
// same start it reaches the same factors as factor's in-memory fit, to
// rounding.
//
// Usage:
//
//	factor-beam [flags] FILE
//
// FILE is a CSV or MatrixMarket coordinate file (entries in row order,
// as factor's -batch-size wants them; gzip-compressed or not), or a glob
// (quoted for the shell) of such files, all of one format, whose rows in
// name order are X: shards of rows, each MatrixMarket shard a file of its
// own with its own size line. Files are named by local paths or by the
// URLs of a file system Beam has registered (gs://bucket/...), readable by
// the workers.
//
// The output, written by a worker, is as factor's: W.csv, H.csv (headed by
// the CSV header, if any) and history.csv in the -out directory, and with
// -save the model file, which factor transform and factor -init-from read.
// Then factor-beam prints a summary.
//
// The flags are factor's for the fit, and Beam's for the runner:
//
//	-k K
//		number of components (required, unless -init-from gives it).
//	-solver hals|mu|als
//		hals (default) and mu: NMF of the Frobenius loss with the
//		library's HALS or multiplicative update; als: ridge alternating
//		least squares (factor.VanillaALS), for data of any sign.
//	-alpha A, -alpha-h A, -l1-ratio R
//		the penalties, as factor's (-alpha-h and -l1-ratio not with als).
//	-tol T, -max-iter N
//		the stopping rule, as factor's (defaults 1e-4 and 200). The
//		pipeline holds max-iter rounds; once the rule stops the fit,
//		the later rounds pass the blocks on unchanged.
//	-seed S
//		seed of the random start (default 0). The random start draws
//		the library's distributions, but per block of rows, so it is
//		not factor's random start; to compare with factor, start both
//		from one model with -init-from.
//	-init-from MODEL
//		start from the W and H of a model file (factor -save, or
//		factor-beam -save; with -max-iter 0 either writes its start).
//	-block-rows N
//		rows of a block (default 4096): the unit of work, whose sums of
//		m×k numbers go through the combine of every round.
//	-out DIR
//		the output directory (default factor-out).
//	-save MODEL
//		write the fitted model to MODEL.
//	-v
//		show the runner's log (hidden by default).
//	-runner prism|flink|spark|dataflow|...
//		Beam's runner (default prism), with Beam's flags for it, such as
//		-endpoint HOST:PORT of a Flink or Spark job server,
//		-environment_type and -environment_config for how the workers
//		run, and -project, -region, -temp_location and
//		-staging_location for Dataflow; see docs/beam.md.
//
// Exit status: 0 on success, 2 for an error in the command line, 1 for
// any other failure.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"
	factorbeam "github.com/factorgo/factor/beam"
	"github.com/factorgo/factor/internal/csvmat"
)

// options are the command line's settings of a run.
type options struct {
	factorbeam.Config
	file    string
	solver  string
	verbose bool
	set     map[string]bool
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// usageError is an error in the command line: exit status 2.
type usageError struct{ error }

// run runs factor-beam with the arguments args and returns the exit
// status.
func run(args []string, stdout, stderr io.Writer) int {
	o, err := parse(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "factor-beam: %v\nusage: factor-beam [flags] FILE; run factor-beam -h for the flags\n", err)
		return 2
	}
	if !o.verbose {
		beamlog.LogLevel = "error"
	}
	beam.Init()
	if !o.verbose {
		slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	if err := fit(context.Background(), o, stdout); err != nil {
		fmt.Fprintf(stderr, "factor-beam: %v\n", err)
		if errors.As(err, new(usageError)) {
			return 2
		}
		return 1
	}
	return 0
}

// usage is the usage message, before the flags.
const usage = `usage: factor-beam [flags] FILE

Factor-beam fits an NMF (-solver hals or mu) or a ridge ALS (-solver als)
to the matrix in FILE, a CSV or MatrixMarket file or a glob of such
shards, as an Apache Beam pipeline on -runner (default prism, in this
process), and writes W.csv, H.csv and history.csv to -out and with -save
the model. The flags of the fit are factor's; Beam's flags choose and
configure the runner.

Flags:
`

// parse parses the command line: the flags of the fit and Beam's, which
// Beam's packages define in the flag package's set. Flags may follow FILE.
func parse(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("factor-beam", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	flag.CommandLine.VisitAll(func(f *flag.Flag) { fs.Var(f.Value, f.Name, f.Usage) })
	fs.IntVar(&o.K, "k", 0, "number of components `K` (default: the k of -init-from's model)")
	fs.StringVar(&o.solver, "solver", "hals", "`algorithm`: hals, mu or als")
	fs.Float64Var(&o.Alpha, "alpha", 0, "regularization strength of W and H")
	fs.Float64Var(&o.AlphaH, "alpha-h", 0, "regularization strength of H (default: the value of -alpha; not with als)")
	fs.Float64Var(&o.L1Ratio, "l1-ratio", 0, "share of the L1 penalty in the regularization, in [0, 1] (not with als)")
	fs.Float64Var(&o.Tol, "tol", 1e-4, "stopping tolerance (0 runs all of -max-iter)")
	fs.IntVar(&o.MaxIter, "max-iter", 200, "maximum number of iterations")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed of the random start")
	fs.StringVar(&o.InitFrom, "init-from", "", "start from the W and H of the model `file` that factor or factor-beam -save wrote")
	fs.IntVar(&o.BlockRows, "block-rows", factorbeam.DefaultBlockRows, "rows of a block of X, the unit of work")
	fs.StringVar(&o.Out, "out", "factor-out", "output `directory`, local or a URL the workers can write")
	fs.StringVar(&o.Save, "save", "", "write the fitted model to `file`")
	fs.BoolVar(&o.verbose, "v", false, "show the runner's log")
	var files []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				io.WriteString(stderr, usage)
				fs.SetOutput(stderr)
				fs.PrintDefaults()
				return nil, err
			}
			return nil, err
		}
		if rest = fs.Args(); len(rest) == 0 {
			break
		}
		files, rest = append(files, rest[0]), rest[1:]
	}
	o.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	switch {
	case len(files) != 1 || files[0] == "":
		return nil, fmt.Errorf("want one FILE (a file or a glob), got %d", len(files))
	case !o.set["k"] && o.InitFrom == "":
		return nil, errors.New("-k is required (or -init-from, whose model gives it)")
	case o.set["k"] && o.K < 1:
		return nil, fmt.Errorf("-k %d: want at least 1 component", o.K)
	case o.Tol < 0 || o.Alpha < 0 || o.AlphaH < 0:
		return nil, errors.New("-tol, -alpha and -alpha-h: want values ≥ 0")
	case o.MaxIter < 0:
		return nil, fmt.Errorf("-max-iter %d: want a value ≥ 0", o.MaxIter)
	case o.BlockRows < 1:
		return nil, fmt.Errorf("-block-rows %d: want at least 1", o.BlockRows)
	case o.Out == "":
		return nil, errors.New("-out: want a directory")
	case o.set["save"] && o.Save == "":
		return nil, errors.New("-save: want a file name")
	case o.set["init-from"] && o.InitFrom == "":
		return nil, errors.New("-init-from: want a model file name")
	}
	o.file = files[0]
	o.Solver = factorbeam.Solver(o.solver)
	o.AlphaHSet = o.set["alpha-h"]
	return o, nil
}

// fit builds and runs the pipeline and prints the summary.
func fit(ctx context.Context, o *options, stdout io.Writer) error {
	if o.InitFrom != "" {
		m, err := factorbeam.ReadModel(ctx, o.InitFrom)
		if err != nil {
			return err
		}
		_, k := m.Model.W().Dims()
		if o.set["k"] && o.K != k {
			return usageError{fmt.Errorf("-k %d, but the model %s has k = %d: give its k, or no -k", o.K, o.InitFrom, k)}
		}
		o.K = k
	}
	in, err := factorbeam.ListInput(ctx, o.file)
	if err != nil {
		return err
	}
	o.Input = in
	p, s := beam.NewPipelineWithRoot()
	if err := factorbeam.Fit(s, o.Config); err != nil {
		return usageError{errors.New(strings.ReplaceAll(err.Error(), "factor: ", ""))}
	}
	start := time.Now()
	if err := beamx.Run(ctx, p); err != nil {
		return fmt.Errorf("the pipeline failed: %s", factorbeam.Message(err))
	}
	return summary(ctx, o, stdout, time.Since(start))
}

// summary prints what the run did, from the history it wrote.
func summary(ctx context.Context, o *options, w io.Writer, elapsed time.Duration) error {
	hist := strings.TrimRight(o.Out, "/") + "/history.csv"
	var history []float64
	if err := factorbeam.ReadFile(ctx, hist, func(r io.Reader) error {
		m, err := csvmat.Read(hist, r)
		if err == nil {
			history = m.X.RawMatrix().Data
		}
		return err
	}); err != nil && !strings.Contains(err.Error(), "no rows of numbers") {
		return err
	}
	model := "NMF"
	if o.Solver == factorbeam.ALS {
		model = "VanillaALS"
	}
	start := fmt.Sprintf("random (seed %d)", o.Seed)
	if o.InitFrom != "" {
		start = "from " + o.InitFrom
	}
	runner := *runners.Runner
	if runner == "" {
		runner = "prism"
	}
	format := "%-15s%s\n"
	fmt.Fprintf(w, format, "input", fmt.Sprintf("%s: %d %s file(s)", o.file, len(o.Input.Shards), map[bool]string{true: "MatrixMarket", false: "CSV"}[o.Input.MatrixMarket]))
	fmt.Fprintf(w, format, "model", fmt.Sprintf("%s k=%d, solver %s, init %s", model, o.K, o.solver, start))
	fmt.Fprintf(w, format, "runner", runner)
	fmt.Fprintf(w, format, "iterations", fmt.Sprint(len(history)/2))
	if len(history) > 0 {
		fmt.Fprintf(w, format, "objective", fmt.Sprintf("%.6g", history[len(history)-1]))
	}
	fmt.Fprintf(w, format, "elapsed", elapsed.Round(time.Millisecond))
	for i, f := range []string{"W.csv", "H.csv", "history.csv"} {
		label := ""
		if i == 0 {
			label = "wrote"
		}
		fmt.Fprintf(w, format, label, strings.TrimRight(o.Out, "/")+"/"+f)
	}
	if o.Save != "" {
		fmt.Fprintf(w, format, "", o.Save)
	}
	return nil
}
