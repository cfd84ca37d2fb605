package factor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas/blas64"
)

// Each hand-written kernel is checked against a naive version written here
// from the kernel's definition: to the bit where the kernel promises the
// naive order of operations, otherwise within a rounding bound derived from
// the length of the sums (sumTol). The naive versions add each product as
// the kernels in use do (madd): rounded on the portable path, fused on the
// vector path, whose kernels keep the portable order of every sum but
// dot's (refDot). kernels_vec_test.go compares the two paths directly.

// kernelSizes are the vector lengths the kernels are checked at: empty, one,
// every remainder modulo the 4-wide blocks, exact multiples of 4 and a few
// lengths past them.
var kernelSizes = []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 33}

// sumTol is the tolerance, relative to Σ|terms|, for comparing two sums of
// the same n rounded products added in different orders. Each is within
// γ_n·Σ|terms| of the exact sum (γ_n ≈ n·u, u = 2⁻⁵³, Higham's bound for a
// dot product in any order), so the two differ by at most 2γ_n·Σ|terms| ≤
// (n+1)·2⁻⁵²·Σ|terms|: about 7.5e-15 for n = 33, 2.2e-11 for the longest
// Gram sums here (98 309 rows). A dropped or doubled term moves the sum by
// a whole term, far more.
func sumTol(n int) float64 { return float64(n+1) * 0x1p-52 }

// madd returns acc + x·y as the kernels in use add a product: fused on the
// vector path, the product rounded first on the portable one.
func madd(acc, x, y float64) float64 {
	if useAVX2 {
		return math.FMA(x, y, acc)
	}
	return acc + x*y
}

// refDot returns Σ x[i]·y[i] in dot's order: index order on the portable
// path; on the vector path sixteen partial sums, lane j of accumulator q
// taking the indices ≡ 4q+j (mod 16) of the leading multiple of 16,
// accumulator 0 the remaining quads, then (a0+a1)+(a2+a3) lane by lane,
// (l0+l1)+(l2+l3), and the last len(x) mod 4 products in order, fused.
func refDot(x, y []float64) float64 {
	if !useAVX2 {
		s, _ := naiveDot(x, y)
		return s
	}
	n := len(x)
	var acc [4][4]float64
	i := 0
	for ; i+16 <= n; i += 16 {
		for q := range 4 {
			for j := range 4 {
				acc[q][j] = math.FMA(x[i+4*q+j], y[i+4*q+j], acc[q][j])
			}
		}
	}
	for ; i+4 <= n; i += 4 {
		for j := range 4 {
			acc[0][j] = math.FMA(x[i+j], y[i+j], acc[0][j])
		}
	}
	var l [4]float64
	for j := range 4 {
		l[j] = (acc[0][j] + acc[1][j]) + (acc[2][j] + acc[3][j])
	}
	s := (l[0] + l[1]) + (l[2] + l[3])
	for ; i < n; i++ {
		s = math.FMA(x[i], y[i], s)
	}
	return s
}

// refDot4 returns Σ x[i]·y[i] in dot4's order, each product added as madd
// adds it: the order of sddmmRow and of the HALS sweeps' gradients.
func refDot4(x, y []float64) float64 {
	var s [4]float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		for j := range 4 {
			s[j] = madd(s[j], x[i+j], y[i+j])
		}
	}
	for ; i < len(x); i++ {
		s[0] = madd(s[0], x[i], y[i])
	}
	return (s[0] + s[1]) + (s[2] + s[3])
}

// testRand returns a generator with a fixed seed.
func testRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6b65726e656c73)) }

// offsetVec returns n uniform entries in [lo, hi) that start off entries
// into their buffer, so that they are not aligned as a fresh allocation is,
// and whose capacity ends at n, so that a kernel reading or writing past
// its end panics.
func offsetVec(rng *rand.Rand, n, off int, lo, hi float64) []float64 {
	v := make([]float64, off+n)[off : off+n : off+n]
	for i := range v {
		v[i] = lo + (hi-lo)*rng.Float64()
	}
	return v
}

// nanVec returns n NaNs laid out as offsetVec lays them out: an output that
// a kernel must overwrite entirely.
func nanVec(n, off int) []float64 {
	v := make([]float64, off+n)[off : off+n : off+n]
	for i := range v {
		v[i] = math.NaN()
	}
	return v
}

// requireBits fails unless got and want hold the same bits, entry by entry.
func requireBits(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d entries, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s[%d] = %v (%#016x), want %v (%#016x)", what, i,
				got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
		}
	}
}

// requireNear fails unless |got[i] − want[i]| ≤ tol·scale[i] for every i.
func requireNear(t *testing.T, what string, got, want, scale []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d entries, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !(math.Abs(got[i]-want[i]) <= tol*scale[i]) {
			t.Fatalf("%s[%d] = %v, want %v within %.3g·%.3g", what, i, got[i], want[i], tol, scale[i])
		}
	}
}

