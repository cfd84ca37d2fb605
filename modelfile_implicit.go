package factor

import (
	"encoding/binary"
	"io"
	"math"
)

// The model file of an ImplicitALS (kind 4) holds, besides what every
// model file holds (its reconstruction error is NaN), the confidence
// weight and CG steps, and the pattern of the fitted interactions, which
// Recommend leaves out (see modelfile.go for the layout).

// pattern writes the CSR pattern of s: its entry count, the row ends and
// the column indices.
func (e *modelWriter) pattern(s *CSR) {
	e.int(s.NNZ())
	for _, v := range s.indptr[1:] {
		e.int(v)
	}
	for _, v := range s.indices {
		e.int(v)
	}
}

// pattern reads what modelWriter.pattern writes, for an n×m matrix, and
// checks it as NewCSR does.
func (d *modelReader) pattern(n, m int) *CSR {
	count := d.size("interactions", maxDim)
	d.need(8*float64(n+count), "the interactions")
	indptr := append([]int{0}, d.ints(n, "the row ends")...)
	indices := d.ints(count, "the interactions")
	if d.err != nil {
		return nil
	}
	ones := make([]float64, count)
	for i := range ones {
		ones[i] = 1
	}
	s, err := NewCSR(n, m, indptr, indices, ones)
	if err != nil {
		d.err = formatError("the interactions: %v", err)
		return nil
	}
	return s
}

// ints reads count uint64s as ints below maxDim, growing the slice as the
// bytes arrive.
func (d *modelReader) ints(count int, what string) []int {
	if d.err != nil {
		return nil
	}
	const chunk = 1 << 13
	var b [8 * chunk]byte
	out := make([]int, 0, min(count, chunk))
	for len(out) < count && d.err == nil {
		c := min(count-len(out), chunk)
		d.bytes(b[:8*c])
		for i := range c {
			v := binary.LittleEndian.Uint64(b[8*i:])
			if v > maxDim {
				d.err = formatError("%s: %d exceeds %d", what, v, uint64(maxDim))
				return nil
			}
			out = append(out, int(v))
		}
	}
	return out
}

// save returns what the model file of the fitted model holds.
func (m *ImplicitALS) save() (*savedModel, error) {
	f := m.fit
	if f == nil {
		return nil, ErrNotFitted
	}
	c := m.cfg
	c.set &= savedOptions
	fit := &fitted{components: components{h: f.h}, w: f.w, history: f.history, objective: f.objective, recErr: math.NaN()}
	n, _ := f.w.Dims()
	_, cols := f.h.Dims()
	return &savedModel{kind: kindImplicit, cfg: c, n: n, m: cols, fit: fit, seen: f.seen}, nil
}

// load replaces the model by the model file s.
func (m *ImplicitALS) load(s *savedModel) {
	m.cfg = s.cfg
	m.fit = newImplicitFit(s.seen, &s.cfg, s.fit.w.RawMatrix().Data, s.fit.ht, s.fit.history, s.fit.objective)
}

// MarshalBinary encodes the fitted model as a model file, with the
// interactions it leaves out of recommendations; see NMF.MarshalBinary.
func (m *ImplicitALS) MarshalBinary() ([]byte, error) { return marshal(m.save()) }

// WriteTo writes the fitted model as a model file to w; see NMF.WriteTo.
func (m *ImplicitALS) WriteTo(w io.Writer) (int64, error) {
	s, err := m.save()
	return writeSaved(w, s, err)
}

// UnmarshalBinary replaces the model by the ImplicitALS model file b; see
// NMF.UnmarshalBinary. The loaded model recommends, transforms and ranks
// similar items to the same bits as the saved one.
func (m *ImplicitALS) UnmarshalBinary(b []byte) error {
	s, err := unmarshal(b, kindImplicit)
	if err != nil {
		return err
	}
	m.load(s)
	return nil
}

// ReadFrom reads one ImplicitALS model file from r; see NMF.ReadFrom.
func (m *ImplicitALS) ReadFrom(r io.Reader) (int64, error) {
	s, n, err := readFrom(r, kindImplicit)
	if err != nil {
		return n, err
	}
	m.load(s)
	return n, nil
}
