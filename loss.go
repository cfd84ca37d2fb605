package factor

import "math"

// epsilon is scikit-learn's EPSILON, float32's machine epsilon: a model value
// WH that is exactly zero is replaced by it wherever the beta divergence or
// its gradient would divide by zero or take a negative power of zero.
const epsilon = 1.1920928955078125e-07

// The beta divergence of X from its model Y = WH, summed over all entries:
//
//	beta = 2:  D(X|Y) = ½ Σ (x − y)²
//	beta = 1:  D(X|Y) = Σ x·log(x/y) − x + y
//	beta = 0:  D(X|Y) = Σ x/y − log(x/y) − 1
//	otherwise: D(X|Y) = Σ (x^β − β·x·y^(β−1) + (β−1)·y^β) / (β(β−1))
//
// with scikit-learn's handling of zeros: an entry with x = 0 contributes
// only its y terms (y for KL, y^β/β in general), and y = 0 is replaced by
// epsilon in every term that divides by y or multiplies x by a power of y.
// Unlike scikit-learn, entries with 0 < x ≤ epsilon are kept as they are
// (scikit-learn drops them from the x terms, and for Itakura-Saito then
// still subtracts 1 for each of them).

// betaTerms evaluates the beta divergence and the multiplicative update's
// weights entry by entry. It is specialized for the common betas.
type betaTerms struct {
	beta  float64
	pNum0 float64 // the numerator weight's power of y at y = 0: epsilon^(β−2), or 0 for β > 2
	pDen0 float64 // the denominator weight at y = 0: epsilon^(β−1) for β < 1, else 0
	pObj0 float64 // epsilon^(β−1), the objective's power of y at y = 0 for x > 0
	pSum0 float64 // y^β at y = 0: 0 for β > 0, epsilon^β otherwise (finite, unlike 0^β)
	powm2 func(y float64) float64
}

func newBetaTerms(beta float64) betaTerms {
	t := betaTerms{beta: beta, powm2: powFunc(beta - 2)}
	switch {
	case beta < 2:
		t.pNum0 = math.Pow(epsilon, beta-2)
	case beta == 2: // only weighted fits weigh β = 2: num = x, dx = x·y, exactly
		t.pNum0 = 1
	}
	if beta < 1 {
		t.pDen0 = math.Pow(epsilon, beta-1)
	}
	if beta != 2 {
		t.pObj0 = math.Pow(epsilon, beta-1)
	}
	if beta <= 0 {
		t.pSum0 = math.Pow(epsilon, beta)
	}
	return t
}

// powFunc returns y ↦ y^e, with faster forms for common exponents.
func powFunc(e float64) func(float64) float64 {
	switch e {
	case 0:
		return func(float64) float64 { return 1 }
	case -0.5:
		return func(y float64) float64 { return 1 / math.Sqrt(y) }
	case -1.5:
		return func(y float64) float64 { return 1 / (y * math.Sqrt(y)) }
	case 0.5:
		return math.Sqrt
	case 1:
		return func(y float64) float64 { return y }
	case 2:
		return func(y float64) float64 { return y * y }
	}
	return func(y float64) float64 { return math.Pow(y, e) }
}

// weigh is the one place that knows what an entry of X contributes to the
// beta divergence and to the multiplicative update. For the data x ≥ 0 and
// the model values y = (WH)_ij of a run of entries it computes, entry by
// entry,
//
//	num = x·y^(β−2)  the entry's weight in the numerator of the update
//	den = y^(β−1)    its weight in the denominator
//	dx, dy           its terms of the divergence (see divergence):
//	                 β = 1:    dx = x·log(x/y) − x,     dy = y
//	                 β = 0:    dx = x/y − log(x/y) − 1, dy = 0
//	                 otherwise dx = x·y^(β−1),          dy = y^β
//
// It overwrites y with num and, when g is not nil, sets g to den; it adds
// the dx to s1 and the dy to s2, entry by entry in order, and returns the
// sums. The logarithms of dx for β ∈ {0, 1} are taken only when obj is set.
// For β = 1 the denominator weight is 1 and Σ dy = Σ y is left to the
// caller, which sums it over every entry in closed form from the column
// sums of the factors; g must be nil.
//
// An entry with x = 0 has dx = 0. A model value y = 0 is replaced by epsilon
// in every term that divides by y or raises it to a negative power, and y^β
// at y = 0 is epsilon^β for β ≤ 0 (finite, unlike 0^β). β = 1 and β = 0
// are loops over the inlined klNumerator and isWeights, with their
// logarithms inline; the general case calls powTerms per entry, which
// measured faster than its arithmetic written into the loop. numerator
// gives the numerator weight of one entry from the same functions. This
// runs once per entry of X per half-iteration.
//
// A weighted fit (WithWeights, WithObservedOnly) weighs its entries with
// weighWeighted instead, from the same per-entry functions.
func (t *betaTerms) weigh(x, y, g []float64, obj bool, s1, s2 float64) (float64, float64) {
	y = y[:len(x)]
	if g != nil {
		g = g[:len(x)]
	}
	switch t.beta {
	case 1:
		for j, xv := range x {
			r := klNumerator(xv, y[j])
			y[j] = r
			if obj && xv > 0 {
				s1 += xv*math.Log(r) - xv
			}
		}
	case 0:
		for j, xv := range x {
			num, inv := isWeights(xv, y[j])
			y[j] = num
			if g != nil {
				g[j] = inv
			}
			if obj && xv > 0 {
				r := xv * inv
				s1 += r - math.Log(r) - 1
			}
		}
	default:
		for j, xv := range x {
			num, den, dx, dy := t.powTerms(xv, y[j])
			y[j] = num
			if g != nil {
				g[j] = den
			}
			s1 += dx
			s2 += dy
		}
	}
	return s1, s2
}

