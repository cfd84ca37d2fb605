package factor

import "fmt"

// betaRun runs the multiplicative update for beta ≠ 2. Each half-iteration
// first evaluates the model WH at the entries of X (all of them for dense X,
// the stored ones for CSR) and turns it into the update's weights; the pass
// that prepares the update of W also sums the objective of the current
// factors, so the objective costs no extra pass over X. For CSR X each
// side's numerator is summed in the same pass, while the rows of the other
// factor it reads are in cache.
type betaRun struct {
	core
	terms      betaTerms
	penW, penH penalty
	sumXBeta   float64
	fixedH     bool        // Transform: update W only
	keepSmallW bool        // no floor on W for β < 1 (MiniBatchNMF's W step, as scikit-learn's _solve_W)
	acc        *onlineSums // MiniBatchNMF: the online step for H

	model   []float64 // dense: WH, n×m, overwritten by the numerator weights; sparse: one value per stored entry
	gden    []float64 // dense, beta ∉ {1, 2}: denominator weights (WH)^(β−1), n×m; weighted: one per entry of Ω
	num     []float64 // numerator, max(n, m)×k
	den     []float64 // denominator, max(n, m)×k
	colSum  []float64 // k
	colSumB []float64 // k

	pass passJob
	mu   *muJob
	div  float64    // the divergence of the factors of the last prepare
	sums [2]float64 // Σ dx and Σ dy it was assembled from
}

func newBetaRun(c core, beta float64, penW, penH penalty, fixedH bool) *betaRun {
	r := &betaRun{core: c, terms: newBetaTerms(beta), penW: penW, penH: penH, fixedH: fixedH}
	if beta != 0 && beta != 1 {
		r.sumXBeta = c.in.sumXPow(beta)
	}
	rows := max(c.n, c.m)
	r.num = make([]float64, rows*c.k)
	r.den = make([]float64, rows*c.k)
	r.colSum = make([]float64, c.k)
	r.colSumB = make([]float64, c.k)
	switch {
	case c.in.observed: // weighted: both sides weigh Ω, in row and in column order
		r.model = make([]float64, c.in.nnz())
		r.gden = make([]float64, c.in.nnz())
	case c.in.sparse():
		if !fixedH {
			c.in.columnRanges(c.pool.size()) // for the H side's weighing pass
		}
		r.model = make([]float64, c.in.nnz())
	default:
		r.model = make([]float64, c.n*c.m)
		if beta != 1 {
			r.gden = make([]float64, c.n*c.m)
		}
	}
	r.mu = newMUJob(c.k, gammaFor(beta))
	r.pass.init(r)
	return r
}

// start returns the objective of the starting factors and prepares the
// first update of W.
func (r *betaRun) start() float64 { return r.prepare(false) }

// iterate updates W, then H unless it is fixed, and returns the objective.
func (r *betaRun) iterate() (float64, error) {
	r.update(false)
	if !r.fixedH {
		r.prepare(true)
		r.update(true)
	}
	return r.prepare(false), nil
}

// finish returns the objective and divergence of the final factors, which
// the last iterate already computed exactly.
func (r *betaRun) finish(last float64) (objective, loss float64, err error) {
	// A fit whose model is 0 where X > 0 has an infinite divergence. (The W
	// step of Transform may meet zeros of the fitted H that no W can fill;
	// it keeps scikit-learn's epsilon rule.)
	if b := r.terms.beta; b <= 1 && !r.fixedH {
		if n := r.zeroModel(); n > 0 {
			return 0, 0, fmt.Errorf("%w: the fitted WH is 0 at %d entries where X > 0, where the β = %g divergence is infinite (scikit-learn's epsilon rule would hide it); the factors have collapsed, as they do when X spans too wide a range", ErrNotFinite, n, b)
		}
	}
	if r.reliable() {
		return last, r.div, nil
	}
	r.div = r.exactDivergence()
	obj := r.div + r.penW.of(r.w)
	if !r.fixedH {
		obj += r.penH.of(r.ht)
	}
	return obj, r.div, nil
}

// prepare evaluates the model for the update of H (isH) or of W; for W it
// returns the objective of the current factors.
func (r *betaRun) prepare(isH bool) float64 {
	s1, s2 := r.pass.weigh(isH)
	if isH {
		return 0
	}
	if r.terms.beta == 1 && !r.in.observed {
		// Σ dy = Σ_ij (WH)_ij over every entry, in closed form from the
		// column sums of the factors: O((n + m)·k).
		s2 = dot(colSums(r.colSum, r.w, r.k), colSums(r.colSumB, r.ht, r.k))
	}
	r.div = r.terms.divergence(s1, s2, r.sumXBeta)
	r.sums = [2]float64{s1, s2}
	obj := r.div + r.penW.of(r.w)
	if !r.fixedH {
		obj += r.penH.of(r.ht)
	}
	return obj
}

