package factor

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Beta values of the named divergences, for WithBeta. Any other finite real
// beta selects the general beta divergence.
const (
	Frobenius       = 2.0 // ½‖X − WH‖², the squared Frobenius norm
	KullbackLeibler = 1.0 // generalized Kullback-Leibler divergence
	ItakuraSaito    = 0.0 // Itakura-Saito divergence; X must be positive
)

// Default settings. K has no default: Fit fails unless WithK is given.
const (
	DefaultTol      = 1e-4
	DefaultMaxIter  = 200
	DefaultRestarts = 1
)

// MaxRestarts is the most runs WithRestarts accepts.
const MaxRestarts = 1_000_000

// Option configures an NMF or a VanillaALS model. Options are applied in
// order, so a later option overrides an earlier one of the same kind. They
// are not checked until Fit, which reports the first invalid one as an error
// wrapping ErrInvalidOption.
type Option func(*config)

// Progress is what a WithProgress callback receives after each iteration.
type Progress struct {
	Restart   int     // which run, from 0 to restarts-1
	Iter      int     // iterations done in this run, from 1
	Objective float64 // the model's objective after this iteration

	// K and Fold tell EstimateRank's fits apart: the number of components
	// of the fit, and 0 for the runs on all of X or t (from 1) for the fit
	// of held-out fold t, whose Restart is 0. Both are 0 in the fits of a
	// model.
	K, Fold int
}

// option identifies an option for the check that a model accepts it.
type option uint32

const (
	optK option = 1 << iota
	optAlpha
	optAlphaH
	optL1Ratio
	optTol
	optMaxIter
	optRestarts
	optSolver
	optBeta
	optInit
	optInitialFactors
	optSeed
	optProgress
	optFeatureNames
	optBatchSize
	optForgetFactor
	optMaxNoImprovement
	optFreshRestarts
	optFreshRestartsMaxIter
	optTransformMaxIter
	optWeights
	optObservedOnly
	optCountScaledAlpha
	optNonNegative
	optConfidence
	optCGSteps
	optHeldOutFraction
	optHeldOutFolds
)

// rankOnly are the options of EstimateRank that the models refuse.
const rankOnly = optHeldOutFraction | optHeldOutFolds

// rankOptions are the options that EstimateRank accepts: those of NMF
// that set up each fit, and its own. WithK (the ks are its argument),
// WithInitialFactors (of one k's shape) and WithFeatureNames (no model is
// kept) do not apply.
const rankOptions = optAlpha | optAlphaH | optL1Ratio | optTol | optMaxIter | optRestarts |
	optSolver | optBeta | optInit | optSeed | optProgress | optWeights | optObservedOnly | rankOnly

// miniBatchOnly are the options of MiniBatchNMF that NMF and VanillaALS
// refuse.
const miniBatchOnly = optBatchSize | optForgetFactor | optMaxNoImprovement |
	optFreshRestarts | optFreshRestartsMaxIter | optTransformMaxIter

// miniBatchOptions are the options that MiniBatchNMF accepts.
const miniBatchOptions = optK | optAlpha | optAlphaH | optL1Ratio | optTol | optMaxIter |
	optBeta | optInit | optInitialFactors | optSeed | optProgress | miniBatchOnly

// implicitOptions are the options that ImplicitALS accepts.
const implicitOptions = optK | optAlpha | optTol | optMaxIter | optSeed | optInitialFactors |
	optProgress | optConfidence | optCGSteps

// implicitOnly are the options of ImplicitALS that the other models refuse.
const implicitOnly = optConfidence | optCGSteps

// alsOnly are the options of VanillaALS that NMF refuses.
const alsOnly = optCountScaledAlpha | optNonNegative

// alsOptions are the options that VanillaALS accepts.
const alsOptions = optK | optAlpha | optTol | optMaxIter | optRestarts | optInit |
	optInitialFactors | optSeed | optProgress | optFeatureNames | optWeights |
	optObservedOnly | alsOnly

