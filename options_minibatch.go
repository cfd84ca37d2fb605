package factor

// The options of MiniBatchNMF.

// Defaults of MiniBatchNMF, scikit-learn 1.2's.
const (
	DefaultBatchSize            = 1024
	DefaultForgetFactor         = 0.7
	DefaultMaxNoImprovement     = 10
	DefaultFreshRestartsMaxIter = 30
)

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
