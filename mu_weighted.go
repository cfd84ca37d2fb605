package factor

// The weighing pass of MU for a weighted fit (WithWeights,
// WithObservedOnly): Blondel, Ho & Van Dooren's weighted multiplicative
// update, scikit-learn 1.2's update with the weights M inside both sums,
//
//	W ← W ⊙ ( [(M ⊙ X ⊙ (WH)^(β−2)) Hᵀ] / [(M ⊙ (WH)^(β−1)) Hᵀ + l1 + l2·W] )^γ
//
// (for β = 1 the denominator is M·Hᵀ), with the same epsilon rules, floors
// and exponent γ as the unweighted update. The sums run over Ω alone: each
// side evaluates WH at its entries (in X's row order for W, in Xᵀ's for H),
// weighs them with weighWeighted and gathers the numerator and the
// denominator from the other factor's rows, O(|Ω|·k) a side for any β. The
// pass of W also sums the weighted objective.

// weighObserved runs the weighing pass of one side over Ω and returns the
// objective sums s1 = Σ M·dx and s2 = Σ M·dy.
func (j *passJob) weighObserved(isH bool) (s1, s2 float64) {
	r := j.r
	j.omega, j.mw, j.a, j.b = r.in.csr, r.in.weight, r.w, r.ht
	if isH {
		j.omega, j.mw, j.a, j.b = r.in.transposed(), r.in.transposedWeights(), r.ht, r.w
	}
	j.grain = csrGrain(j.omega, 3*r.k)
	j.partial = grow(j.partial, 2*numBlocks(j.omega.rows, j.grain))
	r.pool.run(&j.task, j.omega.rows, j.grain, j.weighOmega)
	return sumPairs(j.partial)
}

// omegaRows weighs the entries of rows lo..hi-1 of the side's Ω and sums
// each row's numerator and denominator from the other factor's rows.
func (j *passJob) omegaRows(lo, hi int) {
	r, s, k := j.r, j.omega, j.r.k
	var s1, s2 float64
	for i := lo; i < hi; i++ {
		p0, p1 := s.indptr[i], s.indptr[i+1]
		cols := s.indices[p0:p1]
		y, g := r.model[p0:p1], r.gden[p0:p1]
		sddmmRow(y, cols, j.a[i*k:i*k+k], j.b, k)
		var mw []float64
		if j.mw != nil {
			mw = j.mw[p0:p1]
		}
		s1, s2 = r.terms.weighWeighted(s.data[p0:p1], y, g, mw, s1, s2)
		spmm2Row(r.num[i*k:i*k+k], r.den[i*k:i*k+k], cols, y, g, j.b, k)
	}
	blk := lo / j.grain
	j.partial[2*blk], j.partial[2*blk+1] = s1, s2
}