// testPools returns pools of each size, closed when the test ends.
func testPools(t *testing.T, sizes ...int) []*pool {
	pools := make([]*pool, len(sizes))
	for i, n := range sizes {
		p := newPool(n)
		t.Cleanup(p.close)
		pools[i] = p
	}
	return pools
}

// naiveDot returns Σ x[i]·y[i], in index order, and Σ |x[i]·y[i]|.
func naiveDot(x, y []float64) (sum, abs float64) {
	for i := range x {
		sum += x[i] * y[i]
		abs += math.Abs(x[i] * y[i])
	}
	return sum, abs
}

func TestKernelDot(t *testing.T) {
	rng := testRand(1)
	for _, n := range kernelSizes {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			x := offsetVec(rng, n, 1, -1, 1)
			y := offsetVec(rng, n+2, 3, -1, 1) // longer than x: only len(x) counts
			want, abs := naiveDot(x, y[:n])
			// dot sums in index order, as naiveDot does, on the portable
			// path, and in refDot's order on both.
			requireBits(t, "dot", []float64{dot(x, y)}, []float64{refDot(x, y[:n])})
			requireNear(t, "dot", []float64{dot(x, y)}, []float64{want}, []float64{abs}, sumTol(n))
			// dot4 sums in four partial sums: the same products, another order.
			requireNear(t, "dot4", []float64{dot4(x, y)}, []float64{want}, []float64{abs}, sumTol(n))

			// On small integers every partial sum is exact, so any order
			// gives the exact dot product.
			xi, yi := make([]float64, n), make([]float64, n)
			for i := range xi {
				xi[i], yi[i] = float64(rng.IntN(9)-4), float64(rng.IntN(9)-4)
			}
			exact, _ := naiveDot(xi, yi)
			requireBits(t, "dot4 on integers", []float64{dot4(xi, yi)}, []float64{exact})
		})
	}
}

func TestKernelAxpy(t *testing.T) {
	rng := testRand(2)
	for _, n := range kernelSizes {
		for _, a := range []float64{0.75, -1.3} {
			t.Run(fmt.Sprintf("n=%d/a=%v", n, a), func(t *testing.T) {
				x := offsetVec(rng, n, 1, -1, 1)
				y := offsetVec(rng, n+2, 2, -1, 1) // longer than x: y[n:] stays
				want := slices.Clone(y)
				for i := range x {
					want[i] = madd(want[i], a, x[i]) // elementwise, so exact
				}
				axpy(a, x, y)
				requireBits(t, "y", y, want)
			})
		}
	}
}

func TestKernelCoordinateStep(t *testing.T) {
	for _, c := range []struct {
		name            string
		old, grad, hess float64
		exact           bool    // the inputs make the results exact:
		wantNew, wantSq float64 // the new entry and the squared change
	}{
		{name: "interior", old: 1, grad: 0.5, hess: 2, wantNew: 0.75, wantSq: 0.0625, exact: true},
		{name: "clipped", old: 1, grad: 3, hess: 2, wantNew: 0, wantSq: 1, exact: true},
		{name: "from-zero", old: 0, grad: -1, hess: 4, wantNew: 0.25, wantSq: 0.0625, exact: true},
		{name: "stays-zero", old: 0, grad: 1, hess: 1, wantNew: 0, wantSq: 0, exact: true},
		{name: "to-exactly-zero", old: 2, grad: 2, hess: 1, wantNew: 0, wantSq: 4, exact: true},
		{name: "rounded", old: 0.3, grad: 0.1, hess: 0.7},
		{name: "rounded-negative-grad", old: 0.1, grad: -0.3, hess: 1.7},
		// A zero Hessian: the objective is linear in the entry.
		{name: "no-hessian-positive-grad", old: 0.3, grad: 0.25, hess: 0, wantNew: 0, wantSq: 0.09, exact: true},
		{name: "no-hessian-positive-grad-at-zero", old: 0, grad: 1, hess: 0, wantNew: 0, wantSq: 0, exact: true},
		{name: "no-hessian-zero-grad", old: 0.3, grad: 0, hess: 0, wantNew: 0.3, wantSq: 0, exact: true},
		{name: "no-hessian-negative-grad", old: 0.3, grad: -2, hess: 0, wantNew: 0.3, wantSq: 0, exact: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := []float64{-5, c.old, 7}
			sq := coordinateStep(a, 1, c.grad, c.hess)
			next := naiveStep(c.old, c.grad, c.hess)
			if c.exact && next != c.wantNew {
				t.Fatalf("test case: %v, want %v", next, c.wantNew)
			}
			d := next - c.old
			requireBits(t, "a", a, []float64{-5, next, 7})
			requireBits(t, "squared change", []float64{sq}, []float64{d * d})
			if c.exact && sq != c.wantSq {
				t.Fatalf("squared change %v, want %v", sq, c.wantSq)
			}
		})
	}
}

