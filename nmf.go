package factor

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// NMF is a non-negative matrix factorization X ≈ W·H of an n×m matrix
// X ≥ 0 into W (n×k) ≥ 0 and H (k×m) ≥ 0. It minimizes, with scikit-learn
// 1.2's conventions,
//
//	D_β(X | WH) + α_W·m·(l1·|W|₁ + ½(1−l1)·‖W‖²) + α_H·n·(l1·|H|₁ + ½(1−l1)·‖H‖²)
//
// where D_β is the beta divergence (D_2 = ½‖X − WH‖², D_1 the generalized
// Kullback-Leibler divergence Σ x·log(x/y) − x + y, D_0 the Itakura-Saito
// divergence Σ x/y − log(x/y) − 1, and the general formula otherwise; see
// WithBeta), α_W and α_H are set by WithAlpha and WithAlphaH, and l1 by
// WithL1Ratio. The solver is HALS, AcceleratedHALS or MU (see Solver); the
// stopping rule is WithTol's.
//
// The zero value is not usable; create models with NewNMF. Fit and
// FitContext change the model and must not run concurrently with any other
// method; Transform, InverseTransform and the accessors of a fitted model
// may be called concurrently.
type NMF struct {
	cfg config
	fit *fitted
}

// NewNMF returns an NMF model with the given options. Options are checked
// by Fit.
func NewNMF(opts ...Option) *NMF {
	return &NMF{cfg: newConfig(opts)}
}

// Fit factorizes X. X may be a *mat.Dense, a *CSR (or its transpose), which
// takes the sparse path, or any other mat.Matrix, which is copied once into
// a dense matrix. On error the model is left as it was.
func (m *NMF) Fit(x mat.Matrix) error { return m.FitContext(context.Background(), x) }

// FitContext is Fit with a context, checked before every iteration: when
// it is done, FitContext returns an error wrapping ctx.Err() and leaves the
// model as it was. A nil ctx is refused with an error wrapping
// ErrInvalidOption.
func (m *NMF) FitContext(ctx context.Context, x mat.Matrix) error {
	if err := checkContext(ctx); err != nil {
		return err
	}
	cfg := m.cfg
	if err := cfg.validateNMF(); err != nil {
		return err
	}
	in, scale, err := cfg.nmfInput(x)
	if err != nil {
		return err
	}
	if _, err := cfg.checkNMFStart(in); err != nil {
		return err
	}
	start := func(c *core, restart int, rng *rand.Rand) error {
		return nmfStart(c, resolveInit(cfg.init, cfg.k, in.n, in.m, restart), rng)
	}
	solver := cfg.nmfSolver(in.n, in.m, scale)
	out, err := runRestarts(ctx, &cfg, func(ctx context.Context, restart int, p *pool, report func(Progress)) (*outcome, error) {
		return runOnce(ctx, in, &cfg, restart, p, report, true, start, solver)
	})
	if err != nil {
		return err
	}
	// sqrt(2·D) at unit scale, then scaled: D itself may underflow.
	recErr := math.Sqrt(2*max(out.loss, 0)) * math.Pow(scale, cfg.beta/2)
	if err := out.unscale(scale, cfg.beta); err != nil {
		return err
	}
	m.fit = newFitted(in, &cfg, out, recErr, cfg.nmfComponents(out.ht, in.m))
	return nil
}

// nmfInput reads X for an NMF fit with the settings cfg (fitInput),
// checks it against them, brings it to unit scale and to the form the
// solvers read, and returns it with the factor c it was divided by
// (toUnitScale).
func (cfg *config) nmfInput(x mat.Matrix) (*input, float64, error) {
	in, err := cfg.fitInput(x)
	if err != nil {
		return nil, 0, err
	}
	if err := in.checkNMF("X", cfg.beta); err != nil {
		return nil, 0, err
	}
	if err := cfg.validateData(in.n, in.m); err != nil {
		return nil, 0, err
	}
	scale, err := toUnitScale(&in, "X")
	if err != nil {
		return nil, 0, err
	}
	if cfg.beta == Frobenius && !isFinite(in.sumSq) {
		return nil, 0, fmt.Errorf("%w: ‖X‖² overflows float64; rescale X", ErrNotFinite)
	}
	if cfg.beta == Frobenius || cfg.beta == KullbackLeibler {
		in.preferSparse()
	}
	return in, scale, nil
}

// nmfSolver returns the solver of an NMF fit of an n×m X with the
// settings cfg, run at unit scale (X divided by scale): the penalties of
// the objective rescaled to the same problem there.
func (cfg *config) nmfSolver(n, m int, scale float64) func(c core) iterator {
	penW := newPenalty(cfg.alphaW, cfg.l1Ratio, m)
	penH := newPenalty(cfg.alphaH, cfg.l1Ratio, n)
	rootScale := math.Sqrt(scale)
	solverW, solverH := penW.rescaled(cfg.beta, scale, rootScale), penH.rescaled(cfg.beta, scale, rootScale)
	solver, beta := cfg.solver, cfg.beta
	return func(c core) iterator { return newNMFIterator(c, solver, beta, solverW, solverH) }
}

