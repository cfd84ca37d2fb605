package factor

import (
	"math"
)

// The multiplicative update (Lee & Seung, generalized to any beta by Févotte
// & Idier) scales each entry of W by the ratio of the negative and positive
// parts of the gradient of D_β(X|WH) + penalties, raised to gamma:
//
//	W ← W ⊙ ( [(X ⊙ (WH)^(β−2)) Hᵀ] / [(WH)^(β−1) Hᵀ + l1 + l2·W] )^γ
//
// with γ = 1/(2−β) for β < 1, 1/(β−1) for β > 2 and 1 otherwise, which makes
// every step decrease the objective. For β = 2 the numerator is X·Hᵀ and the
// denominator W·H·Hᵀ; for β = 1 the denominator is the row sums of H. H is
// updated the same way with the roles of W and H exchanged. scikit-learn's
// epsilon rules keep zeros from producing NaN: zero model values become
// epsilon in negative powers, zero denominators become epsilon, and for
// β < 1 (W) and β ≤ 1 (H) entries below float64's epsilon are set to zero.

// tiny is float64's machine epsilon: the multiplicative update sets factor
// entries below it to zero for beta < 1 (W) and beta ≤ 1 (H), as
// scikit-learn does for stability.
const tiny = 2.220446049250313e-16

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

// muJob applies the multiplicative step a ← a ⊙ (num/den)^γ to the rows of a
// factor, with den += l1 and den += l2·a first (and den = epsilon where it
// is 0). With an onlineSums it takes MiniBatchNMF's online step instead
// (scikit-learn's _multiplicative_update_h with A, B and ρ), entry by entry:
//
//	A ← ρ·A + num·a^(1/γ),  B ← ρ·B + den,  a ← (A/B)^γ
//
// so that A and B are the numerators and denominators of all batches so
// far, each batch's weighed by ρ once more for every later batch.
type muJob struct {
	a, num, den []float64
	acc         *onlineSums
	k           int
	pen         penalty
	gamma       float64
	floor       bool // set entries below tiny to zero
	fn          func(lo, hi int)
	task        task
}

func newMUJob(k int, gamma float64) *muJob {
	j := &muJob{k: k, gamma: gamma}
	j.fn = j.rows
	return j
}

// onlineSums are MiniBatchNMF's running numerator A and denominator B of
// the update of H (as Hᵀ, m×k like the factor) and their forget factor ρ.
type onlineSums struct {
	num, den []float64
	rho      float64
}

// apply runs the step over rows×k entries: the online step when acc is not
// nil.
func (j *muJob) apply(p *pool, a, num, den []float64, rows int, pen penalty, floor bool, acc *onlineSums) {
	j.a, j.num, j.den, j.pen, j.floor, j.acc = a, num, den, pen, floor, acc
	perRow := j.k
	if j.gamma != 1 {
		perRow *= 20 // a power per entry
	}
	p.run(&j.task, rows, grainFor(perRow), j.fn)
	j.a, j.num, j.den, j.acc = nil, nil, nil, nil
}

func (j *muJob) rows(lo, hi int) {
	l1, l2, gamma := j.pen.l1, j.pen.l2, j.gamma
	a := j.a[lo*j.k : hi*j.k]
	num := j.num[lo*j.k : hi*j.k]
	den := j.den[lo*j.k : hi*j.k]
	if gamma == 1 && j.acc == nil && muStepVec(a, num, den, l1, l2, j.floor) {
		return
	}
	for e, v := range a {
		d := den[e]
		if l1 > 0 {
			d += l1
		}
		if l2 > 0 {
			d += l2 * v
		}
		if d == 0 {
			d = epsilon
		}
		if j.acc != nil {
			a[e] = j.online(lo*j.k+e, v, num[e], d)
			continue
		}
		delta := num[e] / d
		if gamma != 1 {
			delta = math.Pow(delta, gamma)
		}
		v *= delta
		if j.floor && v < tiny {
			v = 0
		}
		a[e] = v
	}
}

// online is the online step of entry e (of the whole factor) with value v,
// numerator num and denominator d, floored like the plain step.
func (j *muJob) online(e int, v, num, d float64) float64 {
	s := j.acc
	if j.gamma != 1 {
		v = math.Pow(v, 1/j.gamma)
	}
	s.num[e] = s.num[e]*s.rho + num*v
	s.den[e] = s.den[e]*s.rho + d
	v = s.num[e] / s.den[e]
	if j.gamma != 1 {
		v = math.Pow(v, j.gamma)
	}
	if j.floor && v < tiny {
		v = 0
	}
	return v
}

// muFrob is the Frobenius multiplicative update on the frobRun skeleton:
// num = cross, den = a·gram.
type muFrob struct {
	run *frobRun
	den []float64
	job *muJob
	acc *onlineSums // MiniBatchNMF: the online step for H
}

func newMUFrob(r *frobRun) *muFrob {
	return &muFrob{run: r, den: make([]float64, max(r.n, r.m)*r.k), job: newMUJob(r.k, 1)}
}

func (u *muFrob) update(s *frobSide) error {
	den := u.den[:s.rows*u.run.k]
	u.run.mulSmall(den, s.a, s.rows, s.gram)
	var acc *onlineSums
	if s.isH {
		acc = u.acc
	}
	u.job.apply(u.run.pool, s.a, s.cross, den, s.rows, s.pen, false, acc)
	u.run.gram(s.gramOut, s.a, s.rows)
	return nil
}
