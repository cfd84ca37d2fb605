package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/factorgo/factor"
	"github.com/factorgo/factor/internal/csvmat"
	"github.com/factorgo/factor/internal/residual"
	"gonum.org/v1/gonum/mat"
)

// blocks reads an input a block of rows at a time: a MatrixMarket
// coordinate file in row order as sparse blocks, or CSV as dense ones.
type blocks struct {
	src    *source
	mm     *factor.MatrixMarketRowReader // nil for CSV
	csv    *csvmat.RowReader
	header []string // the CSV header, or nil
	rows   int      // rows returned so far
	cols   int      // the columns: declared by MatrixMarket, or of the first CSV block (0 before)
	n      int      // the rows a MatrixMarket file declares, -1 for CSV
	nnz    int      // entries of the blocks so far: stored ones, or all of a dense block
}

// openBlocks opens file as openInput does, in the name name, and reads
// its header: the MatrixMarket size line or the CSV header.
func openBlocks(file, name string, stdin io.Reader) (*blocks, error) {
	src, err := openInput(file, stdin)
	if err != nil {
		return nil, err
	}
	src.name = name
	b := &blocks{src: src, n: -1}
	if src.mm {
		b.mm = factor.NewMatrixMarketRowReader(src.r)
		b.n, b.cols, err = b.mm.Dims()
		if err != nil {
			err = fmt.Errorf("%s: %s", name, libMessage(err))
		}
	} else {
		b.csv = csvmat.NewRowReader(name, src.r)
		b.header, err = b.csv.Header()
	}
	if err != nil {
		src.close()
		return nil, err
	}
	return b, nil
}

// next returns the next block of up to size rows, as a dataset that
// locates its entries in the file, or io.EOF after the last.
func (b *blocks) next(size int) (*dataset, error) {
	d := &dataset{name: b.src.name, header: b.header, row0: b.rows}
	if b.mm != nil {
		x, err := b.mm.Next(size)
		if err != nil {
			if err == io.EOF {
				return nil, err
			}
			return nil, fmt.Errorf("%s: %s", b.src.name, libMessage(err))
		}
		d.x = x
		b.nnz += x.NNZ()
	} else {
		x, lines, err := b.csv.Next(size)
		if err != nil {
			return nil, err
		}
		d.x, d.lines = x, lines
		r, c := x.Dims()
		b.cols = c
		b.nnz += r * c
	}
	r, _ := d.x.Dims()
	b.rows += r
	return d, nil
}

// close closes the input.
func (b *blocks) close() { b.src.close() }

// stream fits MiniBatchNMF to FILE without holding it: each of -max-iter
// epochs reads FILE from its start and gives it to PartialFit a block of
// -batch-size rows at a time; then a last pass transforms each block and
// writes its rows of W.csv as they come. Standard input, read once (the
// flags allow only -max-iter 1), is copied to a temporary file for the
// last pass.
func stream(ctx context.Context, o *options, stdin io.Reader, stdout, stderr io.Writer) error {
	in := newStreamInput(o.file, stdin)
	defer in.cleanup()
	rep := newStreamReporter(stderr, o.quiet, o.maxIter)
	model := factor.NewMiniBatchNMF(o.miniBatchOptions(rep.report)...)
	var (
		n, m     = -1, 0
		header   []string
		vocab    []string
		perEpoch int
		start    = time.Now()
	)
	for epoch := 1; epoch <= o.maxIter; epoch++ {
		b, err := in.open()
		if err != nil {
			rep.done()
			return err
		}
		if epoch == 1 && b.n >= 0 {
			rep.steps(ceilDiv(b.n, o.batchSize))
		}
		err = func() error {
			defer b.close()
			for {
				d, err := b.next(o.batchSize)
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return err
				}
				if epoch == 1 && d.row0 == 0 {
					if vocab, err = checkStreamData(o, b); err != nil {
						return err
					}
					header, m = b.header, b.cols
				}
				if err := model.PartialFitContext(ctx, d.x); err != nil {
					return fitError(err, d, o)
				}
			}
		}()
		if err == nil {
			err = in.epochDone()
		}
		if err == nil && epoch == 1 {
			n = b.rows
			if perEpoch = ceilDiv(n, o.batchSize); b.n < 0 {
				rep.steps(perEpoch)
				if n < o.k {
					err = o.checkData(n, m)
				}
			}
		} else if err == nil && b.rows != n {
			err = fmt.Errorf("%s changed while it was read: %d rows in epoch %d, %d in the first", b.src.name, b.rows, epoch, n)
		}
		if err != nil {
			rep.done()
			return err
		}
		rep.epochDone(epoch)
	}
	elapsed := time.Since(start)
	rep.done()

	h, history := model.H(), model.History()
	var (
		name, shape string
		res, norm   float64
	)
	fillW := func(f io.Writer) error {
		b, err := in.open()
		if err != nil {
			return err
		}
		defer b.close()
		name = b.src.name
		for {
			d, err := b.next(o.batchSize)
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			w, err := model.TransformContext(ctx, d.x)
			if err != nil {
				if derr := dataError(err, d, fmt.Sprintf("-beta %v needs strictly positive data; use -beta above 0", o.beta)); derr != nil {
					return derr
				}
				return fmt.Errorf("transform failed: %s", libMessage(err))
			}
			r, bn := blockResidual(d.x, w, h)
			res, norm = res+r, norm+bn
			if err := csvmat.Write(f, w, nil); err != nil {
				return err
			}
		}
		if b.rows != n {
			return fmt.Errorf("%s changed while it was read: %d rows in the transform, %d in the fit", name, b.rows, n)
		}
		shape = fmt.Sprintf("%d×%d dense", n, m)
		if b.mm != nil {
			shape = fmt.Sprintf("%d×%d sparse, %d stored entries", n, m, b.nnz)
		}
		return nil
	}
	// The model file, with -save, goes in the same commit as the outputs.
	// It holds no names: MiniBatchNMF refuses WithFeatureNames.
	paths, err := writeOutputs(o.out, header, fillW, h, history, imageSize{}, o.save, model)
	if err != nil {
		return err
	}
	relErr := math.NaN()
	if norm > 0 {
		relErr = math.Sqrt(res / norm)
	}
	printFields(stdout, []field{
		{"input", fmt.Sprintf("%s: %s, streamed in blocks of %d rows", name, shape, o.batchSize)},
		{"model", fmt.Sprintf("MiniBatchNMF k=%d, beta %v, init %v", o.k, o.beta, o.init)},
		{"epochs", fmt.Sprint(o.maxIter)},
		{"steps", fmt.Sprintf("%d (%d per epoch)", model.NSteps(), perEpoch)},
		{"batch cost", fmt.Sprintf("%.6g (the last step's)", history[len(history)-1])},
		relErrField(relErr, false),
		{"elapsed", round(elapsed).String()},
	}, paths)
	if vocab != nil {
		printTopics(stdout, h, vocab, o.top)
	}
	return nil
}