// naiveStep is the HALS step of one entry as defined: the minimizer over
// the entry ≥ 0 of grad·d + ½·hess·d², that is max(old − grad/hess, 0),
// and for hess = 0 (linear in the entry) 0 when grad > 0, old otherwise.
func naiveStep(old, grad, hess float64) float64 {
	switch {
	case hess != 0:
		return math.Max(old-grad/hess, 0)
	case grad > 0:
		return 0
	}
	return old
}

// naiveSweep is one pass of coordinate descent over the row a as the HALS
// step defines it: for each t in turn, grad = Σ_r g[t,r]·a[r] − (c[t] − l1)
// and a[t] ← naiveStep(a[t], grad, g[t,t]). It returns Σ (change)².
func naiveSweep(a, c, g []float64, l1 float64) float64 {
	k := len(a)
	var moved float64
	for t := 0; t < k; t++ {
		var grad float64
		for r := 0; r < k; r++ {
			grad += g[t*k+r] * a[r]
		}
		grad -= c[t] - l1
		old := a[t]
		a[t] = naiveStep(old, grad, g[t*k+t])
		moved += (a[t] - old) * (a[t] - old)
	}
	return moved
}

// halsProblem returns rows rows of a k-entry factor a in [0, 1), their cross
// products c and a regularized Gram g = H·Hᵀ + I/2 of a random nonnegative
// k×(k+3) H, as the solvers build them, each starting at an odd offset. c
// is drawn so that some entries step down to zero and others do not. With
// zeroDiag the middle diagonal entry of g is 0, where the sweep must set
// the entry to 0 if its gradient is positive and leave it otherwise.
func halsProblem(rng *rand.Rand, rows, k int, zeroDiag bool) (a, c, g []float64) {
	m := k + 3
	h := offsetVec(rng, k*m, 0, 0, 1)
	g = offsetVec(rng, k*k, 1, 0, 0)
	for s := 0; s < k; s++ {
		for t := 0; t < k; t++ {
			v, _ := naiveDot(h[s*m:s*m+m], h[t*m:t*m+m])
			g[s*k+t] = v
		}
		g[s*k+s] += 0.5
	}
	if zeroDiag && k > 0 {
		g[k/2*k+k/2] = 0
	}
	a = offsetVec(rng, rows*k, 3, 0, 1)
	c = offsetVec(rng, rows*k, 5, 0, float64(k*m)/4)
	return a, c, g
}

// sweepCases are the settings the sweeps are checked with: with and without
// l1, with and without a zero on the diagonal of g.
var sweepCases = []struct {
	l1       float64
	zeroDiag bool
}{{0, false}, {0.5, false}, {0, true}, {0.5, true}}

func TestKernelHALSSweep(t *testing.T) {
	rng := testRand(3)
	for _, k := range kernelSizes {
		for _, sc := range sweepCases {
			t.Run(fmt.Sprintf("k=%d/l1=%v/zeroDiag=%v", k, sc.l1, sc.zeroDiag), func(t *testing.T) {
				a, c, g := halsProblem(rng, 1, k, sc.zeroDiag)
				start := slices.Clone(a)
				want := slices.Clone(a)
				wantMoved := naiveSweep(want, c, g, sc.l1)
				moved := halsSweep(a, c, g, sc.l1)

				// The gradients are the same sums in another order (sumTol), and
				// the sweep is sequential: a rounding difference in one entry
				// carries into the later gradients through g[t,r]/g[t,t], small
				// for this diagonally heavy Gram. Over many draws the entries
				// differ by less than 0.35·sumTol(k)·(1 + max|a|); 4× that
				// (under 1.2e-14 at k = 33) leaves room and is still far below
				// a wrong sign of l1 (1/g[t,t]) or a dropped gradient term.
				tol := 4 * sumTol(k)
				scale := slices.Repeat([]float64{1 + slices.Max(append(slices.Clone(want), 0))}, k)
				requireNear(t, "a", a, want, scale, tol)
				requireNear(t, "moved", []float64{moved}, []float64{wantMoved}, []float64{1 + wantMoved}, tol)
				// With g[t,t] = 0 the entry is either left or set to 0, never
				// stepped: exactly what the definition does.
				if sc.zeroDiag && k > 0 {
					if t0 := k / 2; a[t0] != want[t0] || a[t0] != start[t0] && a[t0] != 0 {
						t.Fatalf("a[%d] went from %v to %v with g[t,t] = 0, want %v", t0, start[t0], a[t0], want[t0])
					}
				}
			})
		}
	}
}

