package factor

import (
	"io"
	"math"
)

// The model file of a MiniBatchNMF (kind 3) holds, besides what every
// model file holds, the MiniBatchNMF options and the state that a later
// PartialFit reads: the epochs and steps done and A, B and ρ of the online
// H step (see modelfile.go for the layout). Fit's early-stopping state,
// the smoothed batch cost and the steps without improvement, is not in it:
// it lives only within a Fit (each Fit starts it afresh, and PartialFit
// applies no stopping rule), and mbState does not keep it.

// savedOnline is the online state of a MiniBatchNMF file.
type savedOnline struct {
	nIter, nSteps int
	acc           onlineSums // as in mbState: A and B m×k, the layout of Hᵀ
}

// miniBatchSettings writes MiniBatchNMF's own settings;
// WithFreshRestarts is its option bit.
func (e *modelWriter) miniBatchSettings(c *config) {
	e.int(c.batchSize)
	e.f64(c.forgetFactor)
	e.int(c.maxNoImprovement)
	e.int(c.freshMaxIter)
	e.int(c.transformMaxIter)
}

// miniBatchSettings reads what modelWriter.miniBatchSettings writes.
func (d *modelReader) miniBatchSettings(c *config) {
	c.batchSize = d.size("batch size", math.MaxInt)
	c.forgetFactor = d.f64()
	c.maxNoImprovement = d.size("max no improvement", math.MaxInt)
	c.freshMaxIter = d.size("fresh restarts max iter", math.MaxInt)
	c.transformMaxIter = d.size("transform max iter", math.MaxInt)
	c.freshRestarts = c.set&optFreshRestarts != 0
}

// online writes the online state o of a model with H k×m, A and B
// row-major k×m as H is.
func (e *modelWriter) online(o *savedOnline, m, k int) {
	e.int(o.nIter)
	e.int(o.nSteps)
	e.f64(o.acc.rho)
	e.floats(transposed(o.acc.num, m, k))
	e.floats(transposed(o.acc.den, m, k))
}

// online reads what modelWriter.online writes; A and B stay k×m until
// rebuild.
func (d *modelReader) online(k, m int) *savedOnline {
	o := &savedOnline{nIter: d.size("epochs", maxDim), nSteps: d.size("steps", maxDim)}
	o.acc.rho = d.f64()
	o.acc.num = d.floats(k*m, "A")
	o.acc.den = d.floats(k*m, "B")
	return o
}

// validateMiniBatchFile checks the settings of a MiniBatchNMF file as Fit
// does, and that the settings MiniBatchNMF has no option for are
// NewMiniBatchNMF's.
func (c *config) validateMiniBatchFile() error {
	if err := c.validateMiniBatch(); err != nil {
		return err
	}
	solver := MU
	if c.beta == Frobenius {
		solver = HALS
	}
	if c.solver != solver || c.restarts != DefaultRestarts {
		return optionError("solver %v and %d restarts, but a MiniBatchNMF has %v and %d", c.solver, c.restarts, solver, DefaultRestarts)
	}
	return nil
}

// checkOnline checks the record and online state of a MiniBatchNMF file
// against each other, as a Fit or PartialFit leaves them: one history
// entry per step, no more epochs than steps, no objective, a
// reconstruction error ≥ 0 or NaN (after a PartialFit), ρ in [0, 1].
func (s *savedModel) checkOnline(f *fitted) error {
	o := s.online
	switch {
	case o.nSteps < 1 || o.nSteps != len(f.history) || o.nIter > o.nSteps:
		return formatError("%d epochs and %d steps with %d history entries", o.nIter, o.nSteps, len(f.history))
	case !math.IsNaN(f.objective):
		return formatError("objective %g, but a MiniBatchNMF has none (NaN)", f.objective)
	case f.recErr < 0:
		return formatError("reconstruction error %g", f.recErr)
	case !(o.acc.rho >= 0 && o.acc.rho <= 1):
		return formatError("ρ = %g, want a value in [0, 1]", o.acc.rho)
	}
	// The online update H = (A/B)^γ needs A ≥ 0 and B > 0.
	for _, part := range []struct {
		name     string
		v        []float64
		positive bool
	}{{"A", o.acc.num, false}, {"B", o.acc.den, true}} {
		for _, v := range part.v {
			if v < 0 || part.positive && v == 0 {
				return formatError("%s has the entry %g", part.name, v)
			}
		}
	}
	return nil
}

// save returns what the model file of the fitted model holds.
func (m *MiniBatchNMF) save() (*savedModel, error) {
	if m.state == nil {
		return nil, ErrNotFitted
	}
	s, err := save(kindMiniBatch, &m.cfg, &m.state.fitted)
	if err != nil {
		return nil, err
	}
	s.online = &savedOnline{nIter: m.state.nIter, nSteps: m.state.nSteps, acc: m.state.acc}
	return s, nil
}

// load replaces the model by the model file s.
func (m *MiniBatchNMF) load(s *savedModel) {
	m.cfg = s.cfg
	m.state = &mbState{fitted: *s.fit, acc: s.online.acc, nIter: s.online.nIter, nSteps: s.online.nSteps}
}

// MarshalBinary encodes the fitted model as a model file, with the online
// state that PartialFit continues from; see NMF.MarshalBinary. A model
// before any Fit or PartialFit is an error wrapping ErrNotFitted.
func (m *MiniBatchNMF) MarshalBinary() ([]byte, error) { return marshal(m.save()) }

// WriteTo writes the fitted model as a model file to w; see NMF.WriteTo.
func (m *MiniBatchNMF) WriteTo(w io.Writer) (int64, error) {
	s, err := m.save()
	return writeSaved(w, s, err)
}

// UnmarshalBinary replaces the model by the MiniBatchNMF model file b; see
// NMF.UnmarshalBinary. It works on a zero MiniBatchNMF. The loaded model
// is the saved one: the same W, H, NIter, NSteps, History,
// ReconstructionErr and settings, the same Transform and InverseTransform
// bits, and a PartialFit on it gives the same bits as on the saved model.
// WithInitialFactors is not saved, so a Fit of the loaded model starts
// from WithInit's start.
func (m *MiniBatchNMF) UnmarshalBinary(b []byte) error {
	s, err := unmarshal(b, kindMiniBatch)
	if err != nil {
		return err
	}
	m.load(s)
	return nil
}

// ReadFrom reads one MiniBatchNMF model file from r; see NMF.ReadFrom.
func (m *MiniBatchNMF) ReadFrom(r io.Reader) (int64, error) {
	s, n, err := readFrom(r, kindMiniBatch)
	if err != nil {
		return n, err
	}
	m.load(s)
	return n, nil
}
