package factor

import (
	"fmt"
	"math"
)

// The checks of the settings each model makes at Fit.

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
