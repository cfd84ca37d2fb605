package factorbeam

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/factorgo/factor/internal/csvmat"
	"gonum.org/v1/gonum/mat"
)

// writeFn writes the outputs of a fit, on one worker: W.csv (the rows of
// W of all blocks, in order), H.csv (with the feature names as header, if
// any), history.csv and, with Save, the model file.
type writeFn struct {
	Settings
	Out, Save string
}

// ProcessElement gathers W and writes the outputs of the final state.
func (f *writeFn) ProcessElement(ctx context.Context, _ int, parts func(*piece) bool, state roundAcc) error {
	if state.st == nil || !state.st.Done() {
		return fail("the fit did not end in the pipeline's rounds")
	}
	var ws []piece
	var p piece
	for parts(&p) {
		ws = append(ws, p)
		p = piece{}
	}
	slices.SortFunc(ws, func(a, b piece) int { return a.First - b.First })
	var data []float64
	for _, w := range ws {
		if w.First*f.K != len(data) {
			return fail("the rows of W from %d on are missing", len(data)/f.K+1)
		}
		data = append(data, w.W...)
	}
	model, rb, err := f.newModel()
	if err != nil {
		return fail("%v", err)
	}
	if err := rb.Finish(state.st, mat.NewDense(len(data)/f.K, f.K, data)); err != nil {
		return fail("%s", libMessage(err))
	}
	w, h, history := model.W(), model.H(), model.History()
	out := []output{
		{joinPath(f.Out, "W.csv"), func(wr io.Writer) error { return csvmat.Write(wr, w, nil) }},
		{joinPath(f.Out, "H.csv"), func(wr io.Writer) error { return csvmat.Write(wr, h, f.FeatureNames) }},
		{joinPath(f.Out, "history.csv"), func(wr io.Writer) error { return csvmat.WriteHistory(wr, history) }},
	}
	if f.Save != "" {
		out = append(out, output{f.Save, func(wr io.Writer) error {
			b, err := model.MarshalBinary()
			if err == nil {
				_, err = wr.Write(b)
			}
			return err
		}})
	}
	if err := writeAll(ctx, out); err != nil {
		return fail("%v", err)
	}
	return nil
}

// output is a file to write and the function that writes its content.
type output struct {
	path string
	fill func(io.Writer) error
}

// writeAll writes the files, each first under a temporary name beside it
// and then renamed into place, on file systems that rename (local files,
// gs://); on others each is written in place. On an error it removes the
// temporary files, and no file was renamed unless all were written.
func writeAll(ctx context.Context, files []output) error {
	type staged struct {
		fs       filesystem.Interface
		tmp, dst string
	}
	var done []staged
	defer func() {
		for _, s := range done {
			if s.tmp != s.dst {
				if r, ok := s.fs.(filesystem.Remover); ok {
					r.Remove(ctx, s.tmp)
				}
			}
			s.fs.Close()
		}
	}()
	suffix := fmt.Sprintf(".tmp-%016x", rand.Uint64())
	for _, f := range files {
		fs, err := filesystem.New(ctx, f.path)
		if err != nil {
			return err
		}
		s := staged{fs: fs, tmp: f.path, dst: f.path}
		if _, ok := fs.(filesystem.Renamer); ok {
			s.tmp = f.path + suffix
		}
		done = append(done, s)
		if err := writeFile(ctx, fs, s.tmp, f.fill); err != nil {
			return fmt.Errorf("writing %s: %v", f.path, err)
		}
	}
	for i, s := range done {
		if s.tmp == s.dst {
			continue
		}
		if err := s.fs.(filesystem.Renamer).Rename(ctx, s.tmp, s.dst); err != nil {
			return fmt.Errorf("moving %s into place: %v", s.dst, err)
		}
		done[i].tmp = s.dst // nothing left to remove
	}
	return nil
}

// writeFile creates the file path with the content fill writes.
func writeFile(ctx context.Context, fs filesystem.Interface, path string, fill func(io.Writer) error) error {
	w, err := fs.OpenWrite(ctx, path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	err = fill(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// joinPath returns the path of the file name in the directory dir, a
// local directory or a URL such as gs://bucket/dir.
func joinPath(dir, name string) string {
	return strings.TrimRight(dir, "/") + "/" + name
}

// libMessage returns the message of a library error without the
// "factor: " prefix of its sentinel errors.
func libMessage(err error) string {
	return strings.ReplaceAll(err.Error(), "factor: ", "")
}
