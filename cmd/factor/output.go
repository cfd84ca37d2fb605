package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/gonum/mat"
)

// writeOutputs writes the output files of a fit into dir, creating it if
// needed: W.csv, H.csv (with the header of the input, if any),
// history.csv, convergence.png and, for an image size, components.png. It
// writes all of them or none, and returns their paths. Without an image
// size it removes a components.png that an earlier run left in dir, which
// would show the components of other factors than the W.csv and H.csv
// beside it.
func writeOutputs(dir string, d *dataset, w, h *mat.Dense, history []float64, image imageSize) ([]string, error) {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, err
	}
	files := []outputFile{
		{"W.csv", func(f io.Writer) error { return writeMatrix(f, w, nil) }},
		{"H.csv", func(f io.Writer) error { return writeMatrix(f, h, d.header) }},
		{"history.csv", func(f io.Writer) error { return writeHistory(f, history) }},
		{"convergence.png", func(f io.Writer) error { return plotConvergence(f, history) }},
	}
	if image != (imageSize{}) {
		files = append(files, outputFile{"components.png", func(f io.Writer) error { return drawComponents(f, h, image) }})
	}
	s := &staging{dir: dir}
	defer s.abort() // after a commit, there is nothing left to remove
	for _, f := range files {
		if err := s.write(f.name, f.fill); err != nil {
			return nil, err
		}
	}
	paths, err := s.commit()
	if err == nil && image == (imageSize{}) {
		if rerr := os.Remove(filepath.Join(dir, "components.png")); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = fmt.Errorf("removing the components.png of an earlier run: %w", rerr)
		}
	}
	return paths, err
}

// outputFile is an output file's name and a function writing its content.
type outputFile struct {
	name string
	fill func(w io.Writer) error
}

// staging writes output files under temporary names in one directory, to
// be renamed into place together by commit or removed by abort, so that a
// failed run leaves no partial output.
type staging struct {
	dir   string
	files []stagedFile
}

// stagedFile is a file written under a temporary name.
type stagedFile struct {
	tmp, final string
}

// write creates the file name in the staging directory, under a temporary
// name, with the content fill writes.
func (s *staging) write(name string, fill func(w io.Writer) error) error {
	f, err := os.CreateTemp(s.dir, "."+name+".*.tmp")
	if err != nil {
		return err
	}
	s.files = append(s.files, stagedFile{tmp: f.Name(), final: filepath.Join(s.dir, name)})
	bw := bufio.NewWriter(f)
	err = fill(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Chmod(0o644) // CreateTemp makes files readable by the owner only
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Join(s.dir, name), err)
	}
	return nil
}

// commit renames the files into place and returns their paths. On error it
// removes the files not yet renamed.
func (s *staging) commit() ([]string, error) {
	var paths []string
	for i, f := range s.files {
		if err := os.Rename(f.tmp, f.final); err != nil {
			s.files = s.files[i:]
			s.abort()
			return paths, err
		}
		paths = append(paths, f.final)
	}
	s.files = nil
	return paths, nil
}

// abort removes the files not yet committed.
func (s *staging) abort() {
	for _, f := range s.files {
		os.Remove(f.tmp)
	}
	s.files = nil
}

// writeMatrix writes a as CSV, one row per line, after a header line of
// names when header is not nil. Values are written with the fewest digits
// that read back exactly.
func writeMatrix(w io.Writer, a *mat.Dense, header []string) error {
	cw := csv.NewWriter(w)
	if header != nil {
		if err := cw.Write(header); err != nil {
			return err
		}
	}
	r, c := a.Dims()
	rec := make([]string, c)
	for i := range r {
		for j, v := range a.RawRowView(i) {
			rec[j] = strconv.FormatFloat(v, 'g', -1, 64)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeHistory writes the objective after each iteration as CSV with the
// columns iteration and objective.
func writeHistory(w io.Writer, history []float64) error {
	if _, err := io.WriteString(w, "iteration,objective\n"); err != nil {
		return err
	}
	var buf []byte
	for i, v := range history {
		buf = strconv.AppendInt(buf[:0], int64(i+1), 10)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}
