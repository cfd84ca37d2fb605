package factorbeam

import (
	"encoding"
	"fmt"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// Solver names the algorithm of a fit.
type Solver string

// The solvers a pipeline runs: the library's HALS and MU of NMF with the
// Frobenius loss, and VanillaALS.
const (
	HALS Solver = "hals"
	MU   Solver = "mu"
	ALS  Solver = "als"
)

// Settings are the settings of a fit, as the library's options of the same
// names give them (factor.WithK and so on). They travel to the workers
// inside the pipeline's functions, so every field is exported.
type Settings struct {
	Solver  Solver  // HALS (the default when ""), MU or ALS
	K       int     // components, ≥ 1
	Alpha   float64 // factor.WithAlpha
	AlphaH  float64 // factor.WithAlphaH, when AlphaHSet (NMF only)
	L1Ratio float64 // factor.WithL1Ratio (NMF only)
	Tol     float64 // factor.WithTol
	MaxIter int     // factor.WithMaxIter
	Seed    uint64  // the seed of the random start (without Config.InitFrom)

	AlphaHSet bool

	// CountScaledAlpha and NonNegative are VanillaALS's
	// factor.WithCountScaledAlpha and factor.WithNonNegative.
	CountScaledAlpha, NonNegative bool

	// FeatureNames names X's columns (factor.WithFeatureNames), for H.csv's
	// header and the model file; nil for none.
	FeatureNames []string
}

// model is a fit's model: *factor.NMF or *factor.VanillaALS.
type model interface {
	RowBlocks() (*factor.RowBlocks, error)
	encoding.BinaryMarshaler
	W() *mat.Dense
	H() *mat.Dense
	History() []float64
}

// solver returns the settings' solver, HALS when unset.
func (s *Settings) solver() Solver {
	if s.Solver == "" {
		return HALS
	}
	return s.Solver
}

// newModel returns the library model of the settings and its row-block
// fit, or the library's error for settings it refuses.
func (s *Settings) newModel() (model, *factor.RowBlocks, error) {
	opts := []factor.Option{
		factor.WithK(s.K), factor.WithAlpha(s.Alpha), factor.WithTol(s.Tol), factor.WithMaxIter(s.MaxIter),
	}
	if s.FeatureNames != nil {
		opts = append(opts, factor.WithFeatureNames(s.FeatureNames))
	}
	var m model
	switch s.solver() {
	case HALS, MU:
		if s.CountScaledAlpha || s.NonNegative {
			return nil, nil, fmt.Errorf("%w: count-scaled alpha and the non-negative constraint are VanillaALS's, not %s's", factor.ErrInvalidOption, s.solver())
		}
		solver := factor.HALS
		if s.solver() == MU {
			solver = factor.MU
		}
		opts = append(opts, factor.WithSolver(solver), factor.WithL1Ratio(s.L1Ratio))
		if s.AlphaHSet {
			opts = append(opts, factor.WithAlphaH(s.AlphaH))
		}
		m = factor.NewNMF(opts...)
	case ALS:
		if s.L1Ratio != 0 || s.AlphaHSet {
			return nil, nil, fmt.Errorf("%w: VanillaALS takes no L1 ratio and no alpha of H alone", factor.ErrInvalidOption)
		}
		if s.CountScaledAlpha {
			opts = append(opts, factor.WithCountScaledAlpha())
		}
		if s.NonNegative {
			opts = append(opts, factor.WithNonNegative())
		}
		m = factor.NewVanillaALS(opts...)
	default:
		return nil, nil, fmt.Errorf("%w: unknown solver %q (want hals, mu or als)", factor.ErrInvalidOption, s.Solver)
	}
	rb, err := m.RowBlocks()
	if err != nil {
		return nil, nil, err
	}
	return m, rb, nil
}
