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
// scikit-learn's 'cd' solver without shuffle, step for step. The entries of
// different rows of W do not interact, so rows are updated in parallel.

// halsJob sweeps the rows of a factor.
type halsJob struct {
	side *frobSide
	greg []float64 // the Gram matrix with l2 on its diagonal, k×k
	k    int
	fn   func(lo, hi int)
	task task
}

func newHALSJob(k int) *halsJob {
	j := &halsJob{greg: make([]float64, k*k), k: k}
	j.fn = j.rows
	return j
}

// update runs the sweeps on one side.
func (j *halsJob) update(p *pool, s *frobSide) {
	j.side = s
	regularizedGram(j.greg, s.gram, j.k, s.pen.l2)
	p.run(&j.task, s.rows, grainFor(j.k*j.k), j.fn)
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
	for i := lo; i < hi; i++ {
		a := s.a[i*k : i*k+k]
		c := s.cross[i*k : i*k+k]
		halsSweep(a, c, j.greg, s.pen.l1)
	}
}

// halsSweep does one pass of coordinate descent over the k entries of a row
// a, given its cross-product row c and the regularized Gram matrix g. It
// returns Σ (change)², for the accelerated solver's stopping rule.
func halsSweep(a, c, g []float64, l1 float64) float64 {
	k := len(a)
	c = c[:k]
	var moved float64
	for t := range k {
		gt := g[t*k : t*k+k]
		grad := -(c[t] - l1)
		for r, v := range a {
			grad += gt[r] * v
		}
		if hess := gt[t]; hess != 0 {
			old := a[t]
			a[t] = max(old-grad/hess, 0)
			d := a[t] - old
			moved += d * d
		}
	}
	return moved
}
