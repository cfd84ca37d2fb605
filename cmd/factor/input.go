package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/factorgo/factor"
	"github.com/factorgo/factor/internal/csvmat"
	"gonum.org/v1/gonum/mat"
)

// dataset is the matrix X to factorize and what is known of its source.
type dataset struct {
	name   string     // the file name, "stdin" or digitsName, for messages
	x      mat.Matrix // a *mat.Dense, or a *factor.CSR for sparse input
	header []string   // the feature names of a CSV header, or nil
	lines  []int      // the line of each row of a CSV file, or nil
	row0   int        // the row of the file that is X's first: X is a block of a streamed file
}

// mmBanner starts every MatrixMarket file.
const mmBanner = "%%MatrixMarket"

// readInput reads X from file: "" for the built-in digits, "-" for stdin.
func readInput(file string, stdin io.Reader) (*dataset, error) {
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
		return &dataset{name: src.name, x: x}, nil
	}
	return readCSV(src.name, src.r)
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
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("%s: %v", s.name, err)
		}
		s.closers = append(s.closers, zr)
		br = bufio.NewReader(zr)
	}
	s.r = br
	ext := filepath.Ext(strings.TrimSuffix(strings.ToLower(file), ".gz"))
	banner, _ := br.Peek(len(mmBanner))
	s.mm = ext == ".mtx" || strings.EqualFold(string(banner), mmBanner)
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
// names (see package csvmat for the format).
func readCSV(name string, r io.Reader) (*dataset, error) {
	m, err := csvmat.Read(name, r)
	if err != nil {
		return nil, err
	}
	return &dataset{name: name, x: m.X, header: m.Header, lines: m.Lines}, nil
}

// at describes where entry (i, j) of X is in the input, for messages.
func (d *dataset) at(i, j int) string {
	if d.lines != nil {
		return fmt.Sprintf("%s:%d: column %d", d.name, d.lines[i], j+1)
	}
	return fmt.Sprintf("%s: row %d, column %d", d.name, d.row0+i+1, j+1)
}

// describe summarizes the shape and kind of X.
func (d *dataset) describe() string {
	n, m := d.x.Dims()
	if c, ok := d.x.(*factor.CSR); ok {
		return fmt.Sprintf("%d×%d sparse, %d stored entries", n, m, c.NNZ())
	}
	return fmt.Sprintf("%d×%d dense", n, m)
}

// libMessage returns the message of a library error without the "factor: "
// prefix its sentinel errors carry, which the command prints already.
func libMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "factor: ")
}
