package factor

// Weighted HALS, for fits with WithWeights or WithObservedOnly: exact
// coordinate descent on
//
//	½ Σ_{(i,j)∈Ω} M_ij·(x_ij − (WH)_ij)² + penalties
//
// over the entries Ω of positive weight. For the entry W[i,t], with the
// residual R = X − WH kept at row i's entries of Ω,
//
//	d = Σ_j M_ij·H_tj²,  g = Σ_j M_ij·H_tj·R_ij,
//	W[i,t] ← max(0, (g + d·W[i,t] − l1) / (d + l2)),  R_i· −= ΔW[i,t]·H_t·
//
// (a zero d + l2 as in coordinateStep: 0 when l1 > 0, else unchanged),
// for t = 1…k, each row of W on its own and the rows in parallel; then the
// same for the rows of H against W, over Xᵀ's order of Ω. With all-one
// weights this is HALS in exact arithmetic. Each row gathers the rows of
// the other factor its entries name into a k×L block (L its entries), in
// which the residual and the k steps run: O(|Ω|·k) an iteration with
// O(L·k) scratch a goroutine. The residual is formed afresh from the
// factors at the start of each side, and the objective summed from the
// residual left by the update of H. A row with no entry in Ω is set to 0.

// omegaSide is one half-iteration of a weighted solver: the factor a
// (rows×k) updated row by row against the other factor b, row i from the
// entries of row i of omega (Ω in X's row order for W, in Xᵀ's for H) and
// their weights mw (nil: all 1).
type omegaSide struct {
	omega *CSR
	mw    []float64
	a, b  []float64
	pen   penalty
}

// omegaSides returns the two sides of a weighted solver on c: W against H,
// then H against W.
func (c *core) omegaSides(penW, penH penalty) [2]omegaSide {
	return [2]omegaSide{
		{omega: c.in.csr, mw: c.in.weight, a: c.w, b: c.ht, pen: penW},
		{omega: c.in.transposed(), mw: c.in.transposedWeights(), a: c.ht, b: c.w, pen: penH},
	}
}

// longestRow returns the most entries in a row of either side's Ω.
func longestRow(sides [2]omegaSide) int {
	return max(sides[0].omega.longestRow(), sides[1].omega.longestRow())
}

// longestRow returns the most entries stored in a row of c.
func (c *CSR) longestRow() int {
	most := 0
	for i := 0; i < c.rows; i++ {
		most = max(most, c.indptr[i+1]-c.indptr[i])
	}
	return most
}

// entries returns the columns, values and weights (nil: all 1) of row i.
func (s *omegaSide) entries(i int) (cols []int, x, mw []float64) {
	p0, p1 := s.omega.indptr[i], s.omega.indptr[i+1]
	if s.mw != nil {
		mw = s.mw[p0:p1]
	}
	return s.omega.indices[p0:p1], s.omega.data[p0:p1], mw
}

// weightedHALS is the iterator of weighted HALS.
type weightedHALS struct {
	core
	penW, penH penalty
	sides      [2]omegaSide
	side       *omegaSide
	update     bool // the pass updates the rows, not only sums the loss
	grain      int
	partial    []float64 // Σ M·R² of each block
	work       workspaces[halsScratch]
	fn         func(lo, hi int)
	task       task
	loss       float64 // ½ Σ M·R² of the current factors
}

// halsScratch is a goroutine's room for one row: the gathered rows of the
// other factor, transposed (k×L), and the residual (L).
type halsScratch struct{ bt, res []float64 }

func newWeightedHALS(c core, penW, penH penalty) *weightedHALS {
	r := &weightedHALS{core: c, penW: penW, penH: penH, sides: c.omegaSides(penW, penH)}
	longest := longestRow(r.sides)
	r.work = newWorkspaces(c.pool, func() *halsScratch {
		return &halsScratch{bt: make([]float64, c.k*longest), res: make([]float64, longest)}
	})
	r.fn = r.rows
	return r
}

// start returns the objective of the starting factors.
func (r *weightedHALS) start() float64 {
	r.loss = 0.5 * r.pass(&r.sides[0], false)
	return r.loss + r.penW.of(r.w) + r.penH.of(r.ht)
}

// iterate updates W, then H, and returns the objective.
func (r *weightedHALS) iterate() (float64, error) {
	r.pass(&r.sides[0], true)
	r.loss = 0.5 * r.pass(&r.sides[1], true)
	return r.loss + r.penW.of(r.w) + r.penH.of(r.ht), nil
}

// finish returns the objective and loss of the last iteration, which are
// exact sums over Ω.
func (r *weightedHALS) finish(last float64) (objective, loss float64, err error) {
	return last, r.loss, nil
}

// pass runs over the rows of one side, updating them when update is set,
// and returns Σ M·R² with the residual left behind.
func (r *weightedHALS) pass(s *omegaSide, update bool) float64 {
	r.side, r.update = s, update
	r.grain = csrGrain(s.omega, 8*r.k)
	r.partial = grow(r.partial, numBlocks(s.omega.rows, r.grain))
	r.pool.run(&r.task, s.omega.rows, r.grain, r.fn)
	r.side = nil
	var sum float64
	for _, v := range r.partial {
		sum += v
	}
	return sum
}

