package factor

// A small pure-Go matrix multiplication for the shapes NMF needs, used when
// blas64 runs gonum's own implementation: one side of every product has
// only k columns, which gonum's axpy-based kernels handle poorly. The
// kernel keeps a 2×4 block of the output in registers while it runs down
// the inner dimension, and the inner dimension is cut into panels so that
// the operands stay in cache; every output element is still summed in
// increasing order of the inner index by one goroutine, so the result is
// the same bits for any GOMAXPROCS.

// operand describes a matrix read as P(l, r) = data[l·ls + r·rs]: l runs
// along the inner dimension of the product, r along an output dimension.
type operand struct {
	data   []float64
	ls, rs int
}

// at returns the operand shifted to start at (l, r).
func (o operand) at(l, r int) operand {
	return operand{data: o.data[l*o.ls+r*o.rs:], ls: o.ls, rs: o.rs}
}

// gemmPanel is the length of the inner dimension done in one pass over an
// output block; it keeps a panel of both operands in the first-level caches.
const gemmPanel = 256

// gemmJob computes C (rows×cols, row stride cs) = Σ_l P(l, i)·Q(l, j) over
// l < inner, splitting the rows of C among the pool.
type gemmJob struct {
	rows, cols, inner int
	p, q              operand // q must have rs = 1
	c                 []float64
	cs                int
	fn                func(lo, hi int)
	task              task
}

func newGemmJob() *gemmJob {
	j := &gemmJob{}
	j.fn = j.rowBlock
	return j
}

// run computes C on the pool.
func (j *gemmJob) run(p *pool, rows, cols, inner int, pa, qa operand, c []float64, cs int) {
	j.rows, j.cols, j.inner, j.p, j.q, j.c, j.cs = rows, cols, inner, pa, qa, c, cs
	grain := max(2, grainFor(cols*inner)&^1)
	p.run(&j.task, rows, grain, j.fn)
	j.p, j.q, j.c = operand{}, operand{}, nil
}

// rowBlock computes rows lo..hi-1 of C.
func (j *gemmJob) rowBlock(lo, hi int) {
	gemmSerial(hi-lo, j.cols, j.inner, j.p.at(0, lo), j.q, j.c[lo*j.cs:], j.cs)
}

// gemmSerial sets C (rows×cols, row stride cs) to Σ_l P(l, i)·Q(l, j) over
// l < inner, on the calling goroutine.
func gemmSerial(rows, cols, inner int, p, q operand, c []float64, cs int) {
	for i := 0; i < rows; i++ {
		clear(c[i*cs : i*cs+cols])
	}
	for l0 := 0; l0 < inner; l0 += gemmPanel {
		n := min(gemmPanel, inner-l0)
		i := 0
		for ; i+2 <= rows; i += 2 {
			t := 0
			for ; t+4 <= cols; t += 4 {
				kernel2x4(n, p.at(l0, i), q.at(l0, t), c[i*cs+t:], cs)
			}
			if t < cols {
				kernelEdge(2, cols-t, n, p.at(l0, i), q.at(l0, t), c[i*cs+t:], cs)
			}
		}
		if i < rows {
			kernelEdge(1, cols, n, p.at(l0, i), q.at(l0, 0), c[i*cs:], cs)
		}
	}
}

// syrkSerial sets the upper triangle of the k×k matrix C to Σ_l P(l, i)·P(l, j)
// over l < inner (the lower triangle gets some entries near the diagonal,
// which callers ignore): a Gram matrix at about half the cost of gemmSerial.
func syrkSerial(k, inner int, p operand, c []float64) {
	clear(c[:k*k])
	q := operand{data: p.data, ls: p.ls, rs: 1}
	for l0 := 0; l0 < inner; l0 += gemmPanel {
		n := min(gemmPanel, inner-l0)
		i := 0
		for ; i+2 <= k; i += 2 {
			t := i &^ 3
			for ; t+4 <= k; t += 4 {
				kernel2x4(n, p.at(l0, i), q.at(l0, t), c[i*k+t:], k)
			}
			if t < k {
				kernelEdge(2, k-t, n, p.at(l0, i), q.at(l0, t), c[i*k+t:], k)
			}
		}
		if i < k {
			kernelEdge(1, k-i, n, p.at(l0, i), q.at(l0, i), c[i*k+i:], k)
		}
	}
}

// kernel2x4 adds Σ_{l<n} P(l, r)·Q(l, c) to the 2×4 block of c, r < 2,
// c < 4, where Q's rows are contiguous.
func kernel2x4(n int, p, q operand, c []float64, cs int) {
	c00, c01, c02, c03 := c[0], c[1], c[2], c[3]
	c1 := c[cs : cs+4 : cs+4]
	c10, c11, c12, c13 := c1[0], c1[1], c1[2], c1[3]
	pd, qd := p.data, q.data
	pi, qi := 0, 0
	for range n {
		b := qd[qi : qi+4 : qi+4]
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		a := pd[pi]
		c00 += a * b0
		c01 += a * b1
		c02 += a * b2
		c03 += a * b3
		a = pd[pi+p.rs]
		c10 += a * b0
		c11 += a * b1
		c12 += a * b2
		c13 += a * b3
		pi += p.ls
		qi += q.ls
	}
	c[0], c[1], c[2], c[3] = c00, c01, c02, c03
	c1[0], c1[1], c1[2], c1[3] = c10, c11, c12, c13
}

// kernelEdge is kernel2x4 for a block of rows×cols at the edges of C.
func kernelEdge(rows, cols, n int, p, q operand, c []float64, cs int) {
	for r := 0; r < rows; r++ {
		for t := 0; t < cols; t++ {
			s := c[r*cs+t]
			pi, qi := r*p.rs, t
			for range n {
				s += p.data[pi] * q.data[qi]
				pi += p.ls
				qi += q.ls
			}
			c[r*cs+t] = s
		}
	}
}
