// Package modelfile reads the model files of package factor whatever model
// they hold, for the commands that start a fit from a saved model
// (factor -init-from, factor-beam -init-from) or transform with one.
package modelfile

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// The model kinds a file holds, from docs/model-format.md: byte KindOffset
// of the file.
const (
	KindOffset    = 10
	KindNMF       = 1
	KindALS       = 2
	KindMiniBatch = 3
)

// Model is the model a file held.
type Model struct {
	// Model is a *factor.NMF, *factor.VanillaALS or *factor.MiniBatchNMF.
	Model interface {
		W() *mat.Dense
		H() *mat.Dense
	}
	Kind string // "NMF", "VanillaALS" or "MiniBatchNMF"
}

// Read reads one whole model file from r, of the kind its kind byte says;
// the library's reader of that kind refuses a file that is not one whole
// model file, and Read a file with more bytes after the model. Errors
// start with name.
func Read(name string, r io.Reader) (*Model, error) {
	br := bufio.NewReader(r)
	var model interface {
		io.ReaderFrom
		W() *mat.Dense
		H() *mat.Dense
	}
	m := &Model{}
	kind := byte(KindNMF) // the NMF reader words what is wrong with a short file
	if head, err := br.Peek(KindOffset + 1); err == nil {
		kind = head[KindOffset]
	}
	switch kind {
	case KindALS:
		model, m.Kind = new(factor.VanillaALS), "VanillaALS"
	case KindMiniBatch:
		model, m.Kind = new(factor.MiniBatchNMF), "MiniBatchNMF"
	default:
		model, m.Kind = new(factor.NMF), "NMF"
	}
	// ReadFrom grows what it allocates as the bytes arrive, so that a file
	// that is no model, such as /dev/zero, fails at once.
	n, err := model.ReadFrom(br)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "factor: "))
	}
	switch _, err := br.ReadByte(); {
	case err == nil:
		return nil, fmt.Errorf("%s: malformed file: more bytes follow the model's %d", name, n)
	case err != io.EOF:
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	m.Model = model
	return m, nil
}
