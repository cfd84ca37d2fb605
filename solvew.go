package factor

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// solveW is the W step with H fixed, the only code Transform runs. For each
// row x of the data it finds the row w of W that minimizes the model's loss
// plus the penalty of W:
//
//   - β = 2 and W ≥ 0 (NMF): the non-negative least squares problem
//     min ½‖x − Hᵀw‖² + l1·|w|₁ + ½·l2·‖w‖², solved exactly by the active set
//     method of nnqp on G = HHᵀ + l2·I and b = H·x − l1, the point HALS and
//     MU converge to; O(nnz·k + m·k²) for the products, then up to a few k³
//     per row.
//   - W of any sign (VanillaALS): the ridge solution w = (G + α·I)⁻¹·H·x, by
//     one Cholesky factorization of the k×k matrix and two triangular
//     solves per row.
//   - any other β: the multiplicative update of W (multiplicative.go) from
//     scikit-learn's start, every entry sqrt(mean(X)/k), stopped by the
//     fitted stopRule, O(nnz·k) per iteration (O(n·m·k) for β ∉ {1, 2}).
//
// Once ctx is done the solve's passes end within a block of rows and
// solveW returns an error wrapping ctx.Err().
func (c *components) solveW(ctx context.Context, in *input) (*mat.Dense, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("factor: transform stopped: %w", err)
	}
	if !c.dataSigned {
		if err := in.checkNMF("X", c.beta); err != nil {
			return nil, err
		}
	}
	// At unit scale: X/a against H/b, for W = (a/b)·W̃ (see scale.go).
	a, err := toUnitScale(&in, "X")
	if err != nil {
		return nil, err
	}
	band := factorBand
	if a != 1 {
		band = scaleBand
	}
	var w *mat.Dense
	if b := factorScale(c.ht, band); a != 1 || b != 1 {
		at := *c
		at.ht = append([]float64(nil), c.ht...)
		scaleSlice(at.ht, 1/b)
		at.penW = c.penW.rescaled(c.beta, a, b)
		w, err = at.solveAtScale(ctx, in)
		if err == nil {
			w.Scale(a/b, w)
		}
	} else {
		w, err = c.solveAtScale(ctx, in)
	}
	if err != nil {
		return nil, err
	}
	return w, finiteRows(w)
}

// finiteRows checks that every entry of the solved W is finite: data or
// factors near the ends of float64's range (an entry of 1e308, a model
// whose factors collapsed to subnormal numbers) can overflow the solve.
func finiteRows(w *mat.Dense) error {
	r, _ := w.Dims()
	for i := 0; i < r; i++ {
		for j, v := range w.RawRowView(i) {
			if !isFinite(v) {
				return fmt.Errorf("%w: W[%d, %d] of the transform is %g: the data or the model's factors are too near the ends of float64's range", ErrNotFinite, i, j, v)
			}
		}
	}
	return nil
}

// solveAtScale is solveW once X and H are at unit scale.
func (c *components) solveAtScale(ctx context.Context, in *input) (*mat.Dense, error) {
	if c.beta == Frobenius || c.beta == KullbackLeibler {
		in.preferSparse()
	}
	k, _ := c.dims()
	ws := frobWorkspace
	switch {
	case in.observed:
		ws = observedWorkspace
	case c.beta != Frobenius:
		ws = betaWorkspace(in.sparse(), c.beta)
	}
	if err := checkMemory(fitMemory(in, k, 1, ws, false), fmt.Sprintf("a transform of a %d×%d matrix with k = %d", in.n, in.m, k)); err != nil {
		return nil, err
	}
	p := newPool(defaultProcs())
	defer p.close()
	defer p.watch(ctx)()
	core := newCore(in, k, make([]float64, in.n*k), c.ht, p)
	var err error
	switch {
	case c.beta != Frobenius:
		err = c.multiplicativeW(ctx, &core)
	case in.observed:
		err = c.rowsW(&core)
	case c.signed:
		err = c.ridgeW(&core)
	default:
		c.nnlsW(&core)
	}
	if ctxErr := ctx.Err(); ctxErr != nil { // a pass may have stopped early
		return nil, fmt.Errorf("factor: transform stopped: %w", ctxErr)
	}
	if err != nil {
		return nil, err
	}
	return mat.NewDense(in.n, k, core.w), nil
}

// normalEquations returns X·Hᵀ (n×k) and HHᵀ (k×k), the right-hand sides
// and the matrix of the least squares W step.
func normalEquations(c *core) (cross, gram []float64) {
	cross = make([]float64, c.n*c.k)
	c.crossW(cross)
	gram = make([]float64, c.k*c.k)
	c.gram(gram, c.ht, c.m)
	return cross, gram
}

// ridgeW sets W to the ridge solution X·Hᵀ·(HHᵀ + l2·I)⁻¹.
func (c *components) ridgeW(core *core) error {
	cross, gram := normalEquations(core)
	return newRidgeJob(core.k).solve(core.pool, core.w, cross, gram, core.n, c.penFor(core.m).l2)
}

// nnlsW sets every row of W to the exact minimizer of ½‖x − Hᵀw‖² + penW
// over w ≥ 0.
func (c *components) nnlsW(core *core) {
	cross, g := normalEquations(core)
	newNNLSJob(core.pool, core.k).solve(core.pool, core.w, cross, g, core.n, c.penFor(core.m))
}

// multiplicativeW runs the multiplicative update of W from the constant
// start sqrt(mean(X)/k) until the stopRule.
func (c *components) multiplicativeW(ctx context.Context, core *core) error {
	avg := math.Sqrt(core.in.mean() / float64(core.k))
	for i := range core.w {
		core.w[i] = avg
	}
	it := newBetaRun(*core, c.beta, c.penW, penalty{}, true)
	return drive(ctx, it, c.stop, 0, nil, &outcome{})
}

// rowsW sets each row of W of observed data to the exact solution of its
// own least squares problem over its observed entries (rowSolver): ridge,
// or non-negative unless W is signed.
func (c *components) rowsW(core *core) error {
	k, s := core.k, core.in.csr
	row := func(rs *rowSolver, i int) (float64, float64, bool) {
		p0, p1 := s.indptr[i], s.indptr[i+1]
		pen := c.penFor(p1 - p0)
		var mw []float64
		if core.in.weight != nil {
			mw = core.in.weight[p0:p1]
		}
		_, q := rs.weights(p1 - p0)
		weighValues(q, s.data[p0:p1], mw)
		ok := rs.solve(core.w[i*k:i*k+k], s.indices[p0:p1], mw, q, c.ht,
			rowProblem{lambda: pen.l2, l1: pen.l1, nonNeg: !c.signed})
		return 0, 0, ok
	}
	if _, _, i := newRowPass(core.pool, k, s.longestRow(), row).run(core.n, rowCost(s, k)); i >= 0 {
		// WithAlpha may be positive yet vanish against H at unit scale.
		return fmt.Errorf("%w: the ridge system of row %d is singular (%d observed entries for k = %d): the model's ridge weight, %g at unit scale, is 0 or too small against its H; fit it with a larger WithAlpha",
			ErrRank, i, s.indptr[i+1]-s.indptr[i], k, c.penFor(s.indptr[i+1]-s.indptr[i]).l2)
	}
	return nil
}
