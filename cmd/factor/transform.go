package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/factorgo/factor"
	"github.com/factorgo/factor/internal/modelfile"
	"gonum.org/v1/gonum/mat"
)

// transformOptions are the settings of a run of factor transform.
type transformOptions struct {
	model string // the model file
	out   string
	vocab string
	top   int
	quiet bool
	file  string // "-" for standard input
}

// transformUsage is the usage message of factor transform, before its
// flags.
const transformUsage = `usage: factor transform -model FILE [flags] DATA

Transform loads the model that factor -save wrote to FILE (an NMF, or a
MiniBatchNMF with -batch-size; the model file says which) and writes
W.csv to the -out directory: the weights of the rows of DATA on the
model's components, with the model's H fixed. DATA is read as factor
reads its FILE (CSV or MatrixMarket, gzip-compressed or not; "-" for
standard input), and must have the columns of the model's data. With
-vocab, or when the model holds the names of its columns, transform also
prints the top terms of each component and the top components of each
row.

Flags:
`

// parseTransform parses the command line of factor transform (the
// arguments after "transform").
func parseTransform(args []string, stderr io.Writer) (job, error) {
	o := &transformOptions{}
	fs := newFlagSet("factor transform")
	fs.StringVar(&o.model, "model", "", "the model `file` that factor -save wrote (required)")
	fs.StringVar(&o.out, "out", "factor-out", "output `directory`")
	fs.StringVar(&o.vocab, "vocab", "", "`file` of column names, one per line of at most 1 MiB, to print the top terms of each component and the top components of each row (default: the model's names, if any)")
	fs.IntVar(&o.top, "top", 10, "number of terms per component, and of components per row, printed with names")
	fs.BoolVar(&o.quiet, "quiet", false, "print no progress (as the fitting command; transform has none to print)")
	files, err := parseArgs(fs, args, stderr, transformUsage)
	if err != nil {
		return nil, err
	}
	switch {
	case o.model == "":
		return nil, usagef("-model is required: give the model file that factor -save wrote")
	case len(files) == 0:
		return nil, usagef("no DATA: give the file of rows to transform, or - for standard input")
	case len(files) > 1:
		return nil, usagef("too many arguments: %s (want one DATA)", strings.Join(files, " "))
	case files[0] == "":
		return nil, usagef("empty file name")
	case o.out == "":
		return nil, usagef("-out: want a directory name")
	case o.top < 1:
		return nil, usagef("-top %d: want a value ≥ 1", o.top)
	}
	o.file = files[0]
	return func(ctx context.Context, stdin io.Reader, stdout, _ io.Writer) error {
		return transform(ctx, o, stdin, stdout)
	}, nil
}

// transform loads the model, reads the data, solves for its W, writes
// W.csv and prints a summary and, with names, the topics.
func transform(ctx context.Context, o *transformOptions, stdin io.Reader, stdout io.Writer) error {
	model, err := loadModel(o.model)
	if err != nil {
		return err
	}
	h := model.H()
	k, m := h.Dims()
	names := model.names
	d, err := readInput(o.file, stdin, model.observed)
	if err != nil {
		return err
	}
	if _, cols := d.x.Dims(); cols != m {
		return fmt.Errorf("%s has %d columns, but the model %s was fitted on %d", d.name, cols, o.model, m)
	}
	if err := checkHeader(d, names, o.model); err != nil {
		return err
	}
	if o.vocab != "" {
		if names, err = readVocab(o.vocab, m); err != nil {
			return err
		}
	}

	start := time.Now()
	w, err := model.TransformContext(ctx, d.x)
	elapsed := time.Since(start)
	if err != nil {
		if derr := dataError(err, d, "the model's beta divergence needs strictly positive data"); derr != nil {
			return derr
		}
		return fmt.Errorf("transform failed: %s", libMessage(err))
	}
	paths, err := writeW(o.out, w)
	if err != nil {
		return err
	}
	printFields(stdout, []field{
		{"input", d.name + ": " + d.describe()},
		{"model", fmt.Sprintf("%s: %s k=%d, %d columns", o.model, model.kind, k, m)},
		relErrField(d.relErr(w, h), d.observed),
		{"elapsed", round(elapsed).String()},
	}, paths)
	if names != nil {
		printTopics(stdout, h, names, o.top)
		printRowTopics(stdout, w, o.top)
	}
	return nil
}

// loadedModel is a model that a model file held: an NMF or a MiniBatchNMF.
type loadedModel struct {
	transformer
	kind  string   // its type, "NMF" or "MiniBatchNMF"
	names []string // its feature names, or nil
	// observed says that the model was fitted with WithObservedOnly
	// (factor -observed-only), so that its Transform reads the NaN
	// entries of dense rows and the unstored entries of sparse ones as
	// missing.
	observed bool
}

// transformer is what transform uses of a model.
type transformer interface {
	H() *mat.Dense
	TransformContext(ctx context.Context, x mat.Matrix) (*mat.Dense, error)
}

// flagsOffset and flagObservedOnly locate and name a model fitted
// WithObservedOnly, as modelfile.KindOffset and KindMiniBatch a
// MiniBatchNMF (docs/model-format.md: byte 10 is the model kind, 3 a
// MiniBatchNMF; byte 11 the flags, 0 in format version 1, and in version
// 2 bit 0 set for WithObservedOnly). The library checks both bytes when it
// loads the file, which the checksum covers: once it has, they say what it
// read.
const (
	flagsOffset      = 11
	flagObservedOnly = 1 << 0
)

// loadModel reads the model file at path: a MiniBatchNMF when its kind
// byte says so, else an NMF, whose reader refuses every other file, and
// tells from its flags byte whether it was fitted WithObservedOnly. A
// file that is not one whole model file is an error saying "malformed
// file", worded by the library.
func loadModel(path string) (*loadedModel, error) {
	f, err := openFile(path, "a model file")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// ReadFrom grows what it allocates as the bytes arrive, so that a
	// file that is no model, such as /dev/zero, fails at once.
	br := bufio.NewReader(f)
	var (
		reader io.ReaderFrom
		model  *loadedModel
	)
	head, _ := br.Peek(flagsOffset + 1) // a shorter file fails to load
	if len(head) > modelfile.KindOffset && head[modelfile.KindOffset] == modelfile.KindMiniBatch {
		mb := new(factor.MiniBatchNMF)
		reader, model = mb, &loadedModel{transformer: mb, kind: "MiniBatchNMF"}
	} else {
		nmf := new(factor.NMF)
		reader, model = nmf, &loadedModel{transformer: nmf, kind: "NMF"}
	}
	model.observed = len(head) > flagsOffset && head[flagsOffset]&flagObservedOnly != 0
	n, err := reader.ReadFrom(br)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", path, libMessage(err))
	}
	switch _, err := br.ReadByte(); {
	case err == nil:
		return nil, fmt.Errorf("%s: %s: more bytes follow the model's %d", path, libMessage(factor.ErrFormat), n)
	case err != io.EOF:
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if nmf, ok := reader.(*factor.NMF); ok {
		model.names = nmf.FeatureNames() // a MiniBatchNMF holds none
	}
	return model, nil
}

// checkHeader fails when the data's CSV header and the model's feature
// names are both known and differ: the columns would be in another order,
// or other columns, and W silently wrong.
func checkHeader(d *dataset, names []string, model string) error {
	if d.header == nil || names == nil {
		return nil
	}
	for j, name := range d.header {
		if name != names[j] {
			return fmt.Errorf("%s: column %d is %q, but the model %s names it %q: want the model's columns in its order", d.name, j+1, name, model, names[j])
		}
	}
	return nil
}