// sweepRowByRow applies halsSweep to each k-entry row of a in turn and
// returns the summed change.
func sweepRowByRow(a, c, g []float64, k int, l1 float64) float64 {
	var moved float64
	for i := 0; i*k < len(a); i++ {
		moved += halsSweep(a[i*k:i*k+k], c[i*k:i*k+k], g, l1)
	}
	return moved
}

func TestKernelHALSSweepRows(t *testing.T) {
	rng := testRand(4)
	// halsSweep4 does for each of its four rows exactly what halsSweep does.
	for _, k := range kernelSizes {
		for _, sc := range sweepCases {
			t.Run(fmt.Sprintf("halsSweep4/k=%d/l1=%v/zeroDiag=%v", k, sc.l1, sc.zeroDiag), func(t *testing.T) {
				a, c, g := halsProblem(rng, 4, k, sc.zeroDiag)
				want := slices.Clone(a)
				wantMoved := sweepRowByRow(want, c, g, k, sc.l1)
				moved := halsSweep4(a, c, g, k, sc.l1)
				requireBits(t, "a", a, want)
				// The same squared changes, added in another order (sumTol).
				requireNear(t, "moved", []float64{moved}, []float64{wantMoved}, []float64{wantMoved}, sumTol(4*k))
			})
		}
	}
	// halsSweepRows batches rows by four and sweeps the rest one by one;
	// every row must come out as halsSweep alone makes it. (k = 0 is left
	// out: halsSweepRows divides by k, and the rank is at least 1.)
	for _, k := range kernelSizes[1:] {
		for rows := 0; rows <= 9; rows++ {
			for _, sc := range sweepCases {
				t.Run(fmt.Sprintf("halsSweepRows/k=%d/rows=%d/l1=%v/zeroDiag=%v", k, rows, sc.l1, sc.zeroDiag), func(t *testing.T) {
					a, c, g := halsProblem(rng, rows, k, sc.zeroDiag)
					want := slices.Clone(a)
					wantMoved := sweepRowByRow(want, c, g, k, sc.l1)
					moved := halsSweepRows(a, c, g, k, sc.l1)
					requireBits(t, "a", a, want)
					requireNear(t, "moved", []float64{moved}, []float64{wantMoved}, []float64{wantMoved}, sumTol(rows*k))
				})
			}
		}
	}
}

// kernelCSR is a sparse matrix the CSR kernels are checked on.
type kernelCSR struct {
	name string
	s    *CSR
}

// kernelCSRs returns the sparse patterns: a single entry, no entries at all,
// random entries with empty rows and columns (the first and the last among
// them), a single column, a fully dense row among sparse ones, a fully dense
// matrix, a dense last column that holds most entries (the last column
// ranges come out empty), no rows, a wide matrix with most columns empty,
// and a tall one large enough that the row kernels run in several blocks.
func kernelCSRs(t *testing.T) []kernelCSR {
	rng := testRand(5)
	build := func(name string, rows, cols int, keep func(i, j int) bool) kernelCSR {
		indptr := make([]int, rows+1)
		var indices []int
		var data []float64
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				if keep(i, j) {
					indices = append(indices, j)
					data = append(data, 2*rng.Float64()-1)
				}
			}
			indptr[i+1] = len(data)
		}
		if rows > 0 { // NewCSR wants at least one row; check the pattern is valid
			if _, err := NewCSR(rows, cols, indptr, indices, data); err != nil {
				t.Fatal(err)
			}
		}
		return kernelCSR{fmt.Sprintf("%s-%dx%d", name, rows, cols),
			&CSR{rows: rows, cols: cols, indptr: indptr, indices: indices, data: data}}
	}
	all := func(int, int) bool { return true }
	none := func(int, int) bool { return false }
	density := func(d float64) func(int, int) bool { return func(int, int) bool { return rng.Float64() < d } }
	return []kernelCSR{
		build("single-entry", 1, 1, all),
		build("empty", 1, 1, none),
		build("empty", 5, 8, none),
		build("empty-rows-cols", 7, 5, func(i, j int) bool { return i != 0 && i != 3 && j != 2 && j != 4 && rng.Float64() < 0.7 }),
		build("single-column", 9, 1, func(i, _ int) bool { return i%3 != 1 }),
		build("dense-row", 6, 13, func(i, _ int) bool { return i == 2 || (i != 4 && rng.Float64() < 0.2) }),
		build("dense", 4, 6, all),
		build("heavy-last-column", 8, 4, func(i, j int) bool { return j == 3 || (j != 1 && rng.Float64() < 0.15) }),
		build("no-rows", 0, 3, none),
		build("wide", 3, 300, density(0.02)),
		build("tall", 400, 90, func(i, j int) bool { return i%17 != 5 && j%11 != 3 && j != 0 && j != 89 && rng.Float64() < 0.25 }),
	}
}