// checkNMFStart resolves the start of an NMF fit of X (run 0) and checks
// it before anything is allocated: the rank an SVD start needs, the
// factors of WithInitialFactors, and the memory of the fit.
func (cfg *config) checkNMFStart(in *input) (Init, error) {
	init := resolveInit(cfg.init, cfg.k, in.n, in.m, 0)
	if cfg.set&optInitialFactors == 0 && init != InitRandom && cfg.k > min(in.n, in.m) {
		return init, fmt.Errorf("%w: %v needs k ≤ min(n, m) = %d, got k = %d; use InitRandom", ErrRank, init, min(in.n, in.m), cfg.k)
	}
	if err := checkInitialFactors(cfg, in, true); err != nil {
		return init, err
	}
	return init, cfg.checkFitMemory(in, true, init)
}

// newNMFIterator returns the solver for the settings.
func newNMFIterator(c core, solver Solver, beta float64, penW, penH penalty) iterator {
	if c.in.observed && beta == Frobenius && solver != MU {
		return newWeightedHALS(c, penW, penH)
	}
	if beta != Frobenius || c.in.observed {
		return newBetaRun(c, beta, penW, penH, false)
	}
	r := newFrobRun(c, penW, penH, 0.5)
	switch solver {
	case MU:
		r.update = newMUFrob(r).update
	case AcceleratedHALS:
		r.update = newAcceleratedHALS(r).update
	default:
		h := newHALSJob(c.k, c.gramJ)
		r.update = func(s *frobSide) error { h.update(r.pool, s); return nil }
	}
	return r
}

// FitTransform fits the model to X and returns W, the n×k transformed data
// (scikit-learn's fit_transform).
func (m *NMF) FitTransform(x mat.Matrix) (*mat.Dense, error) {
	if err := m.Fit(x); err != nil {
		return nil, err
	}
	return m.W(), nil
}

// W returns a copy of the fitted W (n×k), or nil before a successful Fit.
func (m *NMF) W() *mat.Dense { return m.fit.copyW() }

// H returns a copy of the fitted H (k×m), the components, or nil before a
// successful Fit.
func (m *NMF) H() *mat.Dense { return m.fit.copyH() }

// NIter returns the number of iterations of the kept run (0 before Fit).
func (m *NMF) NIter() int { return m.fit.nIter() }

// Objective returns the final value of the regularized objective of the
// kept run (see NMF); NaN before Fit.
func (m *NMF) Objective() float64 { return m.fit.objectiveOrNaN() }

// ReconstructionErr returns scikit-learn's reconstruction_err_,
// sqrt(2·D_β(X | WH)) without the penalties: for the Frobenius loss the
// norm ‖X − WH‖. NaN before Fit.
func (m *NMF) ReconstructionErr() float64 { return m.fit.recErrOrNaN() }

// History returns a copy of the objective after each iteration of the kept
// run; its length is NIter and its last value is Objective. For the
// Frobenius loss the values are accurate to about 1e-16·‖X‖² (see the
// package documentation, "Accuracy of the objective").
func (m *NMF) History() []float64 { return m.fit.copyHistory() }

// Transform returns W (n'×k) for new data X (n'×m, non-negative) with the
// fitted H fixed, minimizing the model's loss plus the penalty on W:
//
//   - for the Frobenius loss, each row w of W solves the non-negative least
//     squares problem min ½‖x − Hᵀw‖² + l1·|w|₁ + ½·l2·‖w‖², w ≥ 0, exactly
//     (the point HALS and MU converge to);
//   - otherwise the multiplicative update of W runs from scikit-learn's
//     start, every entry sqrt(mean(X)/k), under the fitted tolerance and
//     iteration limit.
//
// X is read as by Fit; a model that is not fitted returns ErrNotFitted. For
// a model fitted WithObservedOnly the NaN entries of a dense X and the
// unstored entries of a *CSR are missing: each row is solved over its
// observed entries alone (exact NNLS for the Frobenius loss, MU from the
// mean of the observed entries otherwise), and a row with none gets W = 0.
func (m *NMF) Transform(x mat.Matrix) (*mat.Dense, error) {
	return m.TransformContext(context.Background(), x)
}

// TransformContext is Transform with a context, checked before every
// iteration of the multiplicative update and between blocks of rows of the
// exact solve: when it is done, TransformContext returns an error wrapping
// ctx.Err(). A nil ctx is refused with an error wrapping ErrInvalidOption.
func (m *NMF) TransformContext(ctx context.Context, x mat.Matrix) (*mat.Dense, error) {
	return m.fit.transform(ctx, x)
}

// InverseTransform returns W·H (n'×m), the data a W (n'×k) represents.
// W must be finite and non-negative, as the model's W is: a bad entry is an
// *EntryError wrapping ErrNotFinite or ErrNegative. A product beyond
// float64's range returns an error wrapping ErrNotFinite.
func (m *NMF) InverseTransform(w mat.Matrix) (*mat.Dense, error) {
	return m.fit.inverse(w)
}
