package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/factorgo/factor/internal/csvmat"
	"gonum.org/v1/gonum/mat"
)

// writeOutputs writes the output files of a fit into dir, creating it if
// needed: W.csv, whose rows fillW writes (first, so that a streamed
// transform of the input writes them as it computes them), H.csv (with
// the header of the input, if any),
// history.csv, convergence.png and, for an image size, components.png,
// and then, when save is not "", the model file at the path save,
// wherever it is; it returns their paths. Without an image size it
// removes a components.png that an earlier run left in dir, which would
// show the components of other factors than the W.csv and H.csv beside
// it. It does all of that or nothing: on an error every file in dir, and
// the file at save, is as it was.
func writeOutputs(dir string, header []string, fillW func(io.Writer) error, h *mat.Dense, history []float64, image imageSize, save string, model io.WriterTo) ([]string, error) {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, err
	}
	files := []outputFile{
		{"W.csv", fillW},
		{"H.csv", func(f io.Writer) error { return csvmat.Write(f, h, header) }},
		{"history.csv", func(f io.Writer) error { return csvmat.WriteHistory(f, history) }},
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
	// The model moves in last, after the files it goes with.
	if save != "" {
		if err := s.writeAt(save, func(f io.Writer) error { _, err := model.WriteTo(f); return err }); err != nil {
			return nil, err
		}
	}
	if image == (imageSize{}) {
		s.remove("components.png")
	}
	return s.commit()
}

// fitOutputs are the names of the files writeOutputs may write or remove
// in its directory.
var fitOutputs = []string{"W.csv", "H.csv", "history.csv", "convergence.png", "components.png"}

// writeW writes W.csv into dir, creating dir if needed, in place of any
// earlier W.csv or not at all, and returns its path.
func writeW(dir string, w *mat.Dense) ([]string, error) {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, err
	}
	s := &staging{dir: dir}
	defer s.abort()
	if err := s.write("W.csv", func(f io.Writer) error { return csvmat.Write(f, w, nil) }); err != nil {
		return nil, err
	}
	return s.commit()
}

// outputFile is an output file's name and a function writing its content.
type outputFile struct {
	name string
	fill func(w io.Writer) error
}

// staging writes output files under temporary names, to be moved into
// place together by commit or removed by abort, so that a failed run
// changes no file. Each file is written and moved aside in its own
// directory, so that every rename stays within one file system: most are
// in the staging directory, and a model file may be anywhere.
type staging struct {
	dir      string       // the output directory
	files    []stagedFile // written, to be moved into place
	removals []string     // the paths of files to remove, if they exist
	done     []step       // the renames of a commit so far
}

// stagedFile is a file written under a temporary name.
type stagedFile struct {
	tmp, final string
}

// step is a rename that commit made: of a staged file into place, or of a
// file it replaces or removes out of the way.
type step struct {
	from, to string
	aside    bool
}

// rename is os.Rename; a test replaces it to make a step of a commit fail.
var rename = os.Rename

// write creates the file name in the staging directory, under a temporary
// name, with the content fill writes.
func (s *staging) write(name string, fill func(w io.Writer) error) error {
	return s.writeAt(filepath.Join(s.dir, name), fill)
}

// writeAt creates the file at path, under a temporary name in its
// directory, with the content fill writes.
func (s *staging) writeAt(path string, fill func(w io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	s.files = append(s.files, stagedFile{tmp: f.Name(), final: path})
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
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// remove makes commit remove the file name of the staging directory, if
// there is one.
func (s *staging) remove(name string) {
	s.removals = append(s.removals, filepath.Join(s.dir, name))
}

// commit moves the staged files into place and removes the files to
// remove, all or none, and returns the paths of the files it moved in.
//
// It moves each file it replaces or removes aside first, to a temporary
// name. When a step fails it undoes the steps before it, last first, so
// that every file is as it was, and leaves the staged files to abort;
// only when all steps succeeded does it delete the files moved aside. A
// process killed in between leaves them as .NAME.*.old.
func (s *staging) commit() ([]string, error) {
	var paths []string
	err := func() error {
		for _, f := range s.files {
			if err := s.moveAside(f.final); err != nil {
				return err
			}
			if err := s.move(f.tmp, f.final, false); err != nil {
				return err
			}
			paths = append(paths, f.final)
		}
		for _, p := range s.removals {
			if err := s.moveAside(p); err != nil {
				return err
			}
		}
		return nil
	}()
	if err != nil {
		return nil, s.undo(err)
	}
	for _, st := range s.done {
		if st.aside {
			os.Remove(st.to)
		}
	}
	s.files, s.done = nil, nil
	return paths, nil
}

// moveAside moves the file at path, if there is one, to a new temporary
// name. A directory is an error: it is no output of an earlier run.
func (s *staging) moveAside(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.IsDir():
		return fmt.Errorf("%s is a directory", path)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.old")
	if err != nil {
		return err
	}
	f.Close()
	if err := s.move(path, f.Name(), true); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

// move renames from to to and records the step.
func (s *staging) move(from, to string, aside bool) error {
	if err := rename(from, to); err != nil {
		return err
	}
	s.done = append(s.done, step{from, to, aside})
	return nil
}

// undo reverses the steps of a commit that failed with err, last first,
// and returns err saying whether every file is as it was. A step that
// cannot be undone leaves its file where the error says.
func (s *staging) undo(err error) error {
	var failed []error
	for i := len(s.done) - 1; i >= 0; i-- {
		st := s.done[i]
		if uerr := rename(st.to, st.from); uerr != nil {
			failed = append(failed, uerr)
		}
	}
	s.done = nil
	if failed != nil {
		return fmt.Errorf("%w; undoing the steps before it failed too: %w", err, errors.Join(failed...))
	}
	return fmt.Errorf("%w: no file in %s was changed%s", err, s.dir, s.elsewhere())
}

// elsewhere lists the staged files outside the staging directory, as
// ", nor PATH" each, for the message of undo.
func (s *staging) elsewhere() string {
	var b strings.Builder
	for _, f := range s.files {
		if filepath.Dir(f.final) != filepath.Clean(s.dir) {
			b.WriteString(", nor " + f.final)
		}
	}
	return b.String()
}

// abort removes the staged files not moved into place.
func (s *staging) abort() {
	for _, f := range s.files {
		os.Remove(f.tmp)
	}
	s.files = nil
}