// stopRule is when an iterative solve stops: after maxIter iterations, or
// earlier when tol > 0 and
//
//   - (onChange false, NMF's rule) the objective fell by no more than
//     tol·f_prev over the last checkEvery iterations (see WithTol);
//   - (onChange true, MiniBatchNMF's W step, scikit-learn's _solve_W) the
//     iteration moved W by ‖W − W_prev‖_F ≤ tol·‖W‖_F, tested after every
//     iteration.
//
// A fitted model keeps the rule of its fit for the iterative W step of
// Transform. drive applies both kinds.
type stopRule struct {
	tol      float64
	maxIter  int
	onChange bool
}

// config holds the settings shared by NMF and VanillaALS.
type config struct {
	set     option // which options were given
	k       int
	alphaW  float64
	alphaH  float64
	l1Ratio float64
	stopRule
	restarts int
	solver   Solver
	beta     float64
	init     Init
	w0, h0   mat.Matrix
	seed     uint64
	progress func(Progress)
	features []string

	// Incomplete data (see WithWeights and WithObservedOnly) and the
	// settings of VanillaALS beyond ridge.
	weights      mat.Matrix
	observedOnly bool
	countScaled  bool
	nonNegative  bool

	// ImplicitALS's settings (see its options).
	confidence float64
	cgSteps    int

	// EstimateRank's held-out part (see WithHeldOutFraction).
	heldOutFraction float64
	heldOutFolds    int

	// MiniBatchNMF's settings (see its options).
	batchSize        int
	forgetFactor     float64
	maxNoImprovement int
	freshRestarts    bool
	freshMaxIter     int
	transformMaxIter int
}

// Defaults of ImplicitALS: Spark's confidence weight, and the ridge weight
// and iterations of the implicit package.
const (
	DefaultConfidence      = 1.0
	DefaultImplicitAlpha   = 0.01
	DefaultImplicitMaxIter = 15
)

// Defaults of MiniBatchNMF, scikit-learn 1.2's.
const (
	DefaultBatchSize            = 1024
	DefaultForgetFactor         = 0.7
	DefaultMaxNoImprovement     = 10
	DefaultFreshRestartsMaxIter = 30
)

func newConfig(opts []Option) config {
	c := config{
		stopRule: stopRule{tol: DefaultTol, maxIter: DefaultMaxIter},
		restarts: DefaultRestarts,
		beta:     Frobenius,

		confidence:      DefaultConfidence,
		heldOutFraction: DefaultHeldOutFraction, heldOutFolds: DefaultHeldOutFolds,

		batchSize: DefaultBatchSize, forgetFactor: DefaultForgetFactor,
		maxNoImprovement: DefaultMaxNoImprovement, freshMaxIter: DefaultFreshRestartsMaxIter,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&c)
		}
	}
	if c.set&optAlphaH == 0 {
		c.alphaH = c.alphaW
	}
	if c.set&optTransformMaxIter == 0 {
		c.transformMaxIter = c.maxIter
	}
	if c.solver == SolverAuto {
		c.solver = MU
		if c.beta == Frobenius {
			c.solver = HALS
		}
	}
	return c
}

// WithK sets the number of components, the inner dimension of W (n×k) and
// H (k×m). It is required.
func WithK(k int) Option {
	return func(c *config) { c.k = k; c.set |= optK }
}

// WithAlpha sets the regularization strength. For NMF it sets alpha_W and
// alpha_H of the objective (see NMF), scaled as in scikit-learn 1.2; for
// VanillaALS it is the ridge weight alpha. Default 0.
func WithAlpha(alpha float64) Option {
	return func(c *config) { c.alphaW = alpha; c.set |= optAlpha }
}

// WithAlphaH sets alpha_H alone, overriding WithAlpha for H (NMF only).
func WithAlphaH(alpha float64) Option {
	return func(c *config) { c.alphaH = alpha; c.set |= optAlphaH }
}