// checkStreamData checks the flags against the input of a streamed fit,
// once its first block is read, and reads -vocab for its columns. Only a
// MatrixMarket file declares its rows; a CSV file's are checked after the
// first epoch.
func checkStreamData(o *options, b *blocks) ([]string, error) {
	if b.n < 0 && o.k > b.cols {
		return nil, usagef("-k %d is too large for the %d columns of %s: want at most min(rows, columns)", o.k, b.cols, b.src.name)
	}
	if b.n >= 0 {
		if err := o.checkData(b.n, b.cols); err != nil {
			return nil, err
		}
	}
	if o.vocab == "" {
		return nil, nil
	}
	return readVocab(o.vocab, b.cols)
}

// blockResidual returns ‖X − WH‖² and ‖X‖² of a block, for the relative
// error of the whole input.
func blockResidual(x mat.Matrix, w, h *mat.Dense) (res, norm float64) {
	if c, ok := x.(*factor.CSR); ok {
		c.DoNonZero(func(_, _ int, v float64) { norm += v * v })
	} else {
		norm = mat.Norm(x, 2)
		norm *= norm
	}
	if norm == 0 {
		return 0, 0 // Transform gives zero rows of W for zero rows of X
	}
	rel := residual.Relative(x, w, h)
	return rel * rel * norm, norm
}

// ceilDiv returns ⌈a/b⌉ for a ≥ 0, b > 0.
func ceilDiv(a, b int) int { return (a + b - 1) / b }

// streamInput opens the input of a streamed fit for each pass. Standard
// input is copied, as the first pass reads it, to a temporary file that
// the later pass reads.
type streamInput struct {
	file  string
	stdin io.Reader
	tmp   *os.File      // the copy of standard input, or nil
	tee   *bufio.Writer // writing tmp during the first pass
	err   error         // of writing the copy
}

// newStreamInput returns the input file ("" for the built-in digits, "-"
// for standard input).
func newStreamInput(file string, stdin io.Reader) *streamInput {
	return &streamInput{file: file, stdin: stdin}
}

// open opens the input for a pass.
func (s *streamInput) open() (*blocks, error) {
	if s.file != "-" {
		name := s.file
		if name == "" {
			name = digitsName
		}
		return openBlocks(s.file, name, s.stdin)
	}
	if s.tmp != nil {
		return openBlocks(s.tmp.Name(), "stdin", nil)
	}
	f, err := os.CreateTemp("", "factor-stdin-*")
	if err != nil {
		return nil, fmt.Errorf("a copy of stdin for the transform: %w", err)
	}
	s.tmp, s.tee = f, bufio.NewWriter(f)
	return openBlocks("-", "stdin", io.TeeReader(s.stdin, writerFunc(func(p []byte) (int, error) {
		if s.err == nil {
			_, s.err = s.tee.Write(p)
		}
		return len(p), nil // a failed copy is reported by epochDone, not as stdin's
	})))
}

// epochDone finishes the copy of standard input after the first pass.
func (s *streamInput) epochDone() error {
	if s.tee == nil {
		return nil
	}
	err := s.err
	if err == nil {
		err = s.tee.Flush()
	}
	s.tee = nil
	if err != nil {
		return fmt.Errorf("a copy of stdin for the transform: %w", err)
	}
	return nil
}

// cleanup removes the copy of standard input.
func (s *streamInput) cleanup() {
	if s.tmp != nil {
		s.tmp.Close()
		os.Remove(s.tmp.Name())
	}
}

// writerFunc is an io.Writer that is a function.
type writerFunc func(p []byte) (int, error)

// Write calls f.
func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
