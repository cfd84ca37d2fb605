package factor

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// VanillaALS is the ridge-regularized alternating least squares
// factorization X ≈ W·H of an n×m matrix X (any sign) into W (n×k) and
// H (k×m), as in numpy-ml. It minimizes
//
//	‖X − WH‖² + α·(‖W‖² + ‖H‖²)
//
// with α set by WithAlpha. Each iteration solves exactly for W with H
// fixed, W = X·Hᵀ·(H·Hᵀ + αI)⁻¹, then for H with W fixed,
// H = (WᵀW + αI)⁻¹·WᵀX, each through a Cholesky factorization of the k×k
// matrix, never an explicit inverse. The objective never increases. It
// starts from WithInitialFactors or from numpy-ml's random start, uniform
// [0, 1) times sqrt(mean(|X|)/k), and stops by WithTol's rule.
//
// With α = 0 the systems must be non-singular, which needs k ≤ min(n, m);
// Fit returns ErrRank otherwise. Concurrency is as for NMF.
//
// With WithWeights or WithObservedOnly the loss is the weighted sum
// Σ M_ij·(x_ij − (WH)_ij)² over the entries of positive weight, and every
// row of W (then of H) solves its own normal equations
// (Σ_j M_ij·h_j·h_jᵀ + λ_i·I)·w_i = Σ_j M_ij·x_ij·h_j, a row with too few
// entries for k making them singular when α = 0 (ErrRank).
// WithCountScaledAlpha sets λ_i = α·n_i, the row's number of entries of
// positive weight (m on complete data), and WithNonNegative solves each
// row's problem over w_i ≥ 0 exactly.
type VanillaALS struct {
	cfg config
	fit *fitted
}

// NewVanillaALS returns a ridge ALS model with the given options. It
// accepts WithK, WithAlpha, WithTol, WithMaxIter, WithRestarts, WithInit
// (InitAuto or InitRandom, both the random start), WithInitialFactors,
// WithSeed, WithProgress, WithFeatureNames, WithWeights, WithObservedOnly,
// WithCountScaledAlpha and WithNonNegative; Fit rejects the others.
func NewVanillaALS(opts ...Option) *VanillaALS {
	return &VanillaALS{cfg: newConfig(opts)}
}

// Fit factorizes X, read as for NMF.Fit. On error the model is left as it
// was.
func (a *VanillaALS) Fit(x mat.Matrix) error { return a.FitContext(context.Background(), x) }

// FitContext is Fit with a context, checked before every iteration. A nil
// ctx is refused with an error wrapping ErrInvalidOption.
func (a *VanillaALS) FitContext(ctx context.Context, x mat.Matrix) error {
	if err := checkContext(ctx); err != nil {
		return err
	}
	cfg := a.cfg
	if err := cfg.validateALS(); err != nil {
		return err
	}
	in, err := cfg.fitInput(x)
	if err != nil {
		return err
	}
	if err := cfg.validateData(in.n, in.m); err != nil {
		return err
	}
	scale, err := toUnitScale(&in, "X")
	if err != nil {
		return err
	}
	if !isFinite(in.sumSq) {
		return fmt.Errorf("%w: ‖X‖² overflows float64; rescale X", ErrNotFinite)
	}
	in.preferSparse()
	if cfg.alphaW == 0 && cfg.k > min(in.n, in.m) {
		return fmt.Errorf("%w: with WithAlpha(0), k = %d must not exceed min(n, m) = %d", ErrRank, cfg.k, min(in.n, in.m))
	}
	if err := checkInitialFactors(&cfg, in, cfg.nonNegative); err != nil {
		return err
	}
	if err := cfg.checkFitMemory(in, false, InitRandom); err != nil {
		return err
	}
	start := func(c *core, _ int, rng *rand.Rand) error { alsRandomStart(c, rng); return nil }
	// At unit scale the ridge weight is α/c (penalty.rescaled with β = 2).
	alpha := cfg.alphaW / scale
	solver := func(c core) iterator { return newALSIterator(c, alpha, cfg.countScaled, cfg.nonNegative) }
	out, err := runRestarts(ctx, &cfg, func(ctx context.Context, restart int, p *pool, report func(Progress)) (*outcome, error) {
		return runOnce(ctx, in, &cfg, restart, p, report, false, start, solver)
	})
	if err != nil {
		return err
	}
	recErr := math.Sqrt(max(out.loss, 0)) * scale // ‖X − WH‖, which may not underflow with ‖·‖²
	if err := out.unscale(scale, Frobenius); err != nil {
		return err
	}
	a.fit = newFitted(in, &cfg, out, recErr, cfg.alsComponents(out.ht, in.m))
	return nil
}