// WithL1Ratio sets the share l1 in [0, 1] of the L1 penalty in the
// regularization: 0 is a pure L2 (ridge) penalty, 1 a pure L1 (lasso)
// penalty (NMF only). Default 0.
func WithL1Ratio(l1 float64) Option {
	return func(c *config) { c.l1Ratio = l1; c.set |= optL1Ratio }
}

// WithTol sets the stopping tolerance t ≥ 0. Every 10 iterations the
// objective f is compared with its value at the previous check, and the fit
// stops when f_prev − f ≤ t·f_prev. WithTol(0) runs exactly MaxIter
// iterations. Default 1e-4.
func WithTol(tol float64) Option {
	return func(c *config) { c.tol = tol; c.set |= optTol }
}

// WithMaxIter sets the most iterations a run may take (≥ 0). WithMaxIter(0)
// leaves the initial factors in place, to inspect an initialization.
// Default 200.
func WithMaxIter(n int) Option {
	return func(c *config) { c.maxIter = n; c.set |= optMaxIter }
}

// WithRestarts sets the number of runs r, from 1 to MaxRestarts. The first
// starts from the configured initialization, the others from independent
// random starts seeded from WithSeed; the run with the lowest objective is
// kept (the lowest index on a tie), so r runs never do worse than one. Runs
// proceed concurrently on GOMAXPROCS workers, and only the best so far is
// kept; the result does not depend on their timing. Default 1 (for
// EstimateRank, whose consensus is over the runs of each k,
// DefaultRankRestarts).
func WithRestarts(r int) Option {
	return func(c *config) { c.restarts = r; c.set |= optRestarts }
}

// WithSolver selects the NMF algorithm. The default is HALS for the
// Frobenius loss and MU otherwise; HALS handles only beta = 2.
func WithSolver(s Solver) Option {
	return func(c *config) { c.solver = s; c.set |= optSolver }
}

// WithBeta selects the beta divergence NMF minimizes: Frobenius (2),
// KullbackLeibler (1), ItakuraSaito (0) or any other finite real beta.
// Default Frobenius. For beta ≤ 0 the data must be strictly positive.
func WithBeta(beta float64) Option {
	return func(c *config) { c.beta = beta; c.set |= optBeta }
}

// WithInit selects how the factors start. The default, InitAuto, is
// scikit-learn's: InitNNDSVDA when k ≤ min(n, m), InitRandom otherwise.
// VanillaALS accepts InitAuto and InitRandom.
func WithInit(init Init) Option {
	return func(c *config) { c.init = init; c.set |= optInit }
}

// WithInitialFactors starts the first run from copies of W (n×k) and H
// (k×m), which take precedence over WithInit. For NMF they must be
// non-negative and not all zero. The matrices are read by Fit, not here.
func WithInitialFactors(w, h mat.Matrix) Option {
	return func(c *config) { c.w0, c.h0 = w, h; c.set |= optInitialFactors }
}

// WithSeed seeds every random choice of a fit: random starts, the
// randomized SVD of large inputs, NNDSVDAR's fill and the starts of later
// restarts. The same seed, data and settings give bit-identical factors
// whatever GOMAXPROCS is. Default 0.
func WithSeed(seed uint64) Option {
	return func(c *config) { c.seed = seed; c.set |= optSeed }
}

// WithProgress sets a function called after every iteration of every run
// with the iteration number and objective. Calls are serialized, but with
// several restarts the calls of different runs interleave.
func WithProgress(f func(Progress)) Option {
	return func(c *config) { c.progress = f; c.set |= optProgress }
}

// WithFeatureNames names the m columns of X, the features, for the fitted
// model to keep (FeatureNames) and its model file to carry, as the names of
// a CSV header or a vocabulary. Fit checks that there are m of them. The
// slice is copied by Fit.
func WithFeatureNames(names []string) Option {
	return func(c *config) { c.features = names; c.set |= optFeatureNames }
}

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

// WithConfidence sets the confidence weight a ≥ 0 of ImplicitALS: an
// interaction r > 0 counts with confidence c = 1 + a·r in its loss, every
// other entry with 1 (Hu, Koren & Volinsky 2008; Spark's alpha).
// Default 1 (ImplicitALS only).
func WithConfidence(a float64) Option {
	return func(c *config) { c.confidence = a; c.set |= optConfidence }
}

