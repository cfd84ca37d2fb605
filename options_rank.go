package factor

// The options of EstimateRank's held-out part.

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
