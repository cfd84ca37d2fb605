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
	crossFresh     bool    // crossW already holds X·Ht for the current H
	fixedH         bool    // update W only (MiniBatchNMF's W step): X·Hᵀ and HHᵀ stay
	loss           float64 // lossScale·‖X − WH‖² of the current factors
}

// gramExactShare is where the Gram identity stops being accurate enough:
// it loses about 1e-16·‖X‖² to cancellation, so a residual ‖X − WH‖² below
// 1e-4·‖X‖² is computed again exactly (for dense X) where it is reported.
const gramExactShare = 1e-4

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
	c.prepareXT()
	r := &frobRun{core: c, penW: penW, penH: penH, lossScale: lossScale}
	r.crossW = make([]float64, c.n*c.k)
	r.crossH = make([]float64, c.m*c.k)
	r.gramW = make([]float64, c.k*c.k)
	r.gramH = make([]float64, c.k*c.k)
	r.sideW = frobSide{a: c.w, rows: c.n, cross: r.crossW, gram: r.gramH, gramOut: r.gramW, pen: penW}
	r.sideH = frobSide{a: c.ht, rows: c.m, cross: r.crossH, gram: r.gramW, gramOut: r.gramH, pen: penH, isH: true}
	return r
}

// start returns the objective of the starting factors. It computes X·Hᵀ,
// which the first update of W needs anyway, and gets ‖X − WH‖² from it by
// the Gram identity ‖X‖² − 2⟨W, X·Hᵀ⟩ + ⟨WᵀW, HHᵀ⟩.
func (r *frobRun) start() float64 {
	r.core.crossW(r.crossW)
	r.crossFresh = true
	r.gram(r.gramW, r.w, r.n)
	r.gram(r.gramH, r.ht, r.m)
	sq := r.in.sumSq - 2*dot(r.w, r.crossW) + dot(r.gramW, r.gramH)
	r.loss = r.lossScale * r.accurate(sq)
	return r.loss + r.penW.of(r.w) + r.penH.of(r.ht)
}

// accurate returns the residual sq from the Gram identity, or computed
// exactly when it is too small for the identity's accuracy and X is held
// dense.
func (r *frobRun) accurate(sq float64) float64 {
	if sq < gramExactShare*r.in.sumSq && r.in.hasDense() {
		return r.residualSq()
	}
	return max(sq, 0)
}

// iterate updates W, then H, and returns the objective.
func (r *frobRun) iterate() (float64, error) {
	if err := r.updateW(); err != nil {
		return 0, err
	}
	if r.fixedH {
		r.loss = r.lossScale * max(r.in.sumSq-2*dot(r.w, r.crossW)+dot(r.gramW, r.gramH), 0)
		return r.loss + r.penW.of(r.w), nil
	}
	r.core.crossH(r.crossH)
	loss, err := r.updateH()
	if err != nil {
		return 0, err
	}
	return loss + r.penW.of(r.w) + r.penH.of(r.ht), nil
}

// updateW is the first half of an iteration: X·Hᵀ into crossW (unless it
// holds that of the current H already), then the update of W from it and
// HHᵀ in gramH, which leaves WᵀW in gramW. The rows of W do not interact,
// so a row-block fit runs it on each block of rows alone (RowBlocks.Block).
func (r *frobRun) updateW() error {
	if !r.crossFresh {
		r.core.crossW(r.crossW)
	}
	r.crossFresh = r.fixedH
	return r.update(&r.sideW)
}

// updateH is the second half of an iteration: the update of H from Xᵀ·W in
// crossH and WᵀW in gramW, which leaves HHᵀ in gramH; it returns the loss
// of the new factors by the Gram identity. It reads X only through those
// sums and ‖X‖², so a row-block fit runs it on the sums of its blocks
// (RowBlocks.Step).
func (r *frobRun) updateH() (float64, error) {
	if err := r.update(&r.sideH); err != nil {
		return 0, err
	}
	r.loss = r.lossScale * r.gramObjective(r.crossH, r.gramW, r.gramH)
	return r.loss, nil
}

// finish returns the objective and the loss of the final factors, the loss
// computed exactly when the Gram identity is not accurate enough.
func (r *frobRun) finish(float64) (objective, loss float64, err error) {
	loss = r.lossScale * r.accurate(r.loss/r.lossScale)
	objective = loss + r.penW.of(r.w)
	if !r.fixedH {
		objective += r.penH.of(r.ht)
	}
	return objective, loss, nil
}