// WithCGSteps sets how ImplicitALS solves each row: 0, the default, by the
// exact Cholesky solve of its normal equations, O(L·k² + k³) for a row of
// L interactions; s > 0 by s steps of the conjugate gradient method from
// the row's value of the previous iteration (Takács, Pilászy & Tikk 2011,
// as the implicit package does), O(s·(L·k + k²)), an approximation that
// gets close in a few iterations (ImplicitALS only).
func WithCGSteps(s int) Option {
	return func(c *config) { c.cgSteps = s; c.set |= optCGSteps }
}

// WithHeldOutFraction sets the share p in (0, 1) of the entries that each
// held-out fold of EstimateRank hides from its fit: h = round(p·N) of the N
// entries that count, at least 1 and at most N − 1 (EstimateRank only).
// Default 0.1.
func WithHeldOutFraction(p float64) Option {
	return func(c *config) { c.heldOutFraction = p; c.set |= optHeldOutFraction }
}

// WithHeldOutFolds sets the number f ≥ 0 of held-out folds of
// EstimateRank, each one fit per k with its h entries at weight 0, scored
// on them; 0 leaves out the held-out part (EstimateRank only). Default 5.
func WithHeldOutFolds(f int) Option {
	return func(c *config) { c.heldOutFolds = f; c.set |= optHeldOutFolds }
}

// WithBatchSize sets the number of rows b ≥ 1 of a minibatch of
// MiniBatchNMF (MiniBatchNMF only). Default 1024; a fit of n < b rows uses
// batches of n.
func WithBatchSize(b int) Option {
	return func(c *config) { c.batchSize = b; c.set |= optBatchSize }
}

// WithForgetFactor sets the weight f in [0, 1] that MiniBatchNMF's running
// sums of H's update keep of the past: after a batch of b of the n rows they
// are multiplied by ρ = f^(b/n) before the batch is added, so 0 forgets
// everything and 1 nothing (MiniBatchNMF only). Default 0.7.
func WithForgetFactor(f float64) Option {
	return func(c *config) { c.forgetFactor = f; c.set |= optForgetFactor }
}

// WithMaxNoImprovement sets how many minibatches in a row without a new
// minimum of the smoothed batch cost stop MiniBatchNMF's fit; 0 turns the
// rule off (scikit-learn's None). Default 10 (MiniBatchNMF only).
func WithMaxNoImprovement(n int) Option {
	return func(c *config) { c.maxNoImprovement = n; c.set |= optMaxNoImprovement }
}

// WithFreshRestarts makes MiniBatchNMF solve each batch's W afresh (the W
// step of Transform, at most WithFreshRestartsMaxIter iterations) instead
// of taking one multiplicative step from its previous value, and solve all
// of W so once more at the end of Fit (MiniBatchNMF only). Default off.
func WithFreshRestarts() Option {
	return func(c *config) { c.freshRestarts = true; c.set |= optFreshRestarts }
}

// WithFreshRestartsMaxIter sets the most iterations n ≥ 1 of a fresh solve
// of a batch's W (WithFreshRestarts, and every PartialFit). Default 30
// (MiniBatchNMF only).
func WithFreshRestartsMaxIter(n int) Option {
	return func(c *config) { c.freshMaxIter = n; c.set |= optFreshRestartsMaxIter }
}

// WithTransformMaxIter sets the most iterations n ≥ 1 of MiniBatchNMF's
// Transform (and of the final solve of W with WithFreshRestarts). Default:
// WithMaxIter's value (MiniBatchNMF only).
func WithTransformMaxIter(n int) Option {
	return func(c *config) { c.transformMaxIter = n; c.set |= optTransformMaxIter }
}

