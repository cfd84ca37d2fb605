package factor

// Sparse kernels. Each runs over the rows of a CSR matrix in fixed blocks on
// the pool; every output row is written by one goroutine in a fixed order,
// so the results are the same bits for any GOMAXPROCS. They cost O(nnz·k).

// spmmJob computes dst = S·b for a CSR matrix S (rows×cols) and a dense
// b (cols×k).
type spmmJob struct {
	s      *CSR
	b, dst []float64
	k      int
	fn     func(lo, hi int)
	task   task
}

func newSpmmJob() *spmmJob {
	j := &spmmJob{}
	j.fn = j.rows
	return j
}

// mul sets dst (rows×k) to S·b.
func (j *spmmJob) mul(p *pool, dst []float64, s *CSR, b []float64, k int) {
	j.s, j.b, j.dst, j.k = s, b, dst, k
	p.run(&j.task, s.rows, csrGrain(s, k), j.fn)
	j.s, j.b, j.dst = nil, nil, nil
}

func (j *spmmJob) rows(lo, hi int) {
	s, k := j.s, j.k
	for i := lo; i < hi; i++ {
		p0, p1 := s.indptr[i], s.indptr[i+1]
		spmmRow(j.dst[i*k:i*k+k], s.indices[p0:p1], s.data[p0:p1], j.b, k)
	}
}

// spmmRowGo sets d (k) to Σ_p vals[p]·b[cols[p], :], each entry summed
// over p in order, keeping four entries of d in registers while it runs
// over the row's entries (wider blocks spill registers on amd64 and run
// slower).
func spmmRowGo(d []float64, cols []int, vals []float64, b []float64, k int) {
	vals = vals[:len(cols)]
	t := 0
	for ; t+4 <= k; t += 4 {
		var a0, a1, a2, a3 float64
		for p, c := range cols {
			v := vals[p]
			r := b[c*k+t : c*k+t+4 : c*k+t+4]
			a0 += v * r[0]
			a1 += v * r[1]
			a2 += v * r[2]
			a3 += v * r[3]
		}
		d[t], d[t+1], d[t+2], d[t+3] = a0, a1, a2, a3
	}
	for ; t < k; t++ {
		var a float64
		for p, c := range cols {
			a += vals[p] * b[c*k+t]
		}
		d[t] = a
	}
}

// spmm2RowGo is two spmmRowGo at once over the same rows of b: it sets d
// (k) to Σ_p u[p]·b[cols[p], :] and e (k) to Σ_p v[p]·b[cols[p], :], each
// entry summed in the order spmmRowGo sums it, reading each row of b once.
func spmm2RowGo(d, e []float64, cols []int, u, v []float64, b []float64, k int) {
	u, v = u[:len(cols)], v[:len(cols)]
	d, e = d[:k], e[:k]
	t := 0
	for ; t+4 <= k; t += 4 {
		var a0, a1, a2, a3, c0, c1, c2, c3 float64
		for p, c := range cols {
			x, y := u[p], v[p]
			r := b[c*k+t : c*k+t+4 : c*k+t+4]
			a0 += x * r[0]
			a1 += x * r[1]
			a2 += x * r[2]
			a3 += x * r[3]
			c0 += y * r[0]
			c1 += y * r[1]
			c2 += y * r[2]
			c3 += y * r[3]
		}
		d[t], d[t+1], d[t+2], d[t+3] = a0, a1, a2, a3
		e[t], e[t+1], e[t+2], e[t+3] = c0, c1, c2, c3
	}
	for ; t < k; t++ {
		var a, c float64
		for p, col := range cols {
			a += u[p] * b[col*k+t]
			c += v[p] * b[col*k+t]
		}
		d[t], e[t] = a, c
	}
}

// sddmmRowGo sets y[p] = a·b[cols[p], :] (a has k entries) for the entries
// of one row: the model WH at the row's stored entries. Each dot product is
// summed as dot4 does.
func sddmmRowGo(y []float64, cols []int, a, b []float64, k int) {
	y = y[:len(cols)]
	a = a[:k]
	for p, c := range cols {
		row := b[c*k : c*k+k : c*k+k]
		var s0, s1, s2, s3 float64
		t := 0
		for ; t+4 <= k; t += 4 {
			s0 += a[t] * row[t]
			s1 += a[t+1] * row[t+1]
			s2 += a[t+2] * row[t+2]
			s3 += a[t+3] * row[t+3]
		}
		for ; t < k; t++ {
			s0 += a[t] * row[t]
		}
		y[p] = (s0 + s1) + (s2 + s3)
	}
}