// update computes the numerator and denominator of one side from the
// prepared weights and applies the multiplicative step.
func (r *betaRun) update(isH bool) {
	a, b, rows := r.w, r.ht, r.n
	if isH {
		a, b, rows = r.ht, r.w, r.m
	}
	num, den := r.num[:rows*r.k], r.den[:rows*r.k]
	if !r.in.sparse() {
		r.pass.numerator(num, b, isH)
	}
	switch {
	case r.in.observed: // the weighing pass summed num and den
	case r.terms.beta == 1:
		sums := colSums(r.colSum, b, r.k)
		if isH {
			for t, v := range sums {
				if v == 0 {
					sums[t] = 1
				}
			}
		}
		for i := 0; i < rows; i++ {
			copy(den[i*r.k:(i+1)*r.k], sums)
		}
	case !r.in.sparse():
		r.mulJ.mul(r.pool, general(rows, r.k, den), general(r.n, r.m, r.gden), isH, general(len(b)/r.k, r.k, b), false)
	}
	// For sparse X the weighing pass summed num, and den for beta ≠ 1.
	floor := (!isH && r.terms.beta < 1 && !r.keepSmallW) || (isH && r.terms.beta <= 1)
	pen, acc := r.penW, (*onlineSums)(nil)
	if isH {
		pen, acc = r.penH, r.acc
	}
	r.mu.apply(r.pool, a, num, den, rows, pen, floor, acc)
}

// passJob is the weighing pass of betaRun over the rows of X, with
// per-block partial sums of the objective added in block order. For sparse
// X both sides evaluate WH at X's stored entries, in X's order; the
// denominator of beta ∉ {1, 2} runs over every entry of the side's factor a
// against the other factor b.
type passJob struct {
	r          *betaRun
	isH        bool      // the pass prepares the update of H: no objective
	a, b       []float64 // sparse denominator: the factor being updated (rows×k) and the other one (cols×k)
	rows, cols int
	den        []float64 // sparse, beta ≠ 1: the denominator being summed
	grain      int
	partial    []float64 // two sums per block of the weighing pass
	partialDen []float64 // one sum per block of the sparse denominator pass
	weighDense func(lo, hi int)
	weighCSR   func(lo, hi int)
	weighCSRH  func(lo, hi int)
	weighOmega func(lo, hi int)
	omega      *CSR       // weighted: Ω in the order of the side's rows (X's, or Xᵀ's for H)
	mw         []float64  // the weights of omega's entries, nil when all are 1
	ranges     *colRanges // sparse H side: X's columns, one range per goroutine
	denCSR     func(lo, hi int)
	task       task
}

func (j *passJob) init(r *betaRun) {
	j.r = r
	j.weighDense = j.denseRows
	j.weighCSR = j.csrRows
	j.weighCSRH = j.csrColumnRanges
	j.denCSR = j.csrDenRows
	j.weighOmega = j.omegaRows
}

// weigh runs the pass for one side and returns the objective sums s1, s2.
func (j *passJob) weigh(isH bool) (s1, s2 float64) {
	r := j.r
	j.isH = isH
	if r.in.observed {
		return j.weighObserved(isH)
	}
	if !r.in.sparse() {
		r.mulJ.mul(r.pool, general(r.n, r.m, r.model), general(r.n, r.k, r.w), false, general(r.m, r.k, r.ht), true)
		j.grain = grainFor(r.m * 24)
		j.partial = grow(j.partial, 2*numBlocks(r.n, j.grain))
		r.pool.run(&j.task, r.n, j.grain, j.weighDense)
		return sumPairs(j.partial)
	}
	x := r.in.csr
	if isH {
		j.ranges = r.in.columnRanges(r.pool.size())
		r.pool.run(&j.task, j.ranges.n, 1, j.weighCSRH)
	} else {
		j.grain = csrGrain(x, r.k)
		j.partial = grow(j.partial, 2*numBlocks(x.rows, j.grain))
		r.pool.run(&j.task, x.rows, j.grain, j.weighCSR)
		s1, _ = sumPairs(j.partial)
	}
	if r.terms.beta == 1 {
		return s1, 0
	}
	j.a, j.b, j.rows, j.cols = r.w, r.ht, r.n, r.m
	if isH {
		j.a, j.b, j.rows, j.cols = r.ht, r.w, r.m, r.n
	}
	j.den = r.den[:j.rows*r.k]
	j.grain = grainFor(j.cols * r.k * 3)
	j.partialDen = grow(j.partialDen, numBlocks(j.rows, j.grain))
	r.pool.run(&j.task, j.rows, j.grain, j.denCSR)
	for _, v := range j.partialDen {
		s2 += v
	}
	return s1, s2
}