// validateNMF checks the settings for NMF.
func (c *config) validateNMF() error {
	if extra := c.set & miniBatchOnly; extra != 0 {
		return optionError("%s applies only to MiniBatchNMF", extra.name())
	}
	if extra := c.set & alsOnly; extra != 0 {
		return optionError("%s applies only to VanillaALS", extra.name())
	}
	if extra := c.set & implicitOnly; extra != 0 {
		return optionError("%s applies only to ImplicitALS", extra.name())
	}
	if extra := c.set & rankOnly; extra != 0 {
		return optionError("%s applies only to EstimateRank", extra.name())
	}
	if err := c.validateCommon(false); err != nil {
		return err
	}
	if err := c.validateNMFCommon(); err != nil {
		return err
	}
	if err := c.validateSolver(); err != nil {
		return err
	}
	if c.solver == AcceleratedHALS && c.incomplete() {
		return optionError("%s with solver ahals: AcceleratedHALS does not take weights or missing entries; use HALS", (c.set & (optWeights | optObservedOnly)).name())
	}
	return nil
}

// incomplete reports whether a fit counts only some entries of X, or
// weighs them: WithWeights or WithObservedOnly.
func (c *config) incomplete() bool { return c.set&(optWeights|optObservedOnly) != 0 }

// validateNMFCommon checks the settings NMF and MiniBatchNMF share beyond
// validateCommon's.
func (c *config) validateNMFCommon() error {
	switch {
	case !nonNegativeFinite(c.alphaH):
		return optionError("WithAlphaH(%g): want a finite value ≥ 0", c.alphaH)
	case !(c.l1Ratio >= 0 && c.l1Ratio <= 1):
		return optionError("WithL1Ratio(%g): want a value in [0, 1]", c.l1Ratio)
	case !isFinite(c.beta):
		return optionError("WithBeta(%g): want a finite value", c.beta)
	}
	if c.init < InitAuto || c.init > InitNNDSVDAR {
		return optionError("unknown init %d", int(c.init))
	}
	return nil
}

// validateSolver checks NMF's solver against its loss.
func (c *config) validateSolver() error {
	switch c.solver {
	case HALS, AcceleratedHALS:
		if c.beta != Frobenius {
			return optionError("solver %v minimizes only the Frobenius loss, not beta = %g; use MU", c.solver, c.beta)
		}
	case MU:
	default:
		return optionError("unknown solver %d", int(c.solver))
	}
	return nil
}

// validateMiniBatch checks the settings for MiniBatchNMF.
func (c *config) validateMiniBatch() error {
	if extra := c.set &^ miniBatchOptions; extra != 0 {
		return optionError("%s does not apply to MiniBatchNMF", extra.name())
	}
	if err := c.validateCommon(true); err != nil {
		return err
	}
	if err := c.validateNMFCommon(); err != nil {
		return err
	}
	switch {
	case c.maxIter < 1:
		return optionError("WithMaxIter(%d): MiniBatchNMF wants at least 1 epoch", c.maxIter)
	case c.batchSize < 1:
		return optionError("WithBatchSize(%d): want a value ≥ 1", c.batchSize)
	case !(c.forgetFactor >= 0 && c.forgetFactor <= 1):
		return optionError("WithForgetFactor(%g): want a value in [0, 1]", c.forgetFactor)
	case c.maxNoImprovement < 0:
		return optionError("WithMaxNoImprovement(%d): want a value ≥ 0 (0 turns the rule off)", c.maxNoImprovement)
	case c.freshMaxIter < 1:
		return optionError("WithFreshRestartsMaxIter(%d): want a value ≥ 1", c.freshMaxIter)
	case c.transformMaxIter < 1:
		return optionError("WithTransformMaxIter(%d): want a value ≥ 1", c.transformMaxIter)
	}
	return nil
}

