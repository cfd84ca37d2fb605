package factor

import (
	"bytes"
	"io"
)

// Saving and loading models. Every model type is an encoding.BinaryMarshaler
// and BinaryUnmarshaler, an io.WriterTo and io.ReaderFrom, in the model
// file format of modelfile.go (see the package documentation, "Model
// files"). A loaded model is the fitted model: the same settings, W, H,
// NIter, Objective, History, ReconstructionErr and feature names, and the
// same bits from Transform and InverseTransform; it marshals to the same
// bytes. WithInitialFactors and WithProgress are not saved. A MiniBatchNMF
// file also holds the online state, so that a model loaded mid-stream
// continues PartialFit to the same bits (modelfile_minibatch.go).

var (
	_ interface {
		io.WriterTo
		io.ReaderFrom
	} = (*NMF)(nil)
	_ interface {
		io.WriterTo
		io.ReaderFrom
	} = (*VanillaALS)(nil)
	_ interface {
		io.WriterTo
		io.ReaderFrom
	} = (*MiniBatchNMF)(nil)
)

// save returns what the model file of a fitted model holds.
func save(kind byte, cfg *config, f *fitted) (*savedModel, error) {
	if f == nil {
		return nil, ErrNotFitted
	}
	_, m := f.dims()
	n, _ := f.w.Dims()
	c := *cfg
	c.set &= savedOptions | optObservedOnly | optCountScaledAlpha | optNonNegative
	return &savedModel{kind: kind, cfg: c, n: n, m: m, fit: f, features: f.features}, nil
}

// marshal writes the model file s, unless err (save's), into a new byte
// slice.
func marshal(s *savedModel, err error) ([]byte, error) {
	var b bytes.Buffer
	if _, err := writeSaved(&b, s, err); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeSaved writes the model file s to w, unless err (save's).
func writeSaved(w io.Writer, s *savedModel, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return writeModel(w, s)
}

// unmarshal reads a whole model file of the given kind from b.
func unmarshal(b []byte, kind byte) (*savedModel, error) {
	s, n, err := readModel(bytes.NewReader(b), int64(len(b)), kind)
	switch {
	case err != nil:
		return nil, err
	case n != int64(len(b)):
		return nil, formatError("%d bytes follow the model", int64(len(b))-n)
	}
	return s, nil
}

// readFrom reads one model file of the given kind from r.
func readFrom(r io.Reader, kind byte) (*savedModel, int64, error) {
	return readModel(r, -1, kind)
}

// MarshalBinary encodes the fitted model as a model file
// (encoding.BinaryMarshaler). An unfitted model is an error wrapping
// ErrNotFitted.
func (m *NMF) MarshalBinary() ([]byte, error) { return marshal(save(kindNMF, &m.cfg, m.fit)) }

// WriteTo writes the fitted model as a model file to w (io.WriterTo),
// without holding the encoding in memory, and returns the bytes written.
func (m *NMF) WriteTo(w io.Writer) (int64, error) {
	s, err := save(kindNMF, &m.cfg, m.fit)
	return writeSaved(w, s, err)
}

// UnmarshalBinary replaces the model, settings and fit, by the NMF model
// file b (encoding.BinaryUnmarshaler); it works on a zero NMF. A damaged
// file (truncated, changed, of another kind or a newer format version) is
// an error wrapping ErrFormat, and leaves the model as it was.
func (m *NMF) UnmarshalBinary(b []byte) error {
	s, err := unmarshal(b, kindNMF)
	if err != nil {
		return err
	}
	m.cfg, m.fit = s.cfg, s.fit
	return nil
}

// ReadFrom reads one NMF model file from r (io.ReaderFrom), as
// UnmarshalBinary does, reading no byte past its end, and returns the bytes
// read.
func (m *NMF) ReadFrom(r io.Reader) (int64, error) {
	s, n, err := readFrom(r, kindNMF)
	if err != nil {
		return n, err
	}
	m.cfg, m.fit = s.cfg, s.fit
	return n, nil
}

// FeatureNames returns a copy of the names of X's columns given by
// WithFeatureNames, or nil.
func (m *NMF) FeatureNames() []string { return m.fit.featureNames() }

// MarshalBinary encodes the fitted model as a model file; see
// NMF.MarshalBinary.
func (a *VanillaALS) MarshalBinary() ([]byte, error) { return marshal(save(kindALS, &a.cfg, a.fit)) }

// WriteTo writes the fitted model as a model file to w; see NMF.WriteTo.
func (a *VanillaALS) WriteTo(w io.Writer) (int64, error) {
	s, err := save(kindALS, &a.cfg, a.fit)
	return writeSaved(w, s, err)
}

// UnmarshalBinary replaces the model by the VanillaALS model file b; see
// NMF.UnmarshalBinary.
func (a *VanillaALS) UnmarshalBinary(b []byte) error {
	s, err := unmarshal(b, kindALS)
	if err != nil {
		return err
	}
	a.cfg, a.fit = s.cfg, s.fit
	return nil
}

// ReadFrom reads one VanillaALS model file from r; see NMF.ReadFrom.
func (a *VanillaALS) ReadFrom(r io.Reader) (int64, error) {
	s, n, err := readFrom(r, kindALS)
	if err != nil {
		return n, err
	}
	a.cfg, a.fit = s.cfg, s.fit
	return n, nil
}

// FeatureNames returns a copy of the names of X's columns given by
// WithFeatureNames, or nil.
func (a *VanillaALS) FeatureNames() []string { return a.fit.featureNames() }
