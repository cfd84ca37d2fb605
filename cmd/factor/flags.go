package main

import (
	"encoding"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/big"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/factorgo/factor"
)

// options are the settings of one run, from the command line.
type options struct {
	k         int
	kSet      bool
	solver    factor.Solver
	beta      betaValue
	init      factor.Init
	initFrom  string // the model file whose W and H start the fit, or ""
	alpha     float64
	alphaH    float64
	alphaHSet bool
	l1Ratio   float64
	tol       float64
	maxIter   int
	restarts  int
	seed      uint64
	out       string
	save      string // the model file to write, or ""
	saveSet   bool
	vocab     string
	top       int
	image     imageSize
	quiet     bool
	file      string // "" for the built-in digits, "-" for standard input
	batchSize int    // rows a block, to stream the input through MiniBatchNMF; 0 to fit in memory
	batchSet  bool
	// observedOnly is -observed-only: only the observed entries of X
	// count, the stored ones of a MatrixMarket coordinate file and the
	// numbers of a CSV file, whose missing cells are read as NaN.
	observedOnly bool
	// transformMaxIter is -transform-max-iter, the iterations of the
	// streamed fit's transform; given only when set["transform-max-iter"].
	transformMaxIter int
	set              map[string]bool // the flags given
}

// usageError is an error in the command line, reported with exit status 2.
type usageError struct{ err error }

// Error returns the message.
func (e usageError) Error() string { return e.err.Error() }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// parseFlags parses the command line. It returns flag.ErrHelp, after
// printing the usage to stderr, when help was asked for, and a usageError
// for any mistake.
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{beta: factor.Frobenius}
	fs := newFlagSet("factor")

	fs.IntVar(&o.k, "k", 0, "number of components `K` (required with FILE; 16 for the built-in digits)")
	o.addNMFFlags(fs, "the relative error is over the observed entries, and -save keeps the rule for factor transform")
	fs.IntVar(&o.restarts, "restarts", factor.DefaultRestarts, "number of independent runs; the best is kept")
	fs.StringVar(&o.initFrom, "init-from", "", "start from the W and H of the model `file` that -save wrote (-max-iter 0 saves a start); -k defaults to its k")
	fs.StringVar(&o.save, "save", "", "write the fitted model to `file`, for factor transform (with -batch-size a MiniBatchNMF model, which holds no column names)")
	fs.StringVar(&o.vocab, "vocab", "", "`file` of column names, one per line of at most 1 MiB, to print the top terms of each component")
	fs.IntVar(&o.top, "top", 10, "number of terms per component printed with -vocab")
	fs.Var(&o.image, "image", "draw the components as `WxH` grey images (8x8 for the built-in digits)")
	fs.IntVar(&o.batchSize, "batch-size", 0, "stream FILE through MiniBatchNMF in blocks of `N` rows, re-reading it each of -max-iter epochs, instead of fitting in memory")
	fs.IntVar(&o.transformMaxIter, "transform-max-iter", 0, "with -batch-size, maximum iterations of the transform that writes W.csv, saved with the model (default: the value of -max-iter)")

	files, err := parseArgs(fs, args, stderr, fitUsage)
	if err != nil {
		return nil, err
	}
	o.visit(fs)
	if o.file, err = oneFile(files); err != nil {
		return nil, err
	}
	if o.file == "" {
		if !o.kSet && !o.set["init-from"] {
			o.k = digitsK
		}
		if o.image == (imageSize{}) && !o.batchSet {
			o.image = digitsImage
		}
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	return o, nil
}

// oneFile returns the file argument of the fitting command or factor
// rank, "" when there is none (the built-in digits).
func oneFile(files []string) (string, error) {
	switch {
	case len(files) > 1:
		return "", usagef("too many arguments: %s (want at most one FILE)", strings.Join(files, " "))
	case len(files) == 1 && files[0] == "":
		return "", usagef("empty file name")
	case len(files) == 1:
		return files[0], nil
	}
	return "", nil
}

