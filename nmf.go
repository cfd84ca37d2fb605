package factor

import (
	"context"
	"fmt"
	"math"

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
	fit *nmfFit
}

// nmfFit is a fitted NMF: the factors and what Transform needs.
type nmfFit struct {
	fitted
	beta    float64
	penW    penalty // the scaled penalty of W for m features
	tol     float64
	maxIter int
}

// common returns the fitted state, nil before a successful Fit.
func (m *NMF) common() *fitted {
	if m.fit == nil {
		return nil
	}
	return &m.fit.fitted
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
// model as it was.
func (m *NMF) FitContext(ctx context.Context, x mat.Matrix) error {
	cfg := m.cfg
	if err := cfg.validateNMF(); err != nil {
		return err
	}
	in, err := newInput(x, "X")
	if err != nil {
		return err
	}
	if err := in.checkNMF("X", cfg.beta); err != nil {
		return err
	}
	if err := cfg.validateData(in.n, in.m); err != nil {
		return err
	}
	if cfg.beta == Frobenius && !isFinite(in.sumSq) {
		return fmt.Errorf("%w: ‖X‖² overflows float64; rescale X", ErrNotFinite)
	}
	if cfg.beta == Frobenius || cfg.beta == KullbackLeibler {
		in.preferSparse()
	}
	init := resolveInit(cfg.init, cfg.k, in.n, in.m, 0)
	custom := cfg.set&optInitialFactors != 0
	if !custom && init != InitRandom && cfg.k > min(in.n, in.m) {
		return fmt.Errorf("%w: %v needs k ≤ min(n, m) = %d, got k = %d; use InitRandom", ErrRank, init, min(in.n, in.m), cfg.k)
	}
	if custom {
		// Check the starting factors before any work is started.
		probe := core{in: in, n: in.n, m: in.m, k: cfg.k, w: make([]float64, in.n*cfg.k), ht: make([]float64, in.m*cfg.k)}
		if err := customStart(&probe, cfg.w0, cfg.h0, true); err != nil {
			return err
		}
	}
	out, err := runRestarts(ctx, &cfg, func(ctx context.Context, restart int, p *pool, report func(Progress)) (*outcome, error) {
		return nmfRunOnce(ctx, in, &cfg, restart, p, report)
	})
	if err != nil {
		return err
	}
	m.fit = &nmfFit{
		fitted: newFitted(in, cfg.k, out, math.Sqrt(2*max(out.loss, 0))),
		beta:   cfg.beta, penW: newPenalty(cfg.alphaW, cfg.l1Ratio, in.m),
		tol: cfg.tol, maxIter: cfg.maxIter,
	}
	return nil
}

// nmfRunOnce performs one run: start, then iterate.
func nmfRunOnce(ctx context.Context, in *input, cfg *config, restart int, p *pool, report func(Progress)) (*outcome, error) {
	k := cfg.k
	c := newCore(in, k, make([]float64, in.n*k), make([]float64, in.m*k), p)
	rng := newRNG(cfg.seed, restart)
	var err error
	if restart == 0 && cfg.set&optInitialFactors != 0 {
		err = customStart(&c, cfg.w0, cfg.h0, true)
	} else {
		err = nmfStart(&c, resolveInit(cfg.init, k, in.n, in.m, restart), rng)
	}
	if err != nil {
		return nil, err
	}
	penW := newPenalty(cfg.alphaW, cfg.l1Ratio, in.m)
	penH := newPenalty(cfg.alphaH, cfg.l1Ratio, in.n)
	it := newNMFIterator(c, cfg.solver, cfg.beta, penW, penH)
	out := &outcome{w: c.w, ht: c.ht}
	if err := drive(ctx, it, cfg, restart, report, out); err != nil {
		return nil, err
	}
	return out, nil
}

// newNMFIterator returns the solver for the settings.
func newNMFIterator(c core, solver Solver, beta float64, penW, penH penalty) iterator {
	if beta != Frobenius {
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
func (m *NMF) W() *mat.Dense { return m.common().copyW() }

// H returns a copy of the fitted H (k×m), the components, or nil before a
// successful Fit.
func (m *NMF) H() *mat.Dense { return m.common().copyH() }

// NIter returns the number of iterations of the kept run (0 before Fit).
func (m *NMF) NIter() int { return m.common().nIter() }

// Objective returns the final value of the regularized objective of the
// kept run (see NMF); NaN before Fit.
func (m *NMF) Objective() float64 { return m.common().objectiveOrNaN() }

// ReconstructionErr returns scikit-learn's reconstruction_err_,
// sqrt(2·D_β(X | WH)) without the penalties: for the Frobenius loss the
// norm ‖X − WH‖. NaN before Fit.
func (m *NMF) ReconstructionErr() float64 { return m.common().recErrOrNaN() }

// History returns a copy of the objective after each iteration of the kept
// run; its length is NIter. For the Frobenius loss the values come from the
// Gram identity ‖X‖² − 2⟨XᵀW, Hᵀ⟩ + ⟨WᵀW, HHᵀ⟩, accurate to about
// 1e-16·‖X‖²; the last equals Objective. When X is held dense and that
// accuracy is not enough (a residual below 1e-4·‖X‖²) the residual is
// computed exactly instead; for X held only as a *CSR it never is, so a
// nearly exact sparse fit reports its objective to about 1e-16·‖X‖².
func (m *NMF) History() []float64 { return m.common().copyHistory() }