// naiveSpMM returns S·b for b (cols×k): each entry summed over the row's
// stored entries in order, starting from zero.
func naiveSpMM(s *CSR, b []float64, k int) []float64 {
	dst := make([]float64, s.rows*k)
	for i := 0; i < s.rows; i++ {
		for t := 0; t < k; t++ {
			var sum float64
			for p := s.indptr[i]; p < s.indptr[i+1]; p++ {
				sum = madd(sum, s.data[p], b[s.indices[p]*k+t])
			}
			dst[i*k+t] = sum
		}
	}
	return dst
}

// naiveScatter returns Sᵀ·a for a (rows×k), adding each stored entry's
// share into the row of the result its column names, row by row of S.
func naiveScatter(s *CSR, a []float64, k int) []float64 {
	dst := make([]float64, s.cols*k)
	for i := 0; i < s.rows; i++ {
		for p := s.indptr[i]; p < s.indptr[i+1]; p++ {
			c := s.indices[p]
			for t := 0; t < k; t++ {
				dst[c*k+t] = madd(dst[c*k+t], s.data[p], a[i*k+t])
			}
		}
	}
	return dst
}

func TestKernelSpMMRow(t *testing.T) {
	rng := testRand(6)
	for _, m := range kernelCSRs(t) {
		s := m.s
		for _, k := range kernelSizes {
			t.Run(fmt.Sprintf("%s/k=%d", m.name, k), func(t *testing.T) {
				b := offsetVec(rng, s.cols*k, 3, -1, 1)
				want := naiveSpMM(s, b, k)
				for i := 0; i < s.rows; i++ {
					p0, p1 := s.indptr[i], s.indptr[i+1]
					d := nanVec(k, 1)
					spmmRow(d, s.indices[p0:p1], s.data[p0:p1], b, k)
					requireBits(t, fmt.Sprintf("row %d", i), d, want[i*k:i*k+k])
				}
			})
		}
	}
}

func TestKernelSpMMJob(t *testing.T) {
	rng := testRand(7)
	pools := testPools(t, 1, 2, 3)
	job := newSpmmJob() // reused across shapes, as the solvers reuse theirs
	for _, m := range kernelCSRs(t) {
		s := m.s
		for _, k := range kernelSizes {
			t.Run(fmt.Sprintf("%s/k=%d", m.name, k), func(t *testing.T) {
				b := offsetVec(rng, s.cols*k, 1, -1, 1)
				want := naiveSpMM(s, b, k)
				for _, p := range pools {
					dst := nanVec(s.rows*k, 3)
					job.mul(p, dst, s, b, k)
					requireBits(t, fmt.Sprintf("S·b on %d goroutines", p.size()), dst, want)
				}
			})
		}
	}
}

func TestKernelSDDMMRow(t *testing.T) {
	rng := testRand(8)
	for _, m := range kernelCSRs(t) {
		s := m.s
		for _, k := range kernelSizes {
			t.Run(fmt.Sprintf("%s/k=%d", m.name, k), func(t *testing.T) {
				b := offsetVec(rng, s.cols*k, 3, -1, 1)
				for i := 0; i < s.rows; i++ {
					p0, p1 := s.indptr[i], s.indptr[i+1]
					cols := s.indices[p0:p1]
					a := offsetVec(rng, k, 1, -1, 1)
					y := nanVec(len(cols)+2, 1) // longer than the row: y[len(cols):] stays
					sddmmRow(y, cols, a, b, k)
					want, scale := make([]float64, len(cols)), make([]float64, len(cols))
					as4 := make([]float64, len(cols))
					for p, c := range cols {
						want[p], scale[p] = naiveDot(a, b[c*k:c*k+k])
						as4[p] = refDot4(a, b[c*k:c*k+k])
					}
					what := fmt.Sprintf("row %d", i)
					requireNear(t, what, y[:len(cols)], want, scale, sumTol(k))
					requireBits(t, what+" against dot4", y[:len(cols)], as4)
					if !math.IsNaN(y[len(cols)]) || !math.IsNaN(y[len(cols)+1]) {
						t.Fatalf("%s: wrote past the row's entries: %v", what, y[len(cols):])
					}
				}
			})
		}
	}
}

func TestKernelScatterMulT(t *testing.T) {
	rng := testRand(9)
	pools := testPools(t, 1, 2, 3)
	spmm, scatter := newSpmmJob(), newScatterJob()
	for _, m := range kernelCSRs(t) {
		s, st := m.s, m.s.transpose()
		for _, k := range kernelSizes {
			t.Run(fmt.Sprintf("%s/k=%d", m.name, k), func(t *testing.T) {
				a := offsetVec(rng, s.rows*k, 1, -1, 1)
				want := naiveScatter(s, a, k)
				// Sᵀ·a row by row of Sᵀ sums over S's rows in the same order.
				viaT := nanVec(s.cols*k, 0)
				spmm.mul(pools[0], viaT, st, a, k)
				requireBits(t, "Sᵀ·a by spmm on Sᵀ", viaT, want)
				for n := 1; n <= 5; n++ {
					cr := newColRanges(s, n)
					for _, p := range pools {
						dst := nanVec(s.cols*k, 3)
						scatter.mulT(p, dst, s, cr, a, k)
						requireBits(t, fmt.Sprintf("Sᵀ·a in %d ranges on %d goroutines", n, p.size()), dst, want)
					}
				}
			})
		}
	}
}

