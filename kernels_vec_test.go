//go:build amd64 && !purego

package factor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"golang.org/x/sys/cpu"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// The assembly kernels against the portable ones, on random shapes: every
// length from 0 to 129, slices starting at every offset modulo four (so
// that no vector load is aligned by luck), random sparse rows. Where the
// vector kernel keeps the portable order and fuses the multiply-adds the
// two differ by rounding alone. Each test holds every output to the
// documented bound sumUlps(n), in units of u·Σ|terms| (u = 2⁻⁵³, the unit
// roundoff; Σ|terms| the sum of the magnitudes of the n products that make
// the output), measures the largest difference over all its cases, logs it
// (go test -v) and holds that to measuredUlps, so that a kernel drifting
// from the portable order shows. The kernels of the same operations
// (muStep, the sweeps among themselves) must give the same bits.

// sumUlps is the documented bound on |vector − portable| of an output summed
// from n products, in units of u·Σ|terms|: each sum is within γ_n ≈ n·u·Σ|terms|
// of the exact one (Higham), whatever the order and fused or not.
func sumUlps(n int) float64 { return 2 * float64(n+1) }

// measuredUlps bounds the largest difference any test below measures. The
// kernels that keep the portable order differ only in that the portable
// sum rounds each product too: a few units (at most 3.4 in these tests,
// over every length to 129); dot, which sums in another order, no more
// (at most 2.3 here).
const measuredUlps = 6.0

func requireVectorPath(t *testing.T) {
	t.Helper()
	if !(cpu.X86.HasAVX2 && cpu.X86.HasFMA) {
		t.Skip("the machine lacks AVX2 or FMA")
	}
}

// ulpMeter records the largest difference seen, in units of u·scale.
type ulpMeter struct {
	worst float64
	where string
}

func (m *ulpMeter) add(t *testing.T, got, want, scale float64, n int, where string) {
	t.Helper()
	d := math.Abs(got - want)
	if !(d <= sumUlps(n)*0x1p-53*scale) {
		t.Fatalf("%s: vector %v, portable %v: beyond %g u·Σ|terms| (Σ|terms| = %v)", where, got, want, sumUlps(n), scale)
	}
	if d == 0 {
		return
	}
	u := d / (0x1p-53 * scale)
	if !(u <= m.worst) {
		m.worst, m.where = u, where
	}
}

func (m *ulpMeter) check(t *testing.T, what string) {
	t.Helper()
	const bound = measuredUlps
	t.Logf("%s: largest difference %.3g u·Σ|terms| (at %s), bound %g", what, m.worst, m.where, bound)
	if !(m.worst <= bound) {
		t.Fatalf("%s: vector and portable kernels differ by %.3g u·Σ|terms| at %s, more than %g", what, m.worst, m.where, bound)
	}
}

// vecLengths are 0 to 129.
func vecLengths() []int {
	n := make([]int, 130)
	for i := range n {
		n[i] = i
	}
	return n
}

// randomRow returns the columns (sorted, distinct, below cols) and values of
// a random sparse row of up to maxLen entries.
func randomRow(rng *rand.Rand, cols, maxLen, off int) ([]int, []float64) {
	n := rng.IntN(min(maxLen, cols) + 1)
	idx := rng.Perm(cols)[:n]
	slices.Sort(idx)
	c := make([]int, off+n)[off:]
	copy(c, idx)
	return c, offsetVec(rng, n, off, -1, 1)
}

func TestVectorDotAxpy(t *testing.T) {
	requireVectorPath(t)
	rng := testRand(21)
	var mDot, mAxpy ulpMeter
	for _, n := range vecLengths() {
		for off := range 4 {
			x, y := offsetVec(rng, n, off, -1, 1), offsetVec(rng, n, (off+1)%4, -1, 1)
			_, abs := naiveDot(x, y)
			got, want := dotAVX2(x, y), dotGo(x, y)
			if got != refDot(x, y) {
				t.Fatalf("dotAVX2 n=%d off=%d: %v, want refDot's %v", n, off, got, refDot(x, y))
			}
			mDot.add(t, got, want, abs, n, fmt.Sprintf("n=%d", n))
			// axpy: each entry one fused multiply-add against a rounded
			// product and sum, a sum of two terms.
			a := rng.Float64()*2 - 1
			y1, y2 := slices.Clone(y), slices.Clone(y)
			axpyAVX2(a, x, y1)
			axpyGo(a, x, y2)
			for i := range y1 {
				if y1[i] != math.FMA(a, x[i], y[i]) {
					t.Fatalf("axpyAVX2 n=%d: y[%d] = %v, want fma %v", n, i, y1[i], math.FMA(a, x[i], y[i]))
				}
				mAxpy.add(t, y1[i], y2[i], math.Abs(y[i])+math.Abs(a*x[i]), 2, fmt.Sprintf("n=%d", n))
			}
		}
	}
	mDot.check(t, "dot")
	mAxpy.check(t, "axpy")
}

