package factor

import (
	"context"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Transform returns W (n'×k) for new data X (n'×m, non-negative) with the
// fitted H fixed, minimizing the model's loss plus the penalty on W:
//
//   - for the Frobenius loss, each row w of W solves the non-negative least
//     squares problem min ½‖x − Hᵀw‖² + l1·|w|₁ + ½·l2·‖w‖², w ≥ 0, exactly,
//     by an active-set method (the point HALS and MU converge to);
//   - otherwise the multiplicative update of W runs from scikit-learn's
//     start, every entry sqrt(mean(X)/k), under the fitted tolerance and
//     iteration limit.
//
// X is read as by Fit; a model that is not fitted returns ErrNotFitted.
func (m *NMF) Transform(x mat.Matrix) (*mat.Dense, error) {
	in, err := m.common().transformInput(x)
	if err != nil {
		return nil, err
	}
	f := m.fit
	if err := in.checkNMF("X", f.beta); err != nil {
		return nil, err
	}
	if f.beta == Frobenius || f.beta == KullbackLeibler {
		in.preferSparse()
	}
	p := newPool(defaultProcs())
	defer p.close()
	c := newCore(in, f.k, make([]float64, in.n*f.k), f.ht, p)
	if f.beta == Frobenius {
		solveRowsNNQP(&c, f.penW)
		return mat.NewDense(in.n, f.k, c.w), nil
	}
	avg := math.Sqrt(in.mean() / float64(f.k))
	for i := range c.w {
		c.w[i] = avg
	}
	cfg := config{tol: f.tol, maxIter: f.maxIter}
	it := newBetaRun(c, f.beta, f.penW, penalty{}, true)
	if err := drive(context.Background(), it, &cfg, 0, nil, &outcome{}); err != nil {
		return nil, err
	}
	return mat.NewDense(in.n, f.k, c.w), nil
}

// solveRowsNNQP sets every row of W to the exact minimizer of
// ½‖x − Hᵀw‖² + penalty over w ≥ 0, with H fixed.
func solveRowsNNQP(c *core, pen penalty) {
	k := c.k
	cross := make([]float64, c.n*k)
	c.crossW(cross)
	g := make([]float64, k*k)
	c.gram(g, c.ht, c.m)
	regularizedGram(g, g, k, pen.l2)
	rows := func(lo, hi int) {
		q := newNNQP(k)
		b := make([]float64, k)
		for i := lo; i < hi; i++ {
			for t, v := range cross[i*k : i*k+k] {
				b[t] = v - pen.l1
			}
			q.solve(c.w[i*k:i*k+k], g, b)
		}
	}
	var t task
	c.pool.run(&t, c.n, grainFor(4*k*k*k), rows)
}

// InverseTransform returns W·H (n'×m), the data a W (n'×k) represents.
func (m *NMF) InverseTransform(w mat.Matrix) (*mat.Dense, error) {
	return m.common().inverse(w)
}