func TestKernelColRanges(t *testing.T) {
	for _, m := range kernelCSRs(t) {
		s := m.s
		nnz := len(s.indices)
		maxCol := 0                     // the most entries in one column
		before := make([]int, s.cols+1) // before[c]: the entries in columns < c
		for _, c := range s.indices {
			before[c+1]++
		}
		for c := range s.cols {
			maxCol = max(maxCol, before[c+1])
			before[c+1] += before[c]
		}
		ns := slices.Values([]int{0, 1, 2, 3, 4, 5, 7, s.cols - 1, s.cols, s.cols + 1, s.cols + 3, 1000})
		for _, n := range slices.Compact(slices.Sorted(ns)) {
			t.Run(fmt.Sprintf("%s/n=%d", m.name, n), func(t *testing.T) {
				cr := newColRanges(s, n)
				if want := max(1, min(n, s.cols)); cr.n != want {
					t.Fatalf("%d ranges, want %d (n clamped to [1, cols])", cr.n, want)
				}
				b := cr.bound
				if len(b) != cr.n+1 || b[0] != 0 || b[cr.n] != s.cols {
					t.Fatalf("bounds %v: want %d+1 of them from 0 to %d", b, cr.n, s.cols)
				}
				if !slices.IsSorted(b) {
					t.Fatalf("bounds %v decrease", b)
				}
				// About equal numbers of entries: cutting between columns, each
				// cut lies at or past its share r·nnz/n of the entries, by less
				// than one column's worth.
				for r := 1; r < cr.n; r++ {
					share := r * nnz / cr.n
					if got := before[b[r]]; got < share || got >= share+max(maxCol, 1) {
						t.Fatalf("cut %d at column %d after %d of %d entries: want %d to %d", r, b[r], got, nnz, share, share+max(maxCol, 1)-1)
					}
				}
				for i := 0; i < s.rows; i++ {
					next := s.indptr[i] // the ranges cut the row's entries in order
					for r := 0; r < cr.n; r++ {
						p0, p1 := cr.entries(s, i, r)
						if p0 != next || p1 < p0 {
							t.Fatalf("row %d range %d: entries %d..%d, want from %d", i, r, p0, p1, next)
						}
						for p := p0; p < p1; p++ {
							if c := s.indices[p]; c < b[r] || c >= b[r+1] {
								t.Fatalf("row %d range %d [%d, %d): entry %d in column %d", i, r, b[r], b[r+1], p, c)
							}
						}
						next = p1
					}
					if next != s.indptr[i+1] {
						t.Fatalf("row %d: ranges end at entry %d, want %d", i, next, s.indptr[i+1])
					}
				}
			})
		}
	}
}

// padValue fills the padding of the dense matrices, which the products must
// leave alone.
const padValue = -12345.5

// newDense returns a random rows×cols matrix for the dense products, with a
// row stride two longer than cols whose padding holds padValue, starting at
// an odd offset into its buffer; with nan its entries are NaN.
func newDense(rng *rand.Rand, rows, cols int, nan bool) blas64.General {
	stride := cols + 2
	data := offsetVec(rng, rows*stride, 1, -1, 1)
	for i := range data {
		switch {
		case i%stride >= cols:
			data[i] = padValue
		case nan:
			data[i] = math.NaN()
		}
	}
	return blas64.General{Rows: rows, Cols: cols, Stride: stride, Data: data}
}

// requirePadding fails unless g's padding columns still hold padValue.
func requirePadding(t *testing.T, what string, g blas64.General) {
	t.Helper()
	for i := 0; i < g.Rows; i++ {
		for j := g.Cols; j < g.Stride; j++ {
			if v := g.Data[i*g.Stride+j]; v != padValue {
				t.Fatalf("%s: padding (%d, %d) overwritten with %v", what, i, j, v)
			}
		}
	}
}

// packed returns g's entries row by row, without the padding.
func packed(g blas64.General) []float64 {
	out := make([]float64, 0, g.Rows*g.Cols)
	for i := 0; i < g.Rows; i++ {
		out = append(out, g.Data[i*g.Stride:i*g.Stride+g.Cols]...)
	}
	return out
}

