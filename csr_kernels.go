package factor

// Sparse kernels. Each runs over the rows of a CSR matrix in fixed blocks on
// the pool; every output row is written by one goroutine in a fixed order,
// so the results are the same bits for any GOMAXPROCS. They cost O(nnz·k).

// spmmJob computes dst = S·b for a CSR matrix S (rows×cols) whose values
// may be replaced by another array with the same pattern, and a dense
// b (cols×k).
type spmmJob struct {
	s      *CSR
	values []float64
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

// mul sets dst (rows×k) to S·b, with S's values taken from values.
func (j *spmmJob) mul(p *pool, dst []float64, s *CSR, values, b []float64, k int) {
	j.s, j.values, j.b, j.dst, j.k = s, values, b, dst, k
	p.run(&j.task, s.rows, csrGrain(s, k), j.fn)
	j.s, j.values, j.b, j.dst = nil, nil, nil, nil
}

func (j *spmmJob) rows(lo, hi int) {
	s, k := j.s, j.k
	for i := lo; i < hi; i++ {
		d := j.dst[i*k : i*k+k]
		clear(d)
		for p := s.indptr[i]; p < s.indptr[i+1]; p++ {
			v := j.values[p]
			axpy(v, j.b[s.indices[p]*k:s.indices[p]*k+k], d)
		}
	}
}

// csrGrain is the block size, in rows, for an O(nnz·k) pass over s.
func csrGrain(s *CSR, k int) int {
	perRow := (len(s.data)/max(s.rows, 1) + 1) * k
	return grainFor(perRow)
}

// dot returns Σ x[i]·y[i] over len(x), summed in index order.
func dot(x, y []float64) float64 {
	y = y[:len(x)]
	var s float64
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

// axpy sets y += a·x over len(x).
func axpy(a float64, x, y []float64) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += a * v
	}
}
