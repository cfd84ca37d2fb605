package factor

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
	var abs, sq float64
	if p.l1 != 0 {
		abs = absSum(a)
	}
	if p.l2 != 0 {
		sq = sqNorm(a)
	}
	return p.ofSums(abs, sq)
}

// ofSums returns the penalty's value on a factor with Σ|a| = abs and
// ‖a‖² = sq, the sums a row-block fit adds up over its blocks of W.
func (p penalty) ofSums(abs, sq float64) float64 {
	var v float64
	if p.l1 != 0 {
		v += p.l1 * abs
	}
	if p.l2 != 0 {
		v += 0.5 * p.l2 * sq
	}
	return v
}