// naiveMul returns op(a)·op(b) packed row by row, and Σ|terms| of each entry,
// each entry summed over the inner index in order from 0 with madd.
func naiveMul(a blas64.General, transA bool, b blas64.General, transB bool) (c, abs []float64) {
	at := func(g blas64.General, trans bool, i, j int) float64 {
		if trans {
			i, j = j, i
		}
		return g.Data[i*g.Stride+j]
	}
	m, inner := a.Rows, a.Cols
	if transA {
		m, inner = inner, m
	}
	n := b.Cols
	if transB {
		n = b.Rows
	}
	c, abs = make([]float64, m*n), make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			for l := 0; l < inner; l++ {
				x, y := at(a, transA, i, l), at(b, transB, l, j)
				c[i*n+j] = madd(c[i*n+j], x, y)
				abs[i*n+j] += math.Abs(x * y)
			}
		}
	}
	return c, abs
}

func TestKernelMul(t *testing.T) {
	rng := testRand(10)
	pools := testPools(t, 1, 3)
	tiled := []*mulJob{newMulJob(), newMulJob()} // one a pool, reused across shapes
	for _, j := range tiled {
		j.nativeImp = true
	}
	direct := newMulJob() // the one-call path taken with another BLAS
	direct.nativeImp = false
	// The output sizes cross the 64-row and 192-column tiles. (An inner
	// dimension of 0 is left out: subGeneral panics on the tiles past the
	// first when A is transposed or B is not; no product has one.)
	for _, m := range []int{0, 1, 2, 63, 64, 65, 130} {
		for _, n := range []int{0, 1, 3, 191, 192, 193} {
			for _, inner := range []int{1, 7} {
				for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
					transA, transB := tr[0], tr[1]
					t.Run(fmt.Sprintf("c=%dx%d/inner=%d/transA=%v/transB=%v", m, n, inner, transA, transB), func(t *testing.T) {
						var a, b blas64.General
						if transA {
							a = newDense(rng, inner, m, false)
						} else {
							a = newDense(rng, m, inner, false)
						}
						if transB {
							b = newDense(rng, n, inner, false)
						} else {
							b = newDense(rng, inner, n, false)
						}
						want, abs := naiveMul(a, transA, b, transB)
						var first []float64
						for i, p := range pools {
							c := newDense(rng, m, n, true)
							tiled[i].mul(p, c, a, transA, b, transB)
							what := fmt.Sprintf("tiled on %d goroutines", p.size())
							requirePadding(t, what, c)
							got := packed(c)
							// Another summation order than the naive loop's (sumTol),
							// but for op(b) = b the same: gonum's serial Dgemm
							// adds the products in order, and so does gemmVec,
							// fused.
							requireNear(t, what, got, want, abs, sumTol(inner))
							if !transB {
								requireBits(t, what, got, want)
							}
							if first == nil {
								first = got
							} else {
								requireBits(t, what+" against 1 goroutine", got, first)
							}
						}
						c := newDense(rng, m, n, true)
						direct.mul(pools[1], c, a, transA, b, transB)
						requirePadding(t, "one call", c)
						requireNear(t, "one call", packed(c), want, abs, sumTol(inner))
					})
				}
			}
		}
	}
}

// naiveGram returns fᵀf for f (rows×k) and Σ|terms| of each entry.
func naiveGram(f []float64, rows, k int) (g, abs []float64) {
	g, abs = make([]float64, k*k), make([]float64, k*k)
	for s := 0; s < k; s++ {
		for t := 0; t < k; t++ {
			for r := 0; r < rows; r++ {
				g[s*k+t] = madd(g[s*k+t], f[r*k+s], f[r*k+t])
				abs[s*k+t] += math.Abs(f[r*k+s] * f[r*k+t])
			}
		}
	}
	return g, abs
}

// requireSymmetric fails unless the k×k matrix a is symmetric to the bit.
func requireSymmetric(t *testing.T, what string, a []float64, k int) {
	t.Helper()
	for s := 0; s < k; s++ {
		for u := s + 1; u < k; u++ {
			if math.Float64bits(a[s*k+u]) != math.Float64bits(a[u*k+s]) {
				t.Fatalf("%s: entry (%d, %d) = %v but (%d, %d) = %v", what, s, u, a[s*k+u], u, s, a[u*k+s])
			}
		}
	}
}

