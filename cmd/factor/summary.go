package main

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// summary is what factor reports of a successful run.
type summary struct {
	data      *dataset
	opts      *options
	iters     int
	objective float64
	relErr    float64
	elapsed   time.Duration
	paths     []string
}

// print writes the summary, one labelled value per line.
func (s *summary) print(w io.Writer) {
	const format = "%-15s%s\n"
	o := s.opts
	fmt.Fprintf(w, format, "input", s.data.name+": "+s.data.describe())
	fmt.Fprintf(w, format, "model", fmt.Sprintf("NMF k=%d, solver %v, beta %v, init %v", o.k, o.solver, o.beta, o.init))
	fmt.Fprintf(w, format, "iterations", fmt.Sprint(s.iters))
	fmt.Fprintf(w, format, "objective", fmt.Sprintf("%.6g", s.objective))
	if math.IsNaN(s.relErr) {
		fmt.Fprintf(w, format, "relative error", "undefined: X is zero")
	} else {
		fmt.Fprintf(w, format, "relative error", fmt.Sprintf("%.6g (‖X − WH‖_F / ‖X‖_F)", s.relErr))
	}
	fmt.Fprintf(w, format, "elapsed", round(s.elapsed).String())
	for i, p := range s.paths {
		label := ""
		if i == 0 {
			label = "wrote"
		}
		fmt.Fprintf(w, format, label, p)
	}
}

// round rounds d to a millisecond, or to a microsecond below that.
func round(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// relativeError returns ‖X − WH‖_F / ‖X‖_F, or NaN when X is zero.
func relativeError(x mat.Matrix, w, h *mat.Dense) float64 {
	var res, norm float64
	if c, ok := x.(*factor.CSR); ok {
		res, norm = sparseResidual(c, w, h)
	} else {
		res, norm = denseResidual(x, w, h)
	}
	if norm == 0 {
		return math.NaN()
	}
	return math.Sqrt(res / norm)
}

// denseResidual returns ‖X − WH‖² and ‖X‖², computing WH a row at a time.
func denseResidual(x mat.Matrix, w, h *mat.Dense) (res, norm float64) {
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

// sparseResidual returns ‖X − WH‖² and ‖X‖² for a sparse X in time linear
// in its stored entries, by ‖X − WH‖² = ‖X‖² − 2⟨X, WH⟩ + ⟨WᵀW, HHᵀ⟩. Its
// rounding error is about 1e-16·‖X‖², far below what the summary shows.
func sparseResidual(x *factor.CSR, w, h *mat.Dense) (res, norm float64) {
	ht := mat.DenseCopyOf(h.T())
	var cross float64
	x.DoNonZero(func(i, j int, v float64) {
		norm += v * v
		cross += v * mat.Dot(w.RowView(i), ht.RowView(j))
	})
	var wtw, hht mat.Dense
	wtw.Mul(w.T(), w)
	hht.Mul(h, h.T())
	var whSq float64
	k, _ := wtw.Dims()
	for a := range k {
		for b := range k {
			whSq += wtw.At(a, b) * hht.At(a, b)
		}
	}
	return max(norm-2*cross+whSq, 0), norm
}