// addNMFFlags registers the flags of the settings of NMF's fits that the
// fitting command and factor rank share, with -out, -quiet and
// -observed-only, whose help ends with observedNote, what the flag means
// for the command's outputs; each command adds -k and -restarts of its
// own.
func (o *options) addNMFFlags(fs *flag.FlagSet, observedNote string) {
	fs.Var(nameValue{&o.solver, "auto, hals, mu or ahals"}, "solver", "`algorithm`: auto, hals, mu or ahals")
	fs.Var(&o.beta, "beta", "beta `divergence`: frobenius, kl, is or a number")
	fs.Var(nameValue{&o.init, "auto, random, nndsvd, nndsvda or nndsvdar"}, "init", "initialization `method`: auto, random, nndsvd, nndsvda or nndsvdar")
	fs.Float64Var(&o.alpha, "alpha", 0, "regularization strength of W and H")
	fs.Float64Var(&o.alphaH, "alpha-h", 0, "regularization strength of H (default: the value of -alpha)")
	fs.Float64Var(&o.l1Ratio, "l1-ratio", 0, "share of the L1 penalty in the regularization, in [0, 1]")
	fs.Float64Var(&o.tol, "tol", factor.DefaultTol, "stopping tolerance (0 runs all of -max-iter)")
	fs.IntVar(&o.maxIter, "max-iter", factor.DefaultMaxIter, "maximum number of iterations per run")
	fs.Uint64Var(&o.seed, "seed", 0, "random seed")
	fs.StringVar(&o.out, "out", "factor-out", "output `directory`")
	fs.BoolVar(&o.quiet, "quiet", false, "print no progress")
	fs.BoolVar(&o.observedOnly, "observed-only", false, "fit only the observed entries of X: CSV cells that are empty, NA or NaN (in any case) are missing, "+
		"and so are the entries a MatrixMarket coordinate file does not list (those it lists, zeros too, are the observed ones; an array file has no missing entries); "+
		observedNote)
}

// visit records the flags given on the command line.
func (o *options) visit(fs *flag.FlagSet) {
	o.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) {
		o.set[f.Name] = true
		switch f.Name {
		case "k":
			o.kSet = true
		case "alpha-h":
			o.alphaHSet = true
		case "save":
			o.saveSet = true
		case "batch-size":
			o.batchSet = true
		}
	})
}

// newFlagSet returns an empty flag set for a command, which reports no
// error itself: run does, in its own words.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseArgs parses the flags of fs in args and returns the other
// arguments. Flags may follow a file argument too, as in
// "factor data.csv -k 5", unless after "--". It returns flag.ErrHelp,
// after printing usage and the flags to stderr, when help was asked for,
// and a usageError for any mistake.
func parseArgs(fs *flag.FlagSet, args []string, stderr io.Writer, usage string) ([]string, error) {
	var files []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printUsage(stderr, fs, usage)
				return nil, err
			}
			return nil, usageError{err}
		}
		if used := len(rest) - fs.NArg(); used > 0 && rest[used-1] == "--" {
			files = append(files, fs.Args()...)
			break
		}
		if rest = fs.Args(); len(rest) == 0 {
			break
		}
		files, rest = append(files, rest[0]), rest[1:]
	}
	return files, nil
}

// fitUsage is the usage message of the fitting command, before its flags.
const fitUsage = `usage: factor [flags] [FILE]
       factor transform -model FILE [flags] DATA
       factor rank -k A:B [flags] [FILE]

Factor fits a non-negative matrix factorization X ≈ W·H to the matrix in
FILE (CSV or MatrixMarket; "-" for standard input) and writes W.csv, H.csv,
history.csv and convergence.png to the -out directory, and with -save the
model. With no FILE it factorizes a built-in data set of 1797 handwritten
8×8 digits into 16 components, drawn in components.png. factor transform
applies a saved model to new rows, and factor rank surveys a range of k;
run factor transform -h or factor rank -h for their flags.

Flags:
`

