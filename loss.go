package factor

import "math"

// epsilon is scikit-learn's EPSILON, float32's machine epsilon: a model value
// WH that is exactly zero is replaced by it wherever the beta divergence or
// its gradient would divide by zero or take a negative power of zero.
const epsilon = 1.1920928955078125e-07

// tiny is float64's machine epsilon: the multiplicative update sets factor
// entries below it to zero for beta < 1 (W) and beta ≤ 1 (H), as
// scikit-learn does for stability.
const tiny = 2.220446049250313e-16

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
	if beta < 2 {
		t.pNum0 = math.Pow(epsilon, beta-2)
	}
	if beta < 1 {
		t.pDen0 = math.Pow(epsilon, beta-1)
	}
	t.pObj0 = math.Pow(epsilon, beta-1)
	if beta <= 0 {
		t.pSum0 = math.Pow(epsilon, beta)
	}
	return t
}

// powFunc returns y ↦ y^e, with faster forms for common exponents.
func powFunc(e float64) func(float64) float64 {
	switch e {
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

// weigh reads the data x and the model values y at the same entries. It
// overwrites y with the numerator weights x·y^(β−2) of the multiplicative
// update and, when g is not nil, sets g to the denominator weights y^(β−1).
// With sums set it returns the entries' sums for the objective: s1 is the
// whole divergence of these entries for beta 0 and 1 (without the Σy of
// KL), and Σ x·y^(β−1) otherwise, with s2 = Σ y^β.
func (t *betaTerms) weigh(x, y, g []float64, sums bool) (s1, s2 float64) {
	y = y[:len(x)]
	switch t.beta {
	case 1:
		for j, xv := range x {
			yv := y[j]
			if yv == 0 {
				yv = epsilon
			}
			r := xv / yv
			y[j] = r
			if sums && xv > 0 {
				s1 += xv*math.Log(r) - xv
			}
		}
	case 0:
		for j, xv := range x {
			yv := y[j]
			if yv == 0 {
				yv = epsilon
			}
			inv := 1 / yv
			y[j] = inv * inv * xv
			if g != nil {
				g[j] = inv
			}
			if sums && xv > 0 {
				r := xv * inv
				s1 += r - math.Log(r) - 1
			}
		}
	default:
		for j, xv := range x {
			yv := y[j]
			var num, den, obj, sum float64
			if yv > 0 {
				p := t.powm2(yv)
				num = xv * p
				den = p * yv
				obj = den
				sum = den * yv
			} else {
				num = xv * t.pNum0
				den = t.pDen0
				obj = t.pObj0
				sum = t.pSum0
				if yv != 0 { // NaN: let the objective show it
					sum = yv
				}
			}
			y[j] = num
			if g != nil {
				g[j] = den
			}
			if xv > 0 {
				s1 += xv * obj
			}
			s2 += sum
		}
	}
	return s1, s2
}

// numWeight returns the numerator weight of one entry, exactly as weigh
// computes it.
func (t *betaTerms) numWeight(x, y float64) float64 {
	switch t.beta {
	case 1:
		if y == 0 {
			y = epsilon
		}
		return x / y
	case 0:
		if y == 0 {
			y = epsilon
		}
		inv := 1 / y
		return inv * inv * x
	}
	if y > 0 {
		return x * t.powm2(y)
	}
	return x * t.pNum0
}

// denWeight returns the denominator weight y^(β−1) and y^β for one model
// value, for the sparse path that evaluates every entry of a row.
func (t *betaTerms) denWeight(y float64) (den, sum float64) {
	switch {
	case y > 0:
		p := t.powm2(y)
		den = p * y
		return den, den * y
	case y == 0:
		return t.pDen0, t.pSum0
	}
	return y, y // NaN: let the objective show it
}

// divergence assembles D from the sums of weigh: sumY = Σ_all y (KL),
// sumXBeta = Σ_{x>0} x^β (general beta). D ≥ 0; rounding that leaves a
// near-perfect fit slightly below zero is clamped.
func (t *betaTerms) divergence(s1, s2, sumY, sumXBeta float64) float64 {
	var d float64
	switch b := t.beta; b {
	case 1:
		d = s1 + sumY
	case 0:
		d = s1
	default:
		d = (sumXBeta - b*s1 + (b-1)*s2) / (b * (b - 1))
	}
	return max(d, 0)
}

// gammaFor returns the exponent of the multiplicative update (Févotte &
// Idier's maximization-minimization step): 1/(2−β) for β < 1, 1/(β−1) for
// β > 2, and 1 in between.
func gammaFor(beta float64) float64 {
	switch {
	case beta < 1:
		return 1 / (2 - beta)
	case beta > 2:
		return 1 / (beta - 1)
	}
	return 1
}

// penalty holds the scaled regularization of one factor:
// l1·|A|₁ + ½·l2·‖A‖², with l1 = alpha·l1Ratio·s and l2 = alpha·(1−l1Ratio)·s,
// where s is m for W and n for H (scikit-learn 1.2's scaling).
type penalty struct{ l1, l2 float64 }

func newPenalty(alpha, l1Ratio float64, scale int) penalty {
	s := float64(scale)
	return penalty{l1: s * alpha * l1Ratio, l2: s * alpha * (1 - l1Ratio)}
}

// of returns the penalty's value on a factor.
func (p penalty) of(a []float64) float64 {
	var v float64
	if p.l1 != 0 {
		v += p.l1 * absSum(a)
	}
	if p.l2 != 0 {
		v += 0.5 * p.l2 * sqNorm(a)
	}
	return v
}

// sumXPow returns Σ x^β over the entries with x > 0.
func (in *input) sumXPow(beta float64) float64 {
	var s float64
	add := func(v float64) bool {
		if v > 0 {
			s += math.Pow(v, beta)
		}
		return false
	}
	in.find(add)
	return s
}