func TestVectorSparseRows(t *testing.T) {
	requireVectorPath(t)
	rng := testRand(22)
	var mSpmm, mSddmm, mScatter ulpMeter
	for _, k := range vecLengths() {
		for trial := range 6 {
			off := trial % 4
			const rowsB = 40
			b := offsetVec(rng, rowsB*k, off, -1, 1)
			cols, vals := randomRow(rng, rowsB, 60, off)
			where := fmt.Sprintf("k=%d len=%d", k, len(cols))

			// spmmRow: d[t] = Σ_p vals[p]·b[cols[p], t].
			d1, d2 := nanVec(k, off), nanVec(k, (off+2)%4)
			spmmRow(d1, cols, vals, b, k)
			spmmRowGo(d2, cols, vals, b, k)
			for t2 := range k {
				var abs float64
				for p, c := range cols {
					abs += math.Abs(vals[p] * b[c*k+t2])
				}
				mSpmm.add(t, d1[t2], d2[t2], abs, len(cols), where)
			}

			// sddmmRow: y[p] = a·b[cols[p], :].
			a := offsetVec(rng, k, (off+3)%4, -1, 1)
			y1, y2 := nanVec(len(cols), off), nanVec(len(cols), 1)
			sddmmRow(y1, cols, a, b, k)
			sddmmRowGo(y2, cols, a, b, k)
			for p, c := range cols {
				_, abs := naiveDot(a, b[c*k:c*k+k])
				mSddmm.add(t, y1[p], y2[p], abs, k, where)
			}

			// scatterRow: dst[cols[p], :] += vals[p]·a, from a random dst.
			dst1 := offsetVec(rng, rowsB*k, off, -1, 1)
			dst2 := slices.Clone(dst1)
			start := slices.Clone(dst1)
			scatterRow(dst1, cols, vals, a, k)
			scatterRowGo(dst2, cols, vals, a, k)
			for p, c := range cols {
				for t2 := range k {
					i := c*k + t2
					mScatter.add(t, dst1[i], dst2[i], math.Abs(start[i])+math.Abs(vals[p]*a[t2]), 2, where)
				}
			}
		}
	}
	mSpmm.check(t, "spmmRow")
	mSddmm.check(t, "sddmmRow")
	mScatter.check(t, "scatterRow")
}

// TestVectorKernelIndex: a column past the dense operand panics on the
// vector path as it does on the portable one, before anything is read
// from beyond it.
func TestVectorKernelIndex(t *testing.T) {
	requireVectorPath(t)
	const k = 5
	b := make([]float64, 3*k)
	for _, c := range []int{3, 1 << 40, -1} {
		for name, f := range map[string]func(){
			"spmmRow":    func() { spmmRow(make([]float64, k), []int{0, c}, []float64{1, 1}, b, k) },
			"sddmmRow":   func() { sddmmRow(make([]float64, 2), []int{0, c}, make([]float64, k), b, k) },
			"scatterRow": func() { scatterRow(b, []int{0, c}, []float64{1, 1}, make([]float64, k), k) },
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s with column %d of 3: no panic", name, c)
					}
				}()
				f()
			}()
		}
	}
}

func TestVectorHALSSweeps(t *testing.T) {
	requireVectorPath(t)
	rng := testRand(23)
	for _, k := range vecLengths()[1:] {
		for _, sc := range sweepCases {
			a, c, g := halsProblem(rng, 4, k, sc.zeroDiag)
			// The transposed and the row-major four-row kernels, and the
			// one-row kernel row by row, do the same operations.
			aT, aR, a1 := slices.Clone(a), slices.Clone(a), slices.Clone(a)
			var buf sweepBuf
			if k <= maxSweepK {
				buf.sweep4(aT, c, g, k, sc.l1)
			} else {
				halsSweep4AVX2(aT, c, g, k, sc.l1)
			}
			halsSweep4AVX2(aR, c, g, k, sc.l1)
			for e := range 4 {
				halsSweepAVX2(a1[e*k:e*k+k], c[e*k:e*k+k], g, sc.l1)
			}
			name := fmt.Sprintf("k=%d l1=%v zeroDiag=%v", k, sc.l1, sc.zeroDiag)
			requireBits(t, name+": transposed against row-major", aT, aR)
			requireBits(t, name+": four rows against one by one", aR, a1)
			// Against the portable sweep: a rounding difference in one
			// gradient carries into the later ones, as in TestKernelHALSSweep.
			aGo := slices.Clone(a)
			halsSweep4Go(aGo, c, g, k, sc.l1)
			scale := slices.Repeat([]float64{1 + slices.Max(aGo)}, len(aGo))
			requireNear(t, name+": against halsSweep4Go", aR, aGo, scale, 4*sumTol(k))
		}
	}
}

