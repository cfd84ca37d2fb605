package factor

// frobRun runs the solvers of the Frobenius loss: HALS, AcceleratedHALS,
// MU with beta = 2 and ridge ALS. They share one iteration skeleton: each
// half-iteration reads the cross product of X with the other factor and the
// other factor's k×k Gram matrix, and the objective comes from the Gram
// identity at O(mk) cost instead of a pass over X.
type frobRun struct {
	core
	update         func(side *frobSide) error // must also set side.gramOut
	penW, penH     penalty
	lossScale      float64 // 1/2 for NMF's ½‖X−WH‖², 1 for ALS's ‖X−WH‖²
	crossW, crossH []float64
	gramW, gramH   []float64
	sideW, sideH   frobSide
}

// frobSide is one half-iteration: update the factor a (rows×k) given
// cross = X·B (or Xᵀ·B) and gram = BᵀB, with the penalty pen, and leave
// the Gram matrix of the updated factor, aᵀa, in gramOut.
type frobSide struct {
	a       []float64
	rows    int
	cross   []float64
	gram    []float64
	gramOut []float64
	pen     penalty
	// isH reports that a is Ht, the factor updated second.
	isH bool
}

func newFrobRun(c core, penW, penH penalty, lossScale float64) *frobRun {
	r := &frobRun{core: c, penW: penW, penH: penH, lossScale: lossScale}
	r.crossW = make([]float64, c.n*c.k)
	r.crossH = make([]float64, c.m*c.k)
	r.gramW = make([]float64, c.k*c.k)
	r.gramH = make([]float64, c.k*c.k)
	r.sideW = frobSide{a: c.w, rows: c.n, cross: r.crossW, gram: r.gramH, gramOut: r.gramW, pen: penW}
	r.sideH = frobSide{a: c.ht, rows: c.m, cross: r.crossH, gram: r.gramW, gramOut: r.gramH, pen: penH, isH: true}
	return r
}

// start prepares the first iteration and returns the exact objective of the
// starting factors.
func (r *frobRun) start() float64 {
	r.gram(r.gramH, r.ht, r.m)
	return r.lossScale*r.residualSq() + r.penW.of(r.w) + r.penH.of(r.ht)
}

// iterate updates W, then H, and returns the objective.
func (r *frobRun) iterate() (float64, error) {
	r.core.crossW(r.crossW)
	if err := r.update(&r.sideW); err != nil {
		return 0, err
	}
	r.core.crossH(r.crossH)
	if err := r.update(&r.sideH); err != nil {
		return 0, err
	}
	loss := r.lossScale * r.gramObjective(r.crossH, r.gramW, r.gramH)
	return loss + r.penW.of(r.w) + r.penH.of(r.ht), nil
}

// finish returns the exact objective of the final factors.
func (r *frobRun) finish(float64) float64 {
	return r.lossScale*r.residualSq() + r.penW.of(r.w) + r.penH.of(r.ht)
}