// weighWeighted is weigh for the entries Ω of a weighted fit: each entry's
// num, den, dx and dy are multiplied by its weight mw[j] (1 when mw is nil),
// the denominator weights always go to g, and for β = 1 the denominator
// weight is the entry's weight and Σ M·y is summed here, since Ω has no
// closed form from the factors' column sums. Entries outside Ω have weight
// 0 and are not visited, so nothing is left for a pass over the zeros.
// The objective terms are always summed. For β = 2 (weighted MU of the
// Frobenius loss) dx = x·y and dy = y², which divergence assembles into
// ½ Σ M·(x − y)².
func (t *betaTerms) weighWeighted(x, y, g, mw []float64, s1, s2 float64) (float64, float64) {
	y = y[:len(x)]
	g = g[:len(x)]
	if mw != nil {
		mw = mw[:len(x)]
	}
	for j, xv := range x {
		m := 1.0
		if mw != nil {
			m = mw[j]
		}
		yv := y[j]
		var num, den, dx, dy float64
		switch t.beta {
		case 1:
			num, den, dy = klNumerator(xv, yv), 1, yv
			if xv > 0 {
				dx = xv*math.Log(num) - xv
			}
		case 0:
			var inv float64
			num, inv = isWeights(xv, yv)
			den = inv
			if xv > 0 {
				r := xv * inv
				dx = r - math.Log(r) - 1
			}
		default:
			num, den, dx, dy = t.powTerms(xv, yv)
		}
		y[j], g[j] = m*num, m*den
		s1 += m * dx
		s2 += m * dy
	}
	return s1, s2
}

// numerator returns weigh's numerator weight x·y^(β−2) of one entry, for
// the sparse update of H, which weighs each entry as it scatters it.
func (t *betaTerms) numerator(x, y float64) float64 {
	switch t.beta {
	case 1:
		return klNumerator(x, y)
	case 0:
		num, _ := isWeights(x, y)
		return num
	}
	num, _, _, _ := t.powTerms(x, y)
	return num
}

// klNumerator returns x/y, the numerator weight for β = 1, reading y = 0
// as epsilon. It is small enough to be inlined into weigh's loop.
func klNumerator(x, y float64) float64 {
	if y == 0 {
		y = epsilon
	}
	return x / y
}

// isWeights returns the numerator and denominator weights for β = 0,
// x/y² and 1/y, reading y = 0 as epsilon. It is small enough to be inlined
// into weigh's loop.
func isWeights(x, y float64) (num, inv float64) {
	if y == 0 {
		y = epsilon
	}
	inv = 1 / y
	return inv * inv * x, inv
}

// powTerms returns num, den, dx and dy of weigh for one entry and a beta
// other than 0 and 1. (A call per entry is cheaper here than the same
// arithmetic written into weigh's loop, which keeps more values live across
// the call of powm2.)
func (t *betaTerms) powTerms(x, y float64) (num, den, dx, dy float64) {
	var pow float64 // y^(β−1), the power of y in dx
	if y > 0 {
		p := t.powm2(y)
		num, den = x*p, p*y
		pow, dy = den, den*y
	} else {
		num, den, pow, dy = x*t.pNum0, t.pDen0, t.pObj0, t.pSum0
		if y != 0 { // NaN: let the objective show it
			dy = y
		}
	}
	if x > 0 {
		dx = x * pow
	}
	return num, den, dx, dy
}

// divergence assembles D from sumDx = Σ dx over the entries with x > 0 and
// sumDy = Σ dy over all n·m entries (see weigh), and, for the general beta,
// sumXBeta = Σ_{x>0} x^β:
//
//	β = 1: D = Σ dx + Σ dy;  β = 0: D = Σ dx;
//	else:  D = (Σ x^β − β·Σ dx + (β−1)·Σ dy) / (β(β−1)).
//
// D ≥ 0; rounding that leaves a near-perfect fit slightly below zero is
// clamped.
func (t *betaTerms) divergence(sumDx, sumDy, sumXBeta float64) float64 {
	var d float64
	switch b := t.beta; b {
	case 1:
		d = sumDx + sumDy
	case 0:
		d = sumDx
	default:
		d = (sumXBeta - b*sumDx + (b-1)*sumDy) / (b * (b - 1))
	}
	return max(d, 0)
}

// sumXPow returns Σ x^β over the entries with x > 0, each times its weight
// for a weighted fit.
func (in *input) sumXPow(beta float64) float64 {
	var s float64
	if in.observed {
		for p, v := range in.csr.data {
			if v > 0 {
				m := 1.0
				if in.weight != nil {
					m = in.weight[p]
				}
				s += m * math.Pow(v, beta)
			}
		}
		return s
	}
	add := func(v float64) bool {
		if v > 0 {
			s += math.Pow(v, beta)
		}
		return false
	}
	in.find(add)
	return s
}
