package factor

// HALS (hierarchical alternating least squares, Cichocki & Phan's fast HALS)
// minimizes ½‖X − WH‖² + penalties by exact coordinate descent: each entry
// of W in turn, column by column, is set to the minimizer of the objective
// in that entry with the others fixed, clipped at zero. With P = X·Hᵀ and
// G = H·Hᵀ + l2·I the step for entry (i, t) is
//
//	W[i,t] ← max(0, W[i,t] − (Σ_r G[t,r]·W[i,r] − (P[i,t] − l1)) / G[t,t])
//
// and the same with Xᵀ·W and WᵀW + l2·I for the rows of H. This is
// scikit-learn's 'cd' solver without shuffle, step for step, but for one
// case: a zero Hessian G[t,t] (see coordinateStep). The entries of
// different rows of W do not interact, so rows are updated in parallel.
//
// G[t,t] = 0 happens when l2 = 0 (no L2 penalty, as with WithL1Ratio(1))
// and row t of H is zero, so that column t of W has no effect on WH; a
// strong L1 penalty gets there by zeroing a column of W, after which the
// row of H it multiplies is in the same state. The objective is then linear
// in the entry, grad·W[i,t] + const, where grad = l1: row t of G and
// column t of X·Hᵀ are zero, in floating point too when row t of H is
// exactly zero. With grad > 0 it is least at 0, and the step sets the
// entry to 0. With grad ≤ 0 the entry is left as it is: grad = 0 means no
// penalty at all, so that the entry has no effect on the objective and
// every value is a minimizer; grad < 0 cannot come from a Gram matrix, and
// the objective would have no minimizer to step to.
//
// scikit-learn skips every step with G[t,t] = 0, which leaves such a row of
// H (or column of W) at its last value, paying its penalty for no effect on
// WH: for a pure L1 penalty that zeroes all of W its objective stays far
// above ½‖X‖², that of W = H = 0, which factor reaches.

// halsJob sweeps the rows of a factor, block by block, and adds each
// block's rows to the Gram matrix of the updated factor while they are in
// cache.
type halsJob struct {
	side *frobSide
	greg []float64 // the Gram matrix with l2 on its diagonal, k×k
	k    int
	gram *gramJob
	fn   func(lo, hi int)
	task task
}

func newHALSJob(k int, gram *gramJob) *halsJob {
	j := &halsJob{greg: make([]float64, k*k), k: k, gram: gram}
	j.fn = j.rows
	return j
}

// update runs the sweep on one side and sets its gramOut.
func (j *halsJob) update(p *pool, s *frobSide) {
	j.side = s
	regularizedGram(j.greg, s.gram, j.k, s.pen.l2)
	if j.gram.native {
		j.gram.begin(s.a, s.rows, j.k)
		p.run(&j.task, s.rows, gramGrain(j.k), j.fn)
		j.gram.end(s.gramOut)
	} else {
		p.run(&j.task, s.rows, gramGrain(j.k), j.fn)
		j.gram.gram(p, s.gramOut, s.a, s.rows, j.k)
	}
	j.side = nil
}

// regularizedGram sets dst to g + l2·I.
func regularizedGram(dst, g []float64, k int, l2 float64) {
	copy(dst, g[:k*k])
	if l2 != 0 {
		for t := 0; t < k; t++ {
			dst[t*k+t] += l2
		}
	}
}

func (j *halsJob) rows(lo, hi int) {
	k, s := j.k, j.side
	halsSweepRows(s.a[lo*k:hi*k], s.cross[lo*k:hi*k], j.greg, k, s.pen.l1)
	if j.gram.native {
		j.gram.addBlock(lo, hi)
	}
}

// halsSweepRows sweeps each k-entry row of a once, four rows at a time so
// that the four independent chains of updates overlap in the processor. It
// returns Σ (change)².
func halsSweepRows(a, c, g []float64, k int, l1 float64) (moved float64) {
	n := len(a) / k
	i := 0
	var buf sweepBuf
	for ; i+4 <= n; i += 4 {
		moved += buf.sweep4(a[i*k:(i+4)*k], c[i*k:(i+4)*k], g, k, l1)
	}
	for ; i < n; i++ {
		moved += halsSweep(a[i*k:(i+1)*k], c[i*k:(i+1)*k], g, l1)
	}
	return moved
}

// halsSweep4Go is halsSweep on four consecutive rows at once; each row gets
// exactly the operations halsSweep would do.
func halsSweep4Go(a, c, g []float64, k int, l1 float64) float64 {
	a0, a1, a2, a3 := a[:k], a[k:2*k], a[2*k:3*k], a[3*k:4*k]
	c0, c1, c2, c3 := c[:k], c[k:2*k], c[2*k:3*k], c[3*k:4*k]
	var moved float64
	for t := range k {
		gt := g[t*k : t*k+k]
		g0 := dot4(gt, a0) - (c0[t] - l1)
		g1 := dot4(gt, a1) - (c1[t] - l1)
		g2 := dot4(gt, a2) - (c2[t] - l1)
		g3 := dot4(gt, a3) - (c3[t] - l1)
		hess := gt[t]
		moved += coordinateStep(a0, t, g0, hess) + coordinateStep(a1, t, g1, hess) +
			coordinateStep(a2, t, g2, hess) + coordinateStep(a3, t, g3, hess)
	}
	return moved
}

// coordinateStep sets a[t] to the minimizer over a[t] ≥ 0 of the
// objective in that entry, grad·d + ½·hess·d² for a change d, and returns
// the squared change: max(a[t] − grad/hess, 0) for hess ≠ 0, and for
// hess = 0 (the objective linear in the entry) 0 if grad > 0, a[t]
// unchanged otherwise (see the top of this file for when that happens and
// how scikit-learn differs).
func coordinateStep(a []float64, t int, grad, hess float64) float64 {
	old := a[t]
	switch {
	case hess != 0:
		a[t] = max(old-grad/hess, 0)
	case grad > 0:
		a[t] = 0
	default:
		return 0
	}
	d := a[t] - old
	return d * d
}

// halsSweepGo does one pass of coordinate descent over the k entries of a
// row a, given its cross-product row c and the regularized Gram matrix g.
// It returns Σ (change)², for the accelerated solver's stopping rule.
func halsSweepGo(a, c, g []float64, l1 float64) float64 {
	k := len(a)
	c = c[:k]
	var moved float64
	for t := range k {
		grad := dot4(g[t*k:t*k+k], a) - (c[t] - l1)
		moved += coordinateStep(a, t, grad, g[t*k+t])
	}
	return moved
}