// csrGrain is the block size, in rows, for an O(nnz·k) pass over s.
func csrGrain(s *CSR, k int) int {
	perRow := (len(s.data)/max(s.rows, 1) + 1) * k
	return grainFor(perRow)
}

// scatterJob computes dst = Sᵀ·a for a CSR matrix S (rows×cols) and a
// dense a (rows×k), without forming Sᵀ: it runs down the rows of S, reading
// a's rows in order, and adds each entry's share into the row of dst its
// column names. The columns are cut into as many ranges as the pool has
// goroutines, each range owned by one of them, so every entry of dst is
// summed over the rows of S in order by one goroutine: the same bits as
// the row-by-row product with Sᵀ, for any GOMAXPROCS.
type scatterJob struct {
	s      *CSR
	ranges *colRanges
	a, dst []float64
	k      int
	fn     func(lo, hi int)
	task   task
}

func newScatterJob() *scatterJob {
	j := &scatterJob{}
	j.fn = j.ranges1
	return j
}

// mulT sets dst (cols×k) to Sᵀ·a, the columns cut into the ranges cr.
func (j *scatterJob) mulT(p *pool, dst []float64, s *CSR, cr *colRanges, a []float64, k int) {
	j.s, j.ranges, j.a, j.dst, j.k = s, cr, a, dst, k
	p.run(&j.task, cr.n, 1, j.fn)
	j.s, j.ranges, j.a, j.dst = nil, nil, nil, nil
}

// ranges1 computes the column ranges lo..hi-1.
func (j *scatterJob) ranges1(lo, hi int) {
	for r := lo; r < hi; r++ {
		scatterRange(j.s, j.ranges, r, j.a, j.dst, j.k)
	}
}

// scatterRange sets the rows of dst in column range q of cr to
// Σ_i S[i, p]·a[i, :] over the entries p of S's row i whose columns lie in
// the range, running down S's rows in order, so that each row of dst is
// summed in the order of S's rows.
func scatterRange(s *CSR, cr *colRanges, q int, a, dst []float64, k int) {
	clear(dst[cr.bound[q]*k : cr.bound[q+1]*k])
	for i := 0; i < s.rows; i++ {
		p0, p1 := cr.entries(s, i, q)
		if p0 == p1 {
			continue
		}
		scatterRow(dst, s.indices[p0:p1], s.data[p0:p1], a[i*k:i*k+k], k)
	}
}

// scatterRowGo adds vals[p]·a to row cols[p] of dst (k columns) for each p
// in order.
func scatterRowGo(dst []float64, cols []int, vals []float64, a []float64, k int) {
	vals = vals[:len(cols)]
	for p, c := range cols {
		axpyGo(vals[p], a, dst[c*k:c*k+k])
	}
}

// colRanges cuts the columns of a CSR matrix into n ranges of about equal
// numbers of entries, bound[r] to bound[r+1], and records where each row's
// entries of each range begin (when n > 1).
type colRanges struct {
	n     int
	bound []int
	split []int // row i's entries of range r begin at split[i·(n+1)+r]
}

// newColRanges returns n ranges of s's columns.
func newColRanges(s *CSR, n int) *colRanges {
	n = max(1, min(n, s.cols))
	cr := &colRanges{n: n, bound: make([]int, n+1)}
	cr.bound[n] = s.cols
	if n == 1 {
		return cr
	}
	count := make([]int, s.cols)
	for _, c := range s.indices {
		count[c]++
	}
	r, seen := 1, 0
	for c, cnt := range count {
		for r < n && seen >= r*len(s.indices)/n {
			cr.bound[r] = c
			r++
		}
		seen += cnt
	}
	for ; r < n; r++ {
		cr.bound[r] = s.cols
	}
	cr.split = make([]int, s.rows*(n+1))
	for i := 0; i < s.rows; i++ {
		row := cr.split[i*(n+1) : (i+1)*(n+1)]
		p, end := s.indptr[i], s.indptr[i+1]
		for r := 0; r < n; r++ {
			for p < end && s.indices[p] < cr.bound[r] {
				p++
			}
			row[r] = p
		}
		row[n] = end
	}
	return cr
}

// entries returns the range of row i's entries whose columns lie in range r.
func (cr *colRanges) entries(s *CSR, i, r int) (p0, p1 int) {
	if cr.n == 1 {
		return s.indptr[i], s.indptr[i+1]
	}
	at := i*(cr.n+1) + r
	return cr.split[at], cr.split[at+1]
}