func TestKernelGram(t *testing.T) {
	rng := testRand(12)
	pools := testPools(t, 1, 2, 4)
	blocked := []*gramJob{newGramJob(), newGramJob(), newGramJob()} // reused across shapes
	for _, j := range blocked {
		j.native = true
	}
	direct := newGramJob() // the one-call path taken with another BLAS
	direct.native = false
	// k = 0 is left out: Syrk rejects a 0×0 result's stride of 0, and the
	// rank is at least 1.
	for _, k := range kernelSizes[1:] {
		// Row counts around the partial Grams' blocks: one block, exactly
		// one, just over one, several.
		grain := gramGrain(k)
		rowCounts := slices.Compact(slices.Sorted(slices.Values([]int{
			0, 1, 2, 3, 255, 256, 257, grain - 1, grain, grain + 1, 3*grain + 5})))
		for _, rows := range rowCounts {
			t.Run(fmt.Sprintf("f=%dx%d", rows, k), func(t *testing.T) {
				f := offsetVec(rng, rows*k, 1, -1, 1)
				want, abs := naiveGram(f, rows, k)
				var first []float64
				for i, p := range pools {
					dst := nanVec(k*k, 3)
					blocked[i].gram(p, dst, f, rows, k)
					what := fmt.Sprintf("blocked on %d goroutines", p.size())
					requireSymmetric(t, what, dst, k)
					// Another summation order than the naive loop's (sumTol),
					// but within one block of rows the same (Syrk and
					// gemmVec add the rows' products in order).
					requireNear(t, what, dst, want, abs, sumTol(rows))
					if rows <= grain {
						requireBits(t, what+", one block", dst, want)
					}
					if first == nil {
						first = dst
					} else {
						requireBits(t, what+" against 1 goroutine", dst, first)
					}
				}
				dst := nanVec(k*k, 3)
				direct.gram(pools[2], dst, f, rows, k)
				requireSymmetric(t, "one call", dst, k)
				requireNear(t, "one call", dst, want, abs, sumTol(rows))
			})
		}
	}
}

func TestKernelMirrorUpper(t *testing.T) {
	rng := testRand(13)
	for _, k := range kernelSizes {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			a := offsetVec(rng, k*k+2, 1, -1, 1) // a[k*k:] lies past the matrix
			orig := slices.Clone(a)
			mirrorUpper(a, k)
			want := slices.Clone(orig)
			for s := 0; s < k; s++ {
				for u := 0; u < s; u++ {
					want[s*k+u] = orig[u*k+s]
				}
			}
			requireBits(t, "a", a, want)
		})
	}
}

func TestKernelSubGeneral(t *testing.T) {
	const rows, cols, stride = 7, 9, 11
	g := blas64.General{Rows: rows, Cols: cols, Stride: stride, Data: offsetVec(testRand(14), (rows-1)*stride+cols, 1, -1, 1)}
	// Every non-empty block, the whole matrix and single entries included.
	for r0 := 0; r0 < rows; r0++ {
		for r1 := r0 + 1; r1 <= rows; r1++ {
			for c0 := 0; c0 < cols; c0++ {
				for c1 := c0 + 1; c1 <= cols; c1++ {
					sub := subGeneral(g, r0, r1, c0, c1)
					name := fmt.Sprintf("rows %d..%d cols %d..%d", r0, r1, c0, c1)
					if sub.Rows != r1-r0 || sub.Cols != c1-c0 || sub.Stride != stride {
						t.Fatalf("%s: %d×%d stride %d", name, sub.Rows, sub.Cols, sub.Stride)
					}
					// Exactly the storage gonum needs, (rows−1)·stride + cols,
					// shared with g from entry (r0, c0).
					if want := (r1-r0-1)*stride + c1 - c0; len(sub.Data) != want {
						t.Fatalf("%s: %d entries of storage, want %d", name, len(sub.Data), want)
					}
					if &sub.Data[0] != &g.Data[r0*stride+c0] {
						t.Fatalf("%s: storage not shared from (%d, %d)", name, r0, c0)
					}
					for i := 0; i < sub.Rows; i++ {
						for j := 0; j < sub.Cols; j++ {
							if sub.Data[i*stride+j] != g.Data[(r0+i)*stride+c0+j] {
								t.Fatalf("%s: entry (%d, %d) differs", name, i, j)
							}
						}
					}
				}
			}
		}
	}
}

// TestKernelSpMM2Row: spmm2Row is two spmmRow over the same rows, to the
// bit, on either path.
func TestKernelSpMM2Row(t *testing.T) {
	rng := testRand(15)
	for _, m := range kernelCSRs(t) {
		s := m.s
		for _, k := range kernelSizes {
			b := offsetVec(rng, s.cols*k, 3, -1, 1)
			for i := 0; i < s.rows; i++ {
				p0, p1 := s.indptr[i], s.indptr[i+1]
				cols := s.indices[p0:p1]
				u, v := offsetVec(rng, len(cols), 1, -1, 1), offsetVec(rng, len(cols), 2, -1, 1)
				d, e := nanVec(k, 1), nanVec(k, 2)
				spmm2Row(d, e, cols, u, v, b, k)
				wd, we := nanVec(k, 0), nanVec(k, 0)
				spmmRow(wd, cols, u, b, k)
				spmmRow(we, cols, v, b, k)
				what := fmt.Sprintf("%s/k=%d row %d", m.name, k, i)
				requireBits(t, what+" d", d, wd)
				requireBits(t, what+" e", e, we)
			}
		}
	}
}
