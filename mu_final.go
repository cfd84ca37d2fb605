package factor

import "math"

// The final objective of MU for β ≠ 2. Each iteration assembles the
// divergence from sums over the entries (weigh's Σ dx and Σ dy, and Σ x^β),
// which is exact in exact arithmetic but can cancel: with one entry of
// 1e150 among entries near 1, a KL fit's sums cancel to 0 for a divergence
// of 99. finish (mu_beta.go) then sums it again entry by entry, and for
// β ≤ 1 checks that the model is nowhere 0 where X is not.

// unreliable is the share of the magnitude of its terms below which the
// divergence assembled from the sums of weigh has lost too many digits to
// cancellation to be reported: about half of float64's.
const unreliable = 1e-8

// reliable reports whether the divergence of the last prepare, assembled
// from sums that may cancel (Σ dx against Σ dy and Σ x^β), kept enough
// digits. Itakura-Saito's terms are each ≥ 0 and never cancel.
func (r *betaRun) reliable() bool {
	b, dx, dy := r.terms.beta, r.sums[0], r.sums[1]
	switch b {
	case 0:
		return true
	case 1:
		return r.div > unreliable*(math.Abs(dx)+dy)
	}
	return r.div*math.Abs(b*(b-1)) > unreliable*(math.Abs(r.sumXBeta)+math.Abs(b*dx)+math.Abs((b-1)*dy))
}

// exactDivergence sums D_β(X | WH) entry by entry, each entry's terms from
// weigh assembled by divergence on their own, so that nothing cancels
// across entries; for sparse X the entries not stored, whose terms are y
// (β = 1) or y^β/β, come from the sums over every entry less those over
// the stored ones; for a weighted fit each entry of Ω counts times its
// weight and no other entry counts. It costs a pass over X with a power or
// logarithm per entry, and runs only where the usual sums are not
// reliable.
func (r *betaRun) exactDivergence() float64 {
	var d, storedY float64
	weight := 1.0 // of the entry, for a weighted fit
	entry := func(x, y float64) {
		yv := [1]float64{y}
		dx, dy := r.terms.weigh([]float64{x}, yv[:], nil, true, 0, 0)
		var xb float64
		switch r.terms.beta {
		case 1:
			dy = y
		case 0:
		default:
			if x > 0 {
				xb = math.Pow(x, r.terms.beta)
			}
		}
		d += weight * r.terms.divergence(dx, dy, xb)
		storedY += dy
	}
	k := r.k
	if !r.in.sparse() {
		r.mulJ.mul(r.pool, general(r.n, r.m, r.model), general(r.n, r.k, r.w), false, general(r.m, r.k, r.ht), true)
		for i := 0; i < r.n; i++ {
			y := r.model[i*r.m : (i+1)*r.m]
			for j, x := range r.in.denseRow(i) {
				entry(x, y[j])
			}
		}
		return d
	}
	s := r.in.csr
	for i := 0; i < s.rows; i++ {
		p0, p1 := s.indptr[i], s.indptr[i+1]
		y := r.model[p0:p1]
		sddmmRow(y, s.indices[p0:p1], r.w[i*k:i*k+k], r.ht, k)
		for p, x := range s.data[p0:p1] {
			if r.in.weight != nil {
				weight = r.in.weight[p0+p]
			}
			entry(x, y[p])
		}
	}
	if r.in.observed { // no entry outside Ω counts
		return d
	}
	// Σ dy over every entry (the sums of the last prepare) less the stored.
	if rest := r.sums[1] - storedY; rest > 0 && r.terms.beta != 0 {
		if r.terms.beta != 1 {
			rest /= r.terms.beta
		}
		d += rest
	}
	return d
}

// zeroModel counts the entries with x > 0 at which the model WH is 0, where
// D_β for β ≤ 1 is infinite. It evaluates WH once more: O(nnz·k).
func (r *betaRun) zeroModel() int {
	count := 0
	if !r.in.sparse() {
		r.mulJ.mul(r.pool, general(r.n, r.m, r.model), general(r.n, r.k, r.w), false, general(r.m, r.k, r.ht), true)
		for i := 0; i < r.n; i++ {
			y := r.model[i*r.m : (i+1)*r.m]
			for j, x := range r.in.denseRow(i) {
				if x > 0 && y[j] == 0 {
					count++
				}
			}
		}
		return count
	}
	s, k := r.in.csr, r.k
	for i := 0; i < s.rows; i++ {
		p0, p1 := s.indptr[i], s.indptr[i+1]
		y := r.model[p0:p1]
		sddmmRow(y, s.indices[p0:p1], r.w[i*k:i*k+k], r.ht, k)
		for p, x := range s.data[p0:p1] {
			if x > 0 && y[p] == 0 {
				count++
			}
		}
	}
	return count
}
