package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/factorgo/factor"
	"github.com/factorgo/factor/internal/csvmat"
	"github.com/factorgo/factor/internal/datafile"
	"github.com/factorgo/factor/internal/residual"
	"gonum.org/v1/gonum/mat"
)

// dataset is the matrix X to factorize and what is known of its source.
type dataset struct {
	name   string     // the file name, "stdin" or digitsName, for messages
	x      mat.Matrix // a *mat.Dense, or a *factor.CSR for sparse input
	header []string   // the feature names of a CSV header, or nil
	lines  []int      // the line of each row of a CSV file, or nil
	row0   int        // the row of the file that is X's first: X is a block of a streamed file
	// observed says that only the observed entries of X count: the stored
	// ones of a *factor.CSR, the non-NaN ones of a dense X (-observed-only,
	// or a model fitted with it).
	observed bool
}

// readInput reads X from file: "" for the built-in digits, "-" for stdin.
// With observed, only the observed entries of X count: the missing cells
// of a CSV file are read as NaN (csvmat.ReadMissing), and the entries a
// MatrixMarket coordinate file does not list are missing rather than
// zero; a MatrixMarket array file holds only observed entries, as its
// reader refuses NaN.
func readInput(file string, stdin io.Reader, observed bool) (*dataset, error) {
	src, err := openInput(file, stdin)
	if err != nil {
		return nil, err
	}
	defer src.close()
	if src.mm {
		x, err := factor.ReadMatrixMarket(src.r)
		if err != nil {
			return nil, fmt.Errorf("%s: %s", src.name, libMessage(err))
		}
		return &dataset{name: src.name, x: x, observed: observed}, nil
	}
	return readCSV(src.name, src.r, observed)
}

// source is an opened input: its content, decompressed, and its format.
type source struct {
	r       *bufio.Reader
	name    string // the file name, "stdin" or digitsName, for messages
	mm      bool   // MatrixMarket, else CSV
	closers []io.Closer
}

// close closes the files behind the source.
func (s *source) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i].Close()
	}
}

// openInput opens file ("" for the built-in digits, "-" for stdin),
// decompresses it when it is gzip-compressed and tells its format: a
// MatrixMarket file is named *.mtx or starts with the banner, and any
// other is CSV.
func openInput(file string, stdin io.Reader) (*source, error) {
	var r io.Reader
	s := &source{name: file}
	switch file {
	case "":
		r, s.name = bytes.NewReader(digitsGz), digitsName
	case "-":
		r, s.name = stdin, "stdin"
	default:
		f, err := openFile(file, "a data file")
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, f)
		r = f
	}
	f, err := datafile.Open(s.name, r)
	if err != nil {
		s.close()
		return nil, err
	}
	s.closers = append(s.closers, f)
	s.r, s.mm = f.Reader, f.MatrixMarket
	return s, nil
}

// openFile opens the file at path, which must not be a directory: what
// says what it should be, for the message.
func openFile(path, what string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s is a directory, want %s", path, what)
	}
	return f, nil
}

// readCSV reads a dense matrix from CSV, with an optional header line of
// names (see package csvmat for the format), and with observed its
// missing cells as NaN.
func readCSV(name string, r io.Reader, observed bool) (*dataset, error) {
	read := csvmat.Read
	if observed {
		read = csvmat.ReadMissing
	}
	m, err := read(name, r)
	if err != nil {
		return nil, err
	}
	return &dataset{name: name, x: m.X, header: m.Header, lines: m.Lines, observed: observed}, nil
}

// at describes where entry (i, j) of X is in the input, for messages.
func (d *dataset) at(i, j int) string {
	if d.lines != nil {
		return fmt.Sprintf("%s:%d: column %d", d.name, d.lines[i], j+1)
	}
	return fmt.Sprintf("%s: row %d, column %d", d.name, d.row0+i+1, j+1)
}

// describe summarizes the shape and kind of X, and which of its entries
// are observed when only those count.
func (d *dataset) describe() string {
	n, m := d.x.Dims()
	if c, ok := d.x.(*factor.CSR); ok {
		s := fmt.Sprintf("%d×%d sparse, %d stored entries", n, m, c.NNZ())
		if d.observed {
			s += ", the observed ones"
		}
		return s
	}
	s := fmt.Sprintf("%d×%d dense", n, m)
	if d.observed {
		s += fmt.Sprintf(", %d missing entries", n*m-d.observedEntries())
	}
	return s
}

// observedEntries returns the number of observed entries of X when only
// those count: the stored entries of a *factor.CSR, the entries of a
// dense X that are not NaN.
func (d *dataset) observedEntries() int {
	if c, ok := d.x.(*factor.CSR); ok {
		return c.NNZ()
	}
	n, m := d.x.Dims()
	count := 0
	for i := range n {
		for j := range m {
			if !math.IsNaN(d.x.At(i, j)) {
				count++
			}
		}
	}
	return count
}

// relErr returns the relative error ‖X − WH‖_F / ‖X‖_F of the factors w
// and h of X, over the observed entries of X when only those count.
func (d *dataset) relErr(w, h *mat.Dense) float64 {
	if d.observed {
		rel, _ := residual.Observed(d.x, w, h)
		return rel
	}
	return residual.Relative(d.x, w, h)
}

// libMessage returns the message of a library error without the "factor: "
// prefix its sentinel errors carry, which the command prints already.
func libMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "factor: ")
}
