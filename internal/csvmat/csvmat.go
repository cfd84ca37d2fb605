// Package csvmat reads a dense matrix of numbers from CSV. It is the one CSV
// reader of the module: the factor command, the internal tools and the tests
// all read CSV matrices through it, so they accept the same files and report
// the same errors.
//
// The format is CSV as package encoding/csv reads it (RFC 4180: fields
// separated by commas, optionally quoted, quotes doubled inside quoted
// fields, CRLF or LF line ends, blank lines skipped), with these additions:
//
//   - A byte order mark at the start of the input is dropped.
//   - Leading white space in a field is ignored, and so is white space
//     after a number.
//   - The first record is a header of column names when none of its fields
//     is a number as strconv.ParseFloat reads it; otherwise it is the first
//     row of the matrix. A name may be anything ParseFloat rejects, the
//     empty name included, but not "NaN" or "Inf", which it accepts.
//   - Every other field is a finite number as strconv.ParseFloat reads it:
//     NaN, infinities and empty fields are errors. Fields are separated by
//     commas only; a semicolon or tab inside a field is reported as such.
//   - Every record, the header included, has the same number of fields.
//   - At least one row of numbers follows the header, if any.
//
// Errors name the input and its line (and, for malformed CSV, the column of
// the byte) as name:line:col, the form editors and compilers use.
package csvmat

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// Matrix is a matrix read from CSV and what its input said about it.
type Matrix struct {
	// X holds the numbers, a row for each record after the header.
	X *mat.Dense
	// Header holds the column names of the header line, or is nil when the
	// input has no header. When not nil its length is X's column count.
	Header []string
	// Lines holds the input line on which each row of X starts (counting
	// from 1, blank lines included), for messages about entries of X.
	Lines []int
}

// Read reads a matrix in the format the package comment describes from r.
// The name, such as the file name or "stdin", starts every error message:
//
//	name:line:col: <encoding/csv's message>        malformed CSV
//	name:line: N fields, want M as on line L       ragged records
//	name:line: column j: <what is wrong>           a field that is not a finite number
//	name: no rows of numbers                       an input without any
//
// Errors from r itself are returned as name: <error>.
func Read(name string, r io.Reader) (*Matrix, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked below, to say which lines disagree
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	m := &Matrix{}
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
				return nil, fmt.Errorf("%s:%d:%d: %w", name, pe.Line, pe.Column, pe.Err)
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if first {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff") // a byte order mark
			if isHeader(rec) {
				m.Header = slices.Clone(rec)
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
		m.Lines = append(m.Lines, line)
	}
	if len(m.Lines) == 0 {
		return nil, fmt.Errorf("%s: no rows of numbers", name)
	}
	m.X = mat.NewDense(len(m.Lines), cols, data)
	return m, nil
}

// ReadFile reads a matrix from the file at path with Read, naming the file
// by path in errors. A gzip-compressed file is not decompressed.
func ReadFile(path string) (*Matrix, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(path, f)
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
