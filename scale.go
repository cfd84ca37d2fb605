package factor

import (
	"fmt"
	"math"
)

// Fits and Transforms run at unit scale. The floors of the solvers are
// absolute: scikit-learn's epsilon for a zero model value, MU's 2.2e-16 for
// factor entries, NNDSVD's 1e-6, and ‖X‖² must neither overflow nor
// underflow. So that a fit of s·X is as good as a fit of X for any s, data
// whose typical entry is far from 1 is divided by a power of four c first,
// the factors are solved at that scale, and the results are scaled back,
// exactly: W and H by √c (a power of two), the objective by c^β (the
// divergence is homogeneous, D_β(cX | cY) = c^β·D_β(X | Y)), with the
// penalties rescaled so that the scaled problem is the same problem (see
// penalty.rescaled). Data whose typical entry lies within 2^±scaleBand of 1
// is left as it is, bit for bit. Transform brings the fitted H to unit scale
// too when it brings X there, and otherwise only when H's typical entry
// lies beyond 2^±factorBand, where the floors would act on W.

// scaleBand bounds the binary exponent of the typical entry of data that
// is fitted as it is.
const scaleBand = 10

// factorBand bounds the binary exponent of the typical entry of a fitted H
// that Transform of data inside scaleBand uses as it is.
const factorBand = 40

// unitScale returns the power of four c by which X is divided to bring its
// typical entry, the median magnitude of its nonzero stored entries (taken
// from their binary exponents, robust to outliers both large and small), to
// within a factor of two of 1, or 1 when it lies within 2^±scaleBand
// already.
func (in *input) unitScale() float64 {
	var h exponents
	in.find(func(v float64) bool { h.add(v); return false })
	return h.scale(scaleBand)
}

// factorScale is unitScale for a fitted factor of entries f, with the band
// 2^±band.
func factorScale(f []float64, band int) float64 {
	var h exponents
	for _, v := range f {
		h.add(v)
	}
	return h.scale(band)
}

// exponents is a histogram of the binary exponents of nonzero values.
type exponents struct {
	count [2 * 1100]int // exponents from −1100 (below the subnormals) to 1099
	total int
}

func (h *exponents) add(v float64) {
	if v != 0 {
		_, e := math.Frexp(v)
		h.count[e+1100]++
		h.total++
	}
}

// scale returns 4^round(e/2) for the median exponent e, or 1 when it lies
// inside 2^±band (or there are no values).
func (h *exponents) scale(band int) float64 {
	seen := 0
	for i, n := range h.count {
		if seen += n; 2*seen > h.total {
			e := i - 1100
			if e >= -band && e <= band {
				return 1
			}
			return math.Ldexp(1, 2*int(math.Round(float64(e)/2)))
		}
	}
	return 1
}

// scaled returns X/c as a new input with scale c. Its CSR shares X's
// structure. It fails if an entry of X leaves float64's normal range at
// that scale, which only data spanning most of that range can do.
func (in *input) scaled(c float64, name string) (*input, error) {
	out := &input{n: in.n, m: in.m, scale: c, observed: in.observed, weight: in.weight, fromDense: in.fromDense}
	var lost func(v, s float64) bool = func(v, s float64) bool {
		return v != 0 && (math.Abs(s) < 0x1p-1022 || !isFinite(s))
	}
	if in.sparse() && !in.hasDense() {
		data := make([]float64, len(in.csr.data))
		for p, v := range in.csr.data {
			data[p] = v / c
			if lost(v, data[p]) {
				return nil, scaleError(name, v, c)
			}
		}
		out.csr = &CSR{rows: in.n, cols: in.m, indptr: in.csr.indptr, indices: in.csr.indices, data: data}
	} else {
		data := make([]float64, in.n*in.m)
		for i := 0; i < in.n; i++ {
			row := data[i*in.m : (i+1)*in.m]
			for j, v := range in.denseRow(i) {
				row[j] = v / c
				if lost(v, row[j]) {
					return nil, scaleError(name, v, c)
				}
			}
		}
		out.dense = general(in.n, in.m, data)
	}
	out.sumSq = out.sumSquares()
	return out, nil
}

func scaleError(name string, v, c float64) error {
	return fmt.Errorf("%w: %s has an entry %g that leaves float64's range when %s is brought to unit scale (divided by %g): its entries span too wide a range",
		ErrNotFinite, name, v, name, c)
}

// rescaled returns the penalty of the same problem solved at a smaller
// scale: with the data divided by a and the fixed factor by b, the solved
// factor F = (a/b)·F̃, and the objective divided by a^β, the penalty
// l1·|F|₁ + ½·l2·‖F‖² becomes l1·a^(1−β)/b·|F̃|₁ + ½·l2·a^(2−β)/b²·‖F̃‖². A
// fit that divides X by c and both factors by √c takes a = c, b = √c.
//
// A weight that overflows at unit scale is the largest float64, which
// drives the factor to 0 as the infinite weight would, without making
// 0·∞ = NaN of its penalty.
func (p penalty) rescaled(beta, a, b float64) penalty {
	if a == 1 && b == 1 {
		return p
	}
	times := func(w, f float64) float64 {
		if w == 0 {
			return 0
		}
		return min(w*f, math.MaxFloat64)
	}
	// a^(1−β)/b and a^(2−β)/b², each as one power of two's exponent where
	// a and b are powers of two, so that no intermediate overflows.
	la, lb := math.Log2(a), math.Log2(b)
	return penalty{
		l1: times(p.l1, math.Exp2((1-beta)*la-lb)),
		l2: times(p.l2, math.Exp2((2-beta)*la-2*lb)),
	}
}

// scaleSlice multiplies every entry of f by s.
func scaleSlice(f []float64, s float64) {
	for i := range f {
		f[i] *= s
	}
}

// toUnitScale replaces in by X/c when X is far from unit scale (unitScale),
// and returns c.
func toUnitScale(in **input, name string) (float64, error) {
	c := (*in).unitScale()
	if c == 1 {
		return 1, nil
	}
	scaled, err := (*in).scaled(c, name)
	if err != nil {
		return 0, err
	}
	*in = scaled
	return c, nil
}

// unscale brings the outcome of a fit of X/c back to X's scale: W and Hᵀ
// times √c, the objective, loss and history times c^β. It fails when the
// objective is not representable at X's scale.
func (out *outcome) unscale(c, beta float64) error {
	if c == 1 {
		return nil
	}
	r, f := math.Sqrt(c), math.Pow(c, beta)
	if unit := out.objective; !isFinite(unit * f) {
		return fmt.Errorf("%w: the objective of the fit, %g at unit scale, overflows float64 at the scale of X (times 2^%g); rescale X", ErrNotFinite, unit, beta*math.Log2(c))
	}
	scaleSlice(out.w, r)
	scaleSlice(out.ht, r)
	scaleSlice(out.history, f)
	out.objective *= f
	out.loss *= f
	return nil
}
