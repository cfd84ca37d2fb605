package factor

import (
	"fmt"

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
