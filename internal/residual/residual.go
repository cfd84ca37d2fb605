// Package residual computes the relative Frobenius error of a
// factorization, ‖X − WH‖_F / ‖X‖_F, for the commands that report it
// whatever loss the fit minimized (NMF.ReconstructionErr is sqrt(2·D_β),
// the Frobenius norm only for beta 2), over all the entries of X
// (Relative) or over its observed ones only, for a fit with
// factor.WithObservedOnly (Observed).
package residual

import (
	"math"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Relative returns ‖X − WH‖_F / ‖X‖_F, or NaN when X is zero. A *factor.CSR
// X is read only at its stored entries; no n×m matrix is formed for any X.
func Relative(x mat.Matrix, w, h *mat.Dense) float64 {
	var res, norm float64
	if c, ok := x.(*factor.CSR); ok {
		res, norm = sparse(c, w, h)
	} else {
		res, norm, _ = dense(x, w, h, false)
	}
	return ratio(res, norm)
}

// Observed returns the relative error over the observed entries of X,
// those a fit with factor.WithObservedOnly counts: the stored entries of
// a *factor.CSR, whose unstored entries are unknown rather than zero, and
// the entries of any other X that are not NaN. It is
// ‖P(X − WH)‖_F / ‖P(X)‖_F, with P keeping the observed entries, and NaN
// when X is zero there or nothing is observed. It also returns the number
// of observed entries. It takes O(observed·k) time for a *factor.CSR.
func Observed(x mat.Matrix, w, h *mat.Dense) (rel float64, observed int) {
	var res, norm float64
	if c, ok := x.(*factor.CSR); ok {
		ht := mat.DenseCopyOf(h.T())
		c.DoNonZero(func(i, j int, v float64) {
			d := v - floats.Dot(w.RawRowView(i), ht.RawRowView(j))
			res += d * d
			norm += v * v
		})
		observed = c.NNZ()
	} else {
		res, norm, observed = dense(x, w, h, true)
	}
	return ratio(res, norm), observed
}

// ratio returns sqrt(res / norm), or NaN when norm is 0.
func ratio(res, norm float64) float64 {
	if norm == 0 {
		return math.NaN()
	}
	return math.Sqrt(res / norm)
}

// dense returns ‖X − WH‖², ‖X‖² and the number of entries summed,
// computing WH a row at a time. With skipNaN the NaN entries of X, the
// missing ones, are left out of the sums.
func dense(x mat.Matrix, w, h *mat.Dense, skipNaN bool) (res, norm float64, count int) {
	n, m := x.Dims()
	row := mat.NewVecDense(m, nil)
	for i := range n {
		row.MulVec(h.T(), w.RowView(i))
		for j := range m {
			v := x.At(i, j)
			if skipNaN && math.IsNaN(v) {
				continue
			}
			d := v - row.AtVec(j)
			res += d * d
			norm += v * v
			count++
		}
	}
	return res, norm, count
}

// sparse returns ‖X − WH‖² and ‖X‖² for a sparse X in time linear in its
// stored entries, by ‖X − WH‖² = ‖X‖² − 2⟨X, WH⟩ + ⟨WᵀW, HHᵀ⟩. Its
// rounding error is about 1e-16·‖X‖², far below what the commands print.
func sparse(x *factor.CSR, w, h *mat.Dense) (res, norm float64) {
	ht := mat.DenseCopyOf(h.T())
	var cross float64
	x.DoNonZero(func(i, j int, v float64) {
		norm += v * v
		cross += v * floats.Dot(w.RawRowView(i), ht.RawRowView(j))
	})
	var wtw, hht mat.Dense
	wtw.Mul(w.T(), w)
	hht.Mul(h, h.T())
	// Both are freshly built k×k matrices, stored without padding.
	whSq := floats.Dot(wtw.RawMatrix().Data, hht.RawMatrix().Data)
	return max(norm-2*cross+whSq, 0), norm
}