func (r *weightedHALS) rows(lo, hi int) {
	sc := r.work.get()
	defer r.work.put(sc)
	var sum float64
	for i := lo; i < hi; i++ {
		sum += r.row(sc, i)
	}
	r.partial[lo/r.grain] = sum
}

// row sweeps row i of the side (when updating) and returns its Σ M·R².
func (r *weightedHALS) row(sc *halsScratch, i int) float64 {
	s, k := r.side, r.k
	a := s.a[i*k : i*k+k]
	cols, x, mw := s.entries(i)
	n := len(cols)
	if n == 0 {
		if r.update {
			clear(a)
		}
		return 0
	}
	bt, res := sc.bt[:k*n], sc.res[:n]
	gatherResidual(bt, res, cols, x, s.b, a)
	if !r.update {
		return weightedSquares(res, mw)
	}
	// Each pass over the entries applies the change of the previous
	// coordinate to the residual and sums the moments of the next.
	l1, l2 := s.pen.l1, s.pen.l2
	var prev []float64 // the previous coordinate's row of bt
	delta := 0.0       // and the change of its entry
	for t := range k {
		h := bt[t*n : (t+1)*n]
		d, g := stepMoments(h, res, mw, prev, delta)
		old := a[t]
		coordinateStep(a, t, l1+l2*old-g, d+l2)
		prev, delta = h, a[t]-old
	}
	if delta != 0 {
		axpy(-delta, prev, res)
	}
	return weightedSquares(res, mw)
}

// gatherResidual sets bt (k×L, L = len(cols)) to the transpose of the
// rows of the k-column factor b that cols name, bt[t·L + p] = b[cols[p], t],
// and res to the residual x − a·bᵀ at the entries, each dot product summed
// as dot4 does. It takes the rows four at a time, so that each line of bt
// it writes gets four values.
func gatherResidual(bt, res []float64, cols []int, x, b, a []float64) {
	k, n := len(a), len(cols)
	p := 0
	for ; p+4 <= n; p += 4 {
		r0 := b[cols[p]*k : cols[p]*k+k]
		r1 := b[cols[p+1]*k : cols[p+1]*k+k]
		r2 := b[cols[p+2]*k : cols[p+2]*k+k]
		r3 := b[cols[p+3]*k : cols[p+3]*k+k]
		for t := range k {
			q := bt[t*n+p : t*n+p+4 : t*n+p+4]
			q[0], q[1], q[2], q[3] = r0[t], r1[t], r2[t], r3[t]
		}
		res[p] = x[p] - dot4(r0, a)
		res[p+1] = x[p+1] - dot4(r1, a)
		res[p+2] = x[p+2] - dot4(r2, a)
		res[p+3] = x[p+3] - dot4(r3, a)
	}
	for ; p < n; p++ {
		row := b[cols[p]*k : cols[p]*k+k]
		for t, v := range row {
			bt[t*n+p] = v
		}
		res[p] = x[p] - dot4(row, a)
	}
}

// stepMoments first sets r −= delta·prev (when delta ≠ 0), then returns
// d = Σ m·h² and g = Σ m·h·r (m nil: all 1), each summed with two partial
// sums, the even and the odd indices, in order.
func stepMoments(h, r, m, prev []float64, delta float64) (d, g float64) {
	n := len(h)
	r = r[:n]
	if delta == 0 {
		prev = nil
	} else {
		prev = prev[:n]
	}
	var d0, d1, g0, g1 float64
	p := 0
	switch {
	case m == nil && prev == nil:
		for ; p+2 <= n; p += 2 {
			h0, h1 := h[p], h[p+1]
			d0 += h0 * h0
			g0 += h0 * r[p]
			d1 += h1 * h1
			g1 += h1 * r[p+1]
		}
	case m == nil:
		for ; p+2 <= n; p += 2 {
			h0, h1 := h[p], h[p+1]
			r0, r1 := r[p]-delta*prev[p], r[p+1]-delta*prev[p+1]
			r[p], r[p+1] = r0, r1
			d0 += h0 * h0
			g0 += h0 * r0
			d1 += h1 * h1
			g1 += h1 * r1
		}
	case prev == nil:
		m = m[:n]
		for ; p+2 <= n; p += 2 {
			u0, u1 := m[p]*h[p], m[p+1]*h[p+1]
			d0 += u0 * h[p]
			g0 += u0 * r[p]
			d1 += u1 * h[p+1]
			g1 += u1 * r[p+1]
		}
	default:
		m = m[:n]
		for ; p+2 <= n; p += 2 {
			r0, r1 := r[p]-delta*prev[p], r[p+1]-delta*prev[p+1]
			r[p], r[p+1] = r0, r1
			u0, u1 := m[p]*h[p], m[p+1]*h[p+1]
			d0 += u0 * h[p]
			g0 += u0 * r0
			d1 += u1 * h[p+1]
			g1 += u1 * r1
		}
	}
	if p < n {
		if prev != nil {
			r[p] -= delta * prev[p]
		}
		u := h[p]
		if m != nil {
			u *= m[p]
		}
		d0 += u * h[p]
		g0 += u * r[p]
	}
	return d0 + d1, g0 + g1
}

// weightedSquares returns Σ m·r² (m nil: all 1), in order.
func weightedSquares(r, m []float64) float64 {
	var s float64
	if m == nil {
		return dot(r, r)
	}
	for p, v := range r {
		s += m[p] * v * v
	}
	return s
}