// validateData checks the settings against the data: no more components
// than X has entries (the factors would outnumber the data, and a k that
// large would not fit in memory), and scaled penalties that are
// representable for an n×m X.
func (c *config) validateData(n, m int) error {
	if float64(c.k) > float64(n)*float64(m) || float64(c.k)*float64(n+m) > math.MaxInt/8 {
		return fmt.Errorf("%w: k = %d exceeds the %d entries of the %d×%d data", ErrRank, c.k, n*m, n, m)
	}
	if c.set&optFeatureNames != 0 && len(c.features) != m {
		return shapeError("WithFeatureNames gives %d names for the %d columns of X", len(c.features), m)
	}
	if s := float64(max(n, m)); !isFinite(c.alphaW*s) || !isFinite(c.alphaH*s) {
		return optionError("the penalty alpha·max(n, m) = %g·%g overflows float64", max(c.alphaW, c.alphaH), s)
	}
	return nil
}

// validateImplicit checks the settings for ImplicitALS.
func (c *config) validateImplicit() error {
	if extra := c.set &^ implicitOptions; extra != 0 {
		return optionError("%s does not apply to ImplicitALS", extra.name())
	}
	if err := c.validateCommon(false); err != nil {
		return err
	}
	switch {
	case !nonNegativeFinite(c.confidence):
		return optionError("WithConfidence(%g): want a finite value ≥ 0", c.confidence)
	case c.cgSteps < 0:
		return optionError("WithCGSteps(%d): want a value ≥ 0 (0: exact solves)", c.cgSteps)
	}
	return nil
}

// validateALS checks the settings for VanillaALS.
func (c *config) validateALS() error {
	if extra := c.set &^ alsOptions; extra != 0 {
		return optionError("%s does not apply to VanillaALS", extra.name())
	}
	if err := c.validateCommon(false); err != nil {
		return err
	}
	if c.init != InitAuto && c.init != InitRandom {
		return optionError("VanillaALS starts only from InitRandom or WithInitialFactors, not %v", c.init)
	}
	return nil
}

// validateCommon checks the settings every model shares. wOptional lets
// WithInitialFactors give no W (MiniBatchNMF's PartialFit needs only H).
func (c *config) validateCommon(wOptional bool) error {
	switch {
	case c.set&optK == 0:
		return optionError("WithK is required")
	case c.k < 1:
		return optionError("WithK(%d): want k ≥ 1", c.k)
	case !nonNegativeFinite(c.alphaW):
		return optionError("WithAlpha(%g): want a finite value ≥ 0", c.alphaW)
	case !nonNegativeFinite(c.tol):
		return optionError("WithTol(%g): want a finite value ≥ 0", c.tol)
	case c.maxIter < 0:
		return optionError("WithMaxIter(%d): want a value ≥ 0", c.maxIter)
	case c.restarts < 1 || c.restarts > MaxRestarts:
		return optionError("WithRestarts(%d): want a value from 1 to %d", c.restarts, MaxRestarts)
	case c.set&optInitialFactors != 0 && (isNil(c.w0) && !wOptional || isNil(c.h0)):
		return optionError("WithInitialFactors needs both W and H")
	case c.set&optWeights != 0 && isNil(c.weights):
		return optionError("WithWeights(nil): want a matrix of X's shape")
	}
	return nil
}

func nonNegativeFinite(v float64) bool { return v >= 0 && isFinite(v) }

// name gives the option function of the lowest set bit, for error messages.
func (o option) name() string {
	names := []string{"WithK", "WithAlpha", "WithAlphaH", "WithL1Ratio", "WithTol",
		"WithMaxIter", "WithRestarts", "WithSolver", "WithBeta", "WithInit",
		"WithInitialFactors", "WithSeed", "WithProgress", "WithFeatureNames",
		"WithBatchSize", "WithForgetFactor", "WithMaxNoImprovement", "WithFreshRestarts",
		"WithFreshRestartsMaxIter", "WithTransformMaxIter", "WithWeights", "WithObservedOnly",
		"WithCountScaledAlpha", "WithNonNegative", "WithConfidence", "WithCGSteps",
		"WithHeldOutFraction", "WithHeldOutFolds"}
	for i, n := range names {
		if o&(1<<i) != 0 {
			return n
		}
	}
	return fmt.Sprintf("option %#x", uint32(o))
}