// numerator sets num to the weights times the other factor b, for dense X.
func (j *passJob) numerator(num, b []float64, isH bool) {
	r := j.r
	rows := len(num) / r.k
	r.mulJ.mul(r.pool, general(rows, r.k, num), general(r.n, r.m, r.model), isH, general(len(b)/r.k, r.k, b), false)
}

func (j *passJob) denseRows(lo, hi int) {
	r := j.r
	var s1, s2 float64
	for i := lo; i < hi; i++ {
		y := r.model[i*r.m : (i+1)*r.m]
		var g []float64
		if r.gden != nil {
			g = r.gden[i*r.m : (i+1)*r.m]
		}
		a, b := r.terms.weigh(r.in.denseRow(i), y, g, !j.isH, 0, 0)
		s1 += a
		s2 += b
	}
	blk := lo / j.grain
	j.partial[2*blk], j.partial[2*blk+1] = s1, s2
}

func (j *passJob) csrRows(lo, hi int) {
	r, s, k := j.r, j.r.in.csr, j.r.k
	var s1 float64
	for i := lo; i < hi; i++ {
		wi := r.w[i*k : i*k+k]
		p0, p1 := s.indptr[i], s.indptr[i+1]
		y := r.model[p0:p1]
		sddmmRow(y, s.indices[p0:p1], wi, r.ht, k)
		a, _ := r.terms.weigh(s.data[p0:p1], y, nil, true, 0, 0)
		s1 += a
		spmmRow(r.num[i*k:i*k+k], s.indices[p0:p1], y, r.ht, k)
	}
	blk := lo / j.grain
	j.partial[2*blk], j.partial[2*blk+1] = s1, 0
}

// csrColumnRanges prepares the update of H for sparse X: for the columns of
// X in ranges lo..hi-1 it sums the numerator Σ_i weight(x_ij, W_i·Hᵀ_j)·W_i
// into row j of num, running down X's rows so that W is read in order. It
// is scatterRange with each entry weighed first: a row's entries in the
// range, up to numChunk at a time, get WH (sddmmRow), then their weights,
// then are scattered (scatterRow), the batches the vector kernels want.
func (j *passJob) csrColumnRanges(lo, hi int) {
	r, s, k, cr := j.r, j.r.in.csr, j.r.k, j.ranges
	var y [numChunk]float64
	for q := lo; q < hi; q++ {
		clear(r.num[cr.bound[q]*k : cr.bound[q+1]*k])
		for i := 0; i < s.rows; i++ {
			p0, p1 := cr.entries(s, i, q)
			wi := r.w[i*k : i*k+k]
			for ; p0 < p1; p0 += numChunk {
				end := min(p0+numChunk, p1)
				cols, w := s.indices[p0:end], y[:end-p0]
				sddmmRow(w, cols, wi, r.ht, k)
				for p, x := range s.data[p0:end] {
					w[p] = r.terms.numerator(x, w[p])
				}
				scatterRow(r.num, cols, w, wi, k)
			}
		}
	}
}

// numChunk is how many entries of a row csrColumnRanges weighs at a time.
const numChunk = 64

// csrDenRows sums the denominator (WH)^(β−1)·B over every entry of the rows,
// stored or not, and Σ (WH)^β for the objective: O(cols·k) per row, as
// scikit-learn does, since beta ∉ {1, 2} has no shortcut for the zeros. The
// zeros of X are weighed denChunk at a time in buffers on the stack.
func (j *passJob) csrDenRows(lo, hi int) {
	r, k, cols := j.r, j.r.k, j.cols
	var y, g [denChunk]float64
	var s2 float64
	for i := lo; i < hi; i++ {
		ai := j.a[i*k : i*k+k]
		d := j.den[i*k : i*k+k]
		clear(d)
		for c0 := 0; c0 < cols; c0 += denChunk {
			n := min(denChunk, cols-c0)
			for c := range n {
				y[c] = dot(ai, j.b[(c0+c)*k:(c0+c+1)*k])
			}
			_, s2 = r.terms.weigh(zeros[:n], y[:n], g[:n], false, 0, s2)
			for c := range n {
				axpy(g[c], j.b[(c0+c)*k:(c0+c+1)*k], d)
			}
		}
	}
	j.partialDen[lo/j.grain] = s2
}

// denChunk is how many entries csrDenRows weighs at a time.
const denChunk = 256

// zeros is denChunk zero data values, read by csrDenRows.
var zeros [denChunk]float64

// sumPairs returns the sums of the even and the odd entries, in order.
func sumPairs(p []float64) (s1, s2 float64) {
	for i := 0; i+1 < len(p); i += 2 {
		s1 += p[i]
		s2 += p[i+1]
	}
	return s1, s2
}
