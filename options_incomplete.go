package factor

import "gonum.org/v1/gonum/mat"

// The options of incomplete and weighted data: WithWeights and
// WithObservedOnly for NMF and VanillaALS, and VanillaALS's
// WithCountScaledAlpha and WithNonNegative.

// WithWeights gives every entry of X a weight M_ij ≥ 0 (NMF and
// VanillaALS). M has X's shape and finite entries; it is a *mat.Dense, a
// *CSR, whose unstored entries weigh 0, or any mat.Matrix (copied once).
// The loss becomes the weighted sum over the entries,
//
//	NMF:        Σ_ij M_ij·d_β(x_ij | (WH)_ij) + the penalties of NMF
//	VanillaALS: Σ_ij M_ij·(x_ij − (WH)_ij)² + the ridge penalty
//
// so that an entry of weight 0 does not count: its value in X is never
// read, though it must be finite (NaN marks a missing entry only with
// WithObservedOnly). Only the entries of positive weight, Ω, are visited:
// an iteration costs O(|Ω|·k) for HALS and MU of any β and
// O(|Ω|·k² + (n+m)·k³) for VanillaALS, whatever the form of X. All-one
// weights give the unweighted fit, in exact arithmetic. A row or column
// with no entry in Ω gets a zero row of W or column of H; a fit with Ω
// empty is an error wrapping ErrShape. AcceleratedHALS does not take
// weights (its cheap repeated sweeps rest on the Gram matrix HHᵀ, which a
// weighted loss does not have): Fit refuses the pair with ErrInvalidOption.
// The matrix is read by Fit, not here, and is not saved in model files.
func WithWeights(m mat.Matrix) Option {
	return func(c *config) { c.weights = m; c.set |= optWeights }
}

// WithObservedOnly makes only the observed entries of X count (NMF and
// VanillaALS): the stored entries of a *CSR X, whose unstored entries are
// then unknown rather than zero (ratings), and the entries of a dense X
// that are not NaN. The loss is summed over the observed entries, as with
// WithWeights of 1 on them and 0 elsewhere; with WithWeights as well, the
// weights apply to the observed entries. Without this option a NaN in X is
// an error wrapping ErrNotFinite. A fitted model keeps the rule: its
// Transform reads the unstored entries of a *CSR and the NaN entries of a
// dense matrix as missing too, which folds in a new row from the entries it
// has. A dense X with no NaN and no WithWeights is fitted as complete data,
// on the unweighted path.
func WithObservedOnly() Option {
	return func(c *config) { c.observedOnly = true; c.set |= optObservedOnly }
}

// WithCountScaledAlpha scales the ridge weight of VanillaALS by how much
// each row and column is observed (ALS-WR, Zhou et al. 2008, as Spark
// MLlib's explicit ALS): the objective becomes
//
//	Σ_ij M_ij·(x_ij − (WH)_ij)² + α·(Σ_i n_i·‖w_i‖² + Σ_j n_j·‖h_j‖²)
//
// with n_i the number of entries of row i of weight > 0 (m for complete
// data) and n_j of column j (VanillaALS only). Transform scales the ridge
// weight of each new row by its own count.
func WithCountScaledAlpha() Option {
	return func(c *config) { c.countScaled = true; c.set |= optCountScaledAlpha }
}

// WithNonNegative constrains W and H of VanillaALS to be non-negative:
// every row solve is the exact non-negative least squares problem
// min_w Σ_j M_ij·(x_ij − w·h_j)² + λ_i·‖w‖² over w ≥ 0 (the active-set
// method of nnqp), as Spark's nonnegative = true, which makes VanillaALS
// an alternating non-negative least squares (ANLS) solver for NMF of the
// Frobenius loss with a ridge penalty (VanillaALS only). X may still have
// either sign; WithInitialFactors must be non-negative, and so must the W
// passed to InverseTransform.
func WithNonNegative() Option {
	return func(c *config) { c.nonNegative = true; c.set |= optNonNegative }
}

// incomplete reports whether a fit counts only some entries of X, or
// weighs them: WithWeights or WithObservedOnly.
func (c *config) incomplete() bool { return c.set&(optWeights|optObservedOnly) != 0 }
