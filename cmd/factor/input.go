package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// dataset is the matrix X to factorize and what is known of its source.
type dataset struct {
	name   string     // the file name, "stdin" or digitsName, for messages
	x      mat.Matrix // a *mat.Dense, or a *factor.CSR for sparse input
	header []string   // the feature names of a CSV header, or nil
	lines  []int      // the line of each row of a CSV file, or nil
}

// mmBanner starts every MatrixMarket file.
const mmBanner = "%%MatrixMarket"

// readInput reads X from file: "" for the built-in digits, "-" for stdin.
func readInput(file string, stdin io.Reader) (*dataset, error) {
	var (
		r    io.Reader
		name = file
	)
	switch file {
	case "":
		r, name = bytes.NewReader(digitsGz), digitsName
	case "-":
		r, name = stdin, "stdin"
	default:
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, fmt.Errorf("%s is a directory, want a data file", file)
		}
		r = f
	}
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	ext := filepath.Ext(strings.TrimSuffix(strings.ToLower(file), ".gz"))
	if banner, _ := br.Peek(len(mmBanner)); ext == ".mtx" || strings.EqualFold(string(banner), mmBanner) {
		x, err := factor.ReadMatrixMarket(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %s", name, libMessage(err))
		}
		return &dataset{name: name, x: x}, nil
	}
	return readCSV(name, br)
}

// readCSV reads a dense matrix from CSV, with an optional header line of
// names: a first line none of whose fields is a number.
func readCSV(name string, r io.Reader) (*dataset, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked below, to say which lines disagree
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	d := &dataset{name: name}
	var (
		data      []float64
		cols      int
		firstLine int // the line that set the number of columns
	)
	for first := true; ; first = false {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s:%d:%d: %v", name, pe.Line, pe.Column, pe.Err)
			}
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		line, _ := cr.FieldPos(0)
		if first {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff") // a byte order mark
			if isHeader(rec) {
				d.header = slices.Clone(rec)
				cols, firstLine = len(rec), line
				continue
			}
		}
		if cols == 0 {
			cols, firstLine = len(rec), line
		} else if len(rec) != cols {
			return nil, fmt.Errorf("%s:%d: %d fields, want %d as on line %d", name, line, len(rec), cols, firstLine)
		}
		for j, f := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%s:%d: column %d: %s", name, line, j+1, notNumber(f, line))
			}
			data = append(data, v)
		}
		d.lines = append(d.lines, line)
	}
	if len(d.lines) == 0 {
		return nil, fmt.Errorf("%s: no rows of numbers", name)
	}
	d.x = mat.NewDense(len(d.lines), cols, data)
	return d, nil
}

// isHeader reports whether a first CSV record is a header: none of its
// fields is a number.
func isHeader(rec []string) bool {
	for _, f := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err == nil {
			return false
		}
	}
	return true
}

// notNumber describes a field that is not a finite number.
func notNumber(f string, line int) string {
	switch {
	case strings.TrimSpace(f) == "":
		return "empty field, want a number"
	case strings.ContainsAny(f, ";\t"):
		return fmt.Sprintf("%q is not a number (separate fields with commas)", f)
	case line == 1:
		return fmt.Sprintf("%q is not a number (a header must have no numeric names)", f)
	}
	return fmt.Sprintf("%q is not a finite number", f)
}

// at describes where entry (i, j) of X is in the input, for messages.
func (d *dataset) at(i, j int) string {
	if d.lines != nil {
		return fmt.Sprintf("%s:%d: column %d", d.name, d.lines[i], j+1)
	}
	return fmt.Sprintf("%s: row %d, column %d", d.name, i+1, j+1)
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