// newALSIterator returns the solver of VanillaALS with ridge weight alpha:
// weighted ALS on observed data, else ALS on the Frobenius skeleton.
func newALSIterator(c core, alpha float64, countScaled, nonNeg bool) iterator {
	if c.in.observed {
		return newWeightedALS(c, alpha, countScaled, nonNeg)
	}
	lambdaW, lambdaH := ridgeWeights(alpha, c.n, c.m, countScaled)
	return newALSRun(c, lambdaW, lambdaH, nonNeg)
}

// ridgeWeights returns the ridge weights λ_W and λ_H of VanillaALS with
// weight alpha on complete n×m data: alpha for both, or with countScaled
// (WithCountScaledAlpha) alpha·m and alpha·n, as every row of W has m
// observed entries and every column of H n.
func ridgeWeights(alpha float64, n, m int, countScaled bool) (lambdaW, lambdaH float64) {
	if countScaled {
		return alpha * float64(m), alpha * float64(n)
	}
	return alpha, alpha
}

// newALSRun returns ridge ALS on complete data on the Frobenius skeleton:
// the loss ‖X − WH‖² (scale 1) and the penalties λ_W·‖W‖² and λ_H·‖H‖²,
// which are ½·l2·‖·‖² with l2 = 2λ, each half solved by the ridge system
// with λ on the diagonal, or with nonNeg by the non-negative least squares
// problem of each row against the same matrix.
func newALSRun(c core, lambdaW, lambdaH float64, nonNeg bool) *frobRun {
	r := newFrobRun(c, penalty{l2: 2 * lambdaW}, penalty{l2: 2 * lambdaH}, 1)
	ridge := newRidgeJob(c.k)
	var nnls *nnlsJob
	if nonNeg {
		nnls = newNNLSJob(c.pool, c.k)
	}
	r.update = func(s *frobSide) error {
		lambda := s.pen.l2 / 2
		if nonNeg {
			nnls.solve(r.pool, s.a, s.cross, s.gram, s.rows, penalty{l2: lambda})
		} else if err := ridge.solve(r.pool, s.a, s.cross, s.gram, s.rows, lambda); err != nil {
			return err
		}
		r.gram(s.gramOut, s.a, s.rows)
		return nil
	}
	return r
}

// FitTransform fits the model to X and returns W.
func (a *VanillaALS) FitTransform(x mat.Matrix) (*mat.Dense, error) {
	if err := a.Fit(x); err != nil {
		return nil, err
	}
	return a.W(), nil
}

// Transform returns the ridge solution W = X·Hᵀ·(H·Hᵀ + αI)⁻¹ for new data
// X (n'×m) with the fitted H fixed: each row's least squares problem of
// the fit, with its own count of entries for WithCountScaledAlpha, over
// w ≥ 0 for WithNonNegative, and over its observed entries alone for a
// model fitted WithObservedOnly (NaN entries of a dense X and unstored
// entries of a *CSR are missing).
func (a *VanillaALS) Transform(x mat.Matrix) (*mat.Dense, error) {
	return a.TransformContext(context.Background(), x)
}

// TransformContext is Transform with a context, checked before the solve:
// when it is done, TransformContext returns an error wrapping ctx.Err(). A
// nil ctx is refused with an error wrapping ErrInvalidOption.
func (a *VanillaALS) TransformContext(ctx context.Context, x mat.Matrix) (*mat.Dense, error) {
	return a.fit.transform(ctx, x)
}

// InverseTransform returns W·H (n'×m) for W (n'×k) of any sign. A NaN or
// infinite entry of W is an *EntryError wrapping ErrNotFinite, and a
// product beyond float64's range returns an error wrapping ErrNotFinite.
func (a *VanillaALS) InverseTransform(w mat.Matrix) (*mat.Dense, error) {
	return a.fit.inverse(w)
}

// W returns a copy of the fitted W (n×k), or nil before a successful Fit.
func (a *VanillaALS) W() *mat.Dense { return a.fit.copyW() }

// H returns a copy of the fitted H (k×m), or nil before a successful Fit.
func (a *VanillaALS) H() *mat.Dense { return a.fit.copyH() }

// NIter returns the number of iterations of the kept run (0 before Fit).
func (a *VanillaALS) NIter() int { return a.fit.nIter() }

// Objective returns the final ‖X − WH‖² + α(‖W‖² + ‖H‖²); NaN before Fit.
func (a *VanillaALS) Objective() float64 { return a.fit.objectiveOrNaN() }

// ReconstructionErr returns ‖X − WH‖; NaN before Fit.
func (a *VanillaALS) ReconstructionErr() float64 { return a.fit.recErrOrNaN() }

// History returns a copy of the objective after each iteration of the kept
// run, computed as for NMF.History; its length is NIter.
func (a *VanillaALS) History() []float64 { return a.fit.copyHistory() }
