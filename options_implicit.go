package factor

// The options of ImplicitALS.

// Defaults of ImplicitALS: Spark's confidence weight, and the ridge weight
// and iterations of the implicit package.
const (
	DefaultConfidence      = 1.0
	DefaultImplicitAlpha   = 0.01
	DefaultImplicitMaxIter = 15
)

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
