package factor

import "math"

// The vector kernels every solver calls, each summing in a fixed order
// stated in its comment so that results are the same bits on every run and
// none allocating; and two helpers as widely used, grow and isFinite.
//
// The functions named here with a Go suffix are the portable kernels. On
// amd64 with AVX2 and FMA (kernels_amd64.go) dot, axpy and the kernels of
// csr_kernels.go, hals.go and products.go run in assembly instead; the
// build tag purego, and every other architecture, keep the portable ones
// (kernels_generic.go). kernels.go states each pair's orders.

// dotGo returns Σ x[i]·y[i] over len(x), summed in index order.
func dotGo(x, y []float64) float64 {
	y = y[:len(x)]
	var s float64
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

// dot4 returns Σ x[i]·y[i] over len(x) with four partial sums: s0, s1, s2
// and s3 take the indices ≡ 0, 1, 2, 3 mod 4 of the leading multiple of 4,
// s0 then the remaining indices in order, and the result is
// (s0 + s1) + (s2 + s3). Four times the throughput of dot on short vectors,
// in a fixed order.
func dot4(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		xx := x[i : i+4 : i+4]
		yy := y[i : i+4 : i+4]
		s0 += xx[0] * yy[0]
		s1 += xx[1] * yy[1]
		s2 += xx[2] * yy[2]
		s3 += xx[3] * yy[3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpyGo sets y += a·x over len(x), four entries a step.
func axpyGo(a float64, x, y []float64) {
	y = y[:len(x)]
	t := 0
	for ; t+4 <= len(x); t += 4 {
		xx := x[t : t+4 : t+4]
		yy := y[t : t+4 : t+4]
		yy[0] += a * xx[0]
		yy[1] += a * xx[1]
		yy[2] += a * xx[2]
		yy[3] += a * xx[3]
	}
	for ; t < len(x); t++ {
		y[t] += a * x[t]
	}
}

// sqNorm returns ‖a‖² in index order.
func sqNorm(a []float64) float64 { return dot(a, a) }

// absSum returns Σ|a|, for the L1 penalty of a non-negative factor.
func absSum(a []float64) float64 {
	var s float64
	for _, v := range a {
		if v < 0 {
			v = -v
		}
		s += v
	}
	return s
}

// colSums sets dst (k) to the column sums of the rows×k factor f.
func colSums(dst, f []float64, k int) []float64 {
	dst = dst[:k]
	clear(dst)
	for i := 0; i+k <= len(f); i += k {
		for t, v := range f[i : i+k] {
			dst[t] += v
		}
	}
	return dst
}

// grow returns s resized to n, reusing its storage when it is large enough.
func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// isFinite reports whether v is neither NaN nor ±Inf. It is the one
// finiteness test of the package: input entries, objectives, sums of
// factors and parsed numbers all go through it.
func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