func TestVectorGemm(t *testing.T) {
	requireVectorPath(t)
	rng := testRand(24)
	var m ulpMeter
	for trial := range 300 {
		// (An inner dimension of 0 the tiled product cannot take; gemmVec
		// then writes zeros, checked after the loop.)
		rows, cols, depth := rng.IntN(20), rng.IntN(30), 1+rng.IntN(129)
		if trial%10 == 0 {
			rows, cols = 1+rng.IntN(70), 1+rng.IntN(70)
		}
		transA := trial%2 == 1
		var a blas64.General
		if transA {
			a = newDense(rng, depth, rows, false)
		} else {
			a = newDense(rng, rows, depth, false)
		}
		b := newDense(rng, depth, cols, false)
		c1, c2 := newDense(rng, rows, cols, true), newDense(rng, rows, cols, true)
		if !gemmVec(c1, a, transA, b) {
			t.Fatal("gemmVec refused on the vector path")
		}
		mul := newMulJob()
		mul.nativeImp = true
		restore := setKernelPath("go")
		p := newPool(1)
		mul.mul(p, c2, a, transA, b, false)
		p.close()
		restore()
		requirePadding(t, "gemmVec", c1)
		_, abs := naiveMul(a, transA, b, false)
		g1, g2 := packed(c1), packed(c2)
		for i := range g1 {
			m.add(t, g1[i], g2[i], abs[i], depth, fmt.Sprintf("%dx%dx%d", rows, cols, depth))
		}
	}
	m.check(t, "gemm")
	c := newDense(rng, 3, 5, true)
	if !gemmVec(c, newDense(rng, 3, 0, false), false, newDense(rng, 0, 5, false)) {
		t.Fatal("gemmVec refused on the vector path")
	}
	requireBits(t, "depth 0", packed(c), make([]float64, 15))
}

func TestVectorMUStep(t *testing.T) {
	requireVectorPath(t)
	rng := testRand(25)
	for _, n := range vecLengths() {
		for _, pen := range []struct{ l1, l2 float64 }{{0, 0}, {0.1, 0}, {0, 0.2}, {0.1, 0.2}} {
			for _, floor := range []bool{false, true} {
				a := offsetVec(rng, n, n%4, 0, 1)
				num, den := offsetVec(rng, n, 1, 0, 1), offsetVec(rng, n, 2, 0, 1)
				for i := range a { // zeros, tiny values and a NaN where the step branches
					switch rng.IntN(12) {
					case 0:
						den[i] = 0
					case 1:
						num[i] = 1e-300
					case 2:
						a[i] = 0
					case 3:
						num[i] = math.NaN()
					}
				}
				j := muJob{k: 1, gamma: 1, pen: penalty{l1: pen.l1, l2: pen.l2}, floor: floor}
				a1, a2 := slices.Clone(a), slices.Clone(a)
				j.a, j.num, j.den = a1, num, den
				j.rows(0, n)
				restore := setKernelPath("go")
				j.a = a2
				j.rows(0, n)
				restore()
				requireBits(t, fmt.Sprintf("muStep n=%d l1=%v l2=%v floor=%v", n, pen.l1, pen.l2, floor), a1, a2)
			}
		}
	}
}

func TestVectorTrsm(t *testing.T) {
	requireVectorPath(t)
	rng := testRand(26)
	var m ulpMeter
	for _, n := range []int{1, 2, 3, 5, 8, 17, 30, 40, 64} {
		for _, rows := range []int{0, 1, 7, 8, 9, 23} {
			// A well-conditioned upper triangular R; its lower triangle holds
			// NaN, which the solve must not read.
			r := offsetVec(rng, n*n, 1, -0.5, 0.5)
			for i := range n {
				r[i*n+i] = 1 + rng.Float64()
				for j := range i {
					r[i*n+j] = math.NaN()
				}
			}
			b := offsetVec(rng, rows*n, 3, -1, 1)
			b1, b2 := slices.Clone(b), slices.Clone(b)
			if !trsmVec(b1, rows, n, r) {
				t.Fatal("trsmVec refused on the vector path")
			}
			tri := blas64.Triangular{N: n, Stride: n, Data: r, Uplo: blas.Upper, Diag: blas.NonUnit}
			blas64.Trsm(blas.Right, blas.NoTrans, 1, tri, general(rows, n, b2))
			// x_j = (b_j − Σ_{k<j} x_k·R[k,j]) / R[j,j]: the terms of x_j.
			for i := range rows {
				for j := range n {
					abs := math.Abs(b[i*n+j])
					for k := range j {
						abs += math.Abs(b2[i*n+k] * r[k*n+j])
					}
					m.add(t, b1[i*n+j], b2[i*n+j], abs/r[j*n+j], j+1, fmt.Sprintf("n=%d rows=%d (%d, %d)", n, rows, i, j))
				}
			}
		}
	}
	m.check(t, "trsm")
}
