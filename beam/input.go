package factorbeam

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local" // local files, always
	"github.com/factorgo/factor"
	"github.com/factorgo/factor/internal/csvmat"
	"github.com/factorgo/factor/internal/datafile"
)

// shard is one input file: its rows come after those of the shards of
// lower index.
type shard struct {
	Index int
	Path  string
}

// Input is what ListInput learned of the input files without reading
// their rows.
type Input struct {
	// Shards are the files in name order, whose rows, one after the
	// other, are X.
	Shards []string
	// MatrixMarket reports MatrixMarket files; else they are CSV.
	MatrixMarket bool
	// Header is the column names of the CSV header, or nil.
	Header []string
}

// ListInput expands pattern, a file name or a glob (filepath.Match's
// syntax, on any file system Beam has registered: local files, gs://...),
// into its files in name order, and reads the start of each: they must
// all be CSV or all MatrixMarket, and the CSV headers, where a file has
// one, must agree. The matrix X is the rows of the files one after the
// other.
func ListInput(ctx context.Context, pattern string) (*Input, error) {
	fs, err := filesystem.New(ctx, pattern)
	if err != nil {
		return nil, err
	}
	defer fs.Close()
	paths, err := fs.List(ctx, pattern)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", pattern, err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s: no such file", pattern)
	}
	slices.Sort(paths)
	in := &Input{Shards: paths}
	for i, p := range paths {
		mm, header, err := peek(ctx, fs, p)
		if err != nil {
			return nil, err
		}
		switch {
		case i > 0 && mm != in.MatrixMarket:
			return nil, fmt.Errorf("%s and %s: one is MatrixMarket and the other CSV; want files of one format", paths[0], p)
		case header != nil && in.Header != nil && !slices.Equal(header, in.Header):
			return nil, fmt.Errorf("%s: its CSV header differs from that of an earlier file", p)
		}
		in.MatrixMarket = mm
		if header != nil {
			in.Header = header
		}
	}
	return in, nil
}

// peek opens the file at path and returns its format and CSV header.
func peek(ctx context.Context, fs filesystem.Interface, path string) (mm bool, header []string, err error) {
	err = openData(ctx, fs, path, func(f *datafile.File) error {
		mm = f.MatrixMarket
		if !mm {
			header, err = csvmat.NewRowReader(path, f).Header()
		}
		return err
	})
	return mm, header, err
}

// openData opens the data file at path on fs and calls read with its
// content, decompressed.
func openData(ctx context.Context, fs filesystem.Interface, path string, read func(*datafile.File) error) error {
	return readOn(ctx, fs, path, func(r io.Reader) error {
		f, err := datafile.Open(path, r)
		if err != nil {
			return err
		}
		defer f.Close()
		return read(f)
	})
}

// ReadFile calls read with the content of the file at path, on any file
// system Beam has registered: local files, and those the program imports,
// such as gs:// (factor-beam imports it).
func ReadFile(ctx context.Context, path string, read func(io.Reader) error) error {
	fs, err := filesystem.New(ctx, path)
	if err != nil {
		return err
	}
	defer fs.Close()
	return readOn(ctx, fs, path, read)
}

// readOn is ReadFile on the file system fs.
func readOn(ctx context.Context, fs filesystem.Interface, path string, read func(io.Reader) error) error {
	r, err := fs.OpenRead(ctx, path)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	defer r.Close()
	return read(r)
}

// piece is rows of X as read from a shard: First is the index of its
// first row within the shard, later (keyed pieces) within X.
type piece struct {
	Shard, First int
	X            rows
	W            []float64 // rows of a starting W (a piece of the model), with X empty
}

// readFn reads a shard into pieces of at most BlockRows rows.
type readFn struct {
	BlockRows    int
	MatrixMarket bool
}

// ProcessElement reads the shard sh.
func (f *readFn) ProcessElement(ctx context.Context, sh shard, emit func(piece)) error {
	fs, err := filesystem.New(ctx, sh.Path)
	if err != nil {
		return err
	}
	defer fs.Close()
	return openData(ctx, fs, sh.Path, func(file *datafile.File) error {
		if file.MatrixMarket != f.MatrixMarket {
			return fail("%s: it is no longer of the format it had when the pipeline was built", sh.Path)
		}
		first := 0
		next := f.csvBlocks(sh.Path, file)
		if f.MatrixMarket {
			next = f.mmBlocks(sh.Path, file)
		}
		for {
			x, err := next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fail("%v", err)
			}
			emit(piece{Shard: sh.Index, First: first, X: x})
			first += x.n
		}
	})
}

// csvBlocks returns the reader of the blocks of a CSV file.
func (f *readFn) csvBlocks(path string, r io.Reader) func() (rows, error) {
	cr := csvmat.NewRowReader(path, r)
	return func() (rows, error) {
		x, _, err := cr.Next(f.BlockRows)
		if err != nil {
			return rows{}, err
		}
		return denseRows(x), nil
	}
}

// mmBlocks returns the reader of the blocks of a MatrixMarket coordinate
// file, whose entries must be in row order.
func (f *readFn) mmBlocks(path string, r io.Reader) func() (rows, error) {
	mr := factor.NewMatrixMarketRowReader(r)
	return func() (rows, error) {
		x, err := mr.Next(f.BlockRows)
		switch {
		case err == io.EOF:
			return rows{}, err
		case err != nil:
			return rows{}, fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "factor: "))
		}
		return csrRows(x), nil
	}
}

// errMarker starts the messages of the pipeline's own errors, so that a
// command can find them in a runner's report of a failed job.
const errMarker = "factor-beam: "

// fail returns an error of the pipeline, marked for Message.
func fail(format string, args ...any) error {
	return errors.New(errMarker + fmt.Sprintf(format, args...))
}

// Message returns the message of the pipeline's last error in err, the
// error of a failed run, without the runner's account of where it
// happened, or err's whole message when it holds none.
func Message(err error) string {
	s := err.Error()
	i := strings.LastIndex(s, errMarker)
	if i < 0 {
		return s
	}
	s = s[i+len(errMarker):]
	if j := strings.IndexByte(s, '\n'); j >= 0 {
		s = s[:j]
	}
	return s
}
