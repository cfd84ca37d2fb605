// Package residual computes the relative Frobenius error of a
// factorization, ‖X − WH‖_F / ‖X‖_F, for the commands that report it
// whatever loss the fit minimized (NMF.ReconstructionErr is sqrt(2·D_β),
// the Frobenius norm only for beta 2).
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
		res, norm = dense(x, w, h)
	}
	if norm == 0 {
		return math.NaN()
	}
	return math.Sqrt(res / norm)
}

// dense returns ‖X − WH‖² and ‖X‖², computing WH a row at a time.
func dense(x mat.Matrix, w, h *mat.Dense) (res, norm float64) {
	n, m := x.Dims()
	row := mat.NewVecDense(m, nil)
	for i := range n {
		row.MulVec(h.T(), w.RowView(i))
		for j := range m {
			v := x.At(i, j)
			d := v - row.AtVec(j)
			res += d * d
			norm += v * v
		}
	}
	return res, norm
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