// printUsage prints a usage message and the flags of fs.
func printUsage(w io.Writer, fs *flag.FlagSet, usage string) {
	io.WriteString(w, usage)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// check checks the values of the flags that do not depend on the data.
func (o *options) check() error {
	fromModel := o.set["init-from"] && !o.kSet // k comes from the model
	switch {
	case o.file != "" && !o.kSet && !o.set["init-from"]:
		return usagef("-k is required with a FILE: give the number of components")
	case o.k < 1 && !fromModel:
		return usagef("-k %d: want at least 1 component", o.k)
	case o.set["init-from"] && o.initFrom == "":
		return usagef("-init-from: want a model file name")
	case o.set["init-from"] && o.set["init"]:
		return usagef("-init and -init-from both say how the fit starts: give one")
	}
	if err := o.checkNMF(); err != nil {
		return err
	}
	switch {
	case o.saveSet && o.save == "":
		return usagef("-save: want a file name")
	case o.save != "" && isOutput(o.save, o.out):
		return usagef("-save %s is an output file of -out %s: give the model another name", o.save, o.out)
	case o.top < 1:
		return usagef("-top %d: want a value ≥ 1", o.top)
	}
	if o.batchSet {
		return o.checkStream()
	}
	if o.set["transform-max-iter"] {
		return usagef("-transform-max-iter applies only with -batch-size: the in-memory fit's W is fitted, not transformed")
	}
	return nil
}

// checkNMF checks the values of the flags of addNMFFlags and -restarts.
func (o *options) checkNMF() error {
	switch {
	case !nonNegative(o.alpha):
		return usagef("-alpha %g: want a finite value ≥ 0", o.alpha)
	case o.alphaHSet && !nonNegative(o.alphaH):
		return usagef("-alpha-h %g: want a finite value ≥ 0", o.alphaH)
	case !(o.l1Ratio >= 0 && o.l1Ratio <= 1):
		return usagef("-l1-ratio %g: want a value in [0, 1]", o.l1Ratio)
	case !nonNegative(o.tol):
		return usagef("-tol %g: want a finite value ≥ 0", o.tol)
	case o.maxIter < 0:
		return usagef("-max-iter %d: want a value ≥ 0", o.maxIter)
	case o.restarts < 1:
		return usagef("-restarts %d: want a value ≥ 1", o.restarts)
	case o.out == "":
		return usagef("-out: want a directory name")
	case (o.solver == factor.HALS || o.solver == factor.AcceleratedHALS) && float64(o.beta) != factor.Frobenius:
		return usagef("-solver %v minimizes only the Frobenius loss, not -beta %v; use -solver mu or auto", o.solver, o.beta)
	case o.observedOnly && o.solver == factor.AcceleratedHALS:
		return usagef("-solver ahals does not take missing entries (-observed-only); use -solver hals or auto")
	}
	return nil
}

// inMemoryOnly are the flags that apply only to the in-memory fit, and
// why they do not apply with -batch-size.
var inMemoryOnly = []struct{ name, why string }{
	{"restarts", "MiniBatchNMF makes one run"},
	{"solver", "MiniBatchNMF has the multiplicative update only"},
	{"image", "the streamed fit draws no components"},
	{"observed-only", "MiniBatchNMF does not take missing entries"},
	{"init-from", "the streamed fit starts from -init on its first block"},
}

// checkStream checks the flags of a streamed fit, -batch-size.
func (o *options) checkStream() error {
	for _, f := range inMemoryOnly {
		if o.set[f.name] {
			return usagef("-%s does not apply with -batch-size: %s", f.name, f.why)
		}
	}
	switch {
	case o.batchSize < 1:
		return usagef("-batch-size %d: want at least 1 row a block", o.batchSize)
	case o.set["transform-max-iter"] && o.transformMaxIter < 1:
		return usagef("-transform-max-iter %d: want a value ≥ 1", o.transformMaxIter)
	case o.maxIter < 1:
		return usagef("-max-iter %d: -batch-size wants at least 1 epoch", o.maxIter)
	case o.file == "-" && o.maxIter > 1:
		return usagef("-batch-size re-reads FILE in each of -max-iter %d epochs, and standard input cannot be read again: give a file, or -max-iter 1", o.maxIter)
	}
	return nil
}

// checkData checks the flags that must fit the n×m data matrix.
func (o *options) checkData(n, m int) error {
	if o.k > min(n, m) {
		return usagef("-k %d is too large for a %d×%d matrix: want at most min(rows, columns) = %d", o.k, n, m, min(n, m))
	}
	if o.image != (imageSize{}) && !o.image.fits(m) {
		return usagef("-image %v needs %v columns, but the data has %d", o.image, o.image.pixels(), m)
	}
	return nil
}

// nmfOptions returns the library options of NMF for the settings.
func (o *options) nmfOptions(progress func(factor.Progress)) []factor.Option {
	opts := append(o.commonOptions(progress), factor.WithSolver(o.solver), factor.WithRestarts(o.restarts))
	if o.observedOnly {
		opts = append(opts, factor.WithObservedOnly())
	}
	return opts
}

// miniBatchOptions returns the library options of MiniBatchNMF for the
// settings of a streamed fit.
func (o *options) miniBatchOptions(progress func(factor.Progress)) []factor.Option {
	opts := append(o.commonOptions(progress), factor.WithBatchSize(o.batchSize))
	if o.set["transform-max-iter"] {
		opts = append(opts, factor.WithTransformMaxIter(o.transformMaxIter))
	}
	return opts
}

// commonOptions returns the library options that NMF and MiniBatchNMF
// share for the settings.
func (o *options) commonOptions(progress func(factor.Progress)) []factor.Option {
	return append([]factor.Option{factor.WithK(o.k)}, o.settingOptions(progress)...)
}

// settingOptions returns the library options of the settings of a fit but
// k, which the fitting command and factor rank share.
func (o *options) settingOptions(progress func(factor.Progress)) []factor.Option {
	opts := []factor.Option{
		factor.WithBeta(float64(o.beta)),
		factor.WithInit(o.init),
		factor.WithAlpha(o.alpha),
		factor.WithL1Ratio(o.l1Ratio),
		factor.WithTol(o.tol),
		factor.WithMaxIter(o.maxIter),
		factor.WithSeed(o.seed),
		factor.WithProgress(progress),
	}
	if o.alphaHSet {
		opts = append(opts, factor.WithAlphaH(o.alphaH))
	}
	return opts
}

// isOutput reports whether path names one of the files that a fit writes
// or removes in the directory out.
func isOutput(path, out string) bool {
	for _, name := range fitOutputs {
		if filepath.Clean(path) == filepath.Join(out, name) {
			return true
		}
	}
	return false
}

// nonNegative reports whether v is finite and ≥ 0.
func nonNegative(v float64) bool { return v >= 0 && !math.IsInf(v, 1) }

// betaValue is the value of -beta: a name of a divergence or a number.
type betaValue float64

var betaNames = []struct {
	name string
	beta float64
}{
	{"frobenius", factor.Frobenius},
	{"kl", factor.KullbackLeibler},
	{"is", factor.ItakuraSaito},
}

// String returns the name of the divergence, or the number.
func (b betaValue) String() string {
	for _, n := range betaNames {
		if float64(b) == n.beta {
			return n.name
		}
	}
	return strconv.FormatFloat(float64(b), 'g', -1, 64)
}

// Set parses a name of a divergence or a finite number.
func (b *betaValue) Set(s string) error {
	for _, n := range betaNames {
		if strings.EqualFold(s, n.name) {
			*b = betaValue(n.beta)
			return nil
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return errors.New("want frobenius, kl, is or a finite number")
	}
	*b = betaValue(v)
	return nil
}

// imageSize is the value of -image: the width and height of an image.
type imageSize struct{ w, h int }

// String returns the size as WxH, or "" when unset.
func (s imageSize) String() string {
	if s == (imageSize{}) {
		return ""
	}
	return fmt.Sprintf("%dx%d", s.w, s.h)
}

// Set parses WxH with positive W and H.
func (s *imageSize) Set(v string) error {
	ws, hs, ok := strings.Cut(strings.ToLower(v), "x")
	w, werr := strconv.Atoi(ws)
	h, herr := strconv.Atoi(hs)
	if !ok || werr != nil || herr != nil || w < 1 || h < 1 {
		return errors.New("want WIDTHxHEIGHT in pixels, such as 8x8")
	}
	*s = imageSize{w, h}
	return nil
}

// fits reports whether an image of size s has exactly m pixels. It
// divides instead of multiplying, as w·h may overflow an int.
func (s imageSize) fits(m int) bool {
	return m%s.w == 0 && m/s.w == s.h
}

// pixels returns w·h, exact however large.
func (s imageSize) pixels() *big.Int {
	return new(big.Int).Mul(big.NewInt(int64(s.w)), big.NewInt(int64(s.h)))
}

// nameValue is a flag.Value for a library type that has names, such as
// factor.Solver, that words an unknown name for the command line.
type nameValue struct {
	v interface {
		encoding.TextUnmarshaler
		fmt.Stringer
	}
	names string // the accepted names, for the error message
}

// String returns the name of the value.
func (n nameValue) String() string {
	if n.v == nil {
		return ""
	}
	return n.v.String()
}

// Set parses a name.
func (n nameValue) Set(s string) error {
	if err := n.v.UnmarshalText([]byte(s)); err != nil {
		return fmt.Errorf("want %s", n.names)
	}
	return nil
}
