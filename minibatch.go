package factor

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// MiniBatchNMF is the online non-negative matrix factorization X ≈ W·H of
// scikit-learn 1.2's MiniBatchNMF, step for step: it updates H from one
// batch of rows of X at a time, so that data that arrives over time
// (PartialFit) or is too large for a batch solver is factorized at the cost
// of a batch per step. The loss is the beta divergence D_β of WithBeta, as
// for NMF, and the multiplicative update (multiplicative.go, loss.go) is
// the only solver.
//
// Fit cuts the n rows of X into ⌈n/b⌉ contiguous batches in row order, of
// b = min(WithBatchSize, n) rows (the last one may be shorter), and cycles
// through them for WithMaxIter epochs. One step on a batch X_b of r rows,
// with W_b its rows of W:
//
//  1. The W step: one multiplicative update of W_b with H fixed, from W_b's
//     value of the previous epoch (the start's in the first); with
//     WithFreshRestarts, W_b is solved afresh instead, as Transform does,
//     for at most WithFreshRestartsMaxIter iterations. For β < 1 the
//     entries of W_b below 2.2e-16 are then set to 0.
//  2. The batch cost, recorded in History:
//     (D_β(X_b | W_b·H) + l1_W·|W_b|₁ + l1_H·|H|₁ + l2_W·‖W_b‖² + l2_H·‖H‖²)/r
//     (scikit-learn's; the L2 terms carry no ½ here), with H before its
//     update.
//  3. The H step, scikit-learn's online multiplicative update: with N and D
//     the numerator and denominator of the plain update of H on the batch
//     (penalties included, D = epsilon where it is 0) and γ its exponent
//     (see WithBeta),
//     A ← ρ·A + N ⊙ H^(1/γ),  B ← ρ·B + D,  H ← (A/B)^γ,
//     where A starts as the initial H and B as ones, and
//     ρ = WithForgetFactor^(b/n), fixed by the first Fit or PartialFit.
//     For β ≤ 1 the entries of H below 2.2e-16 are then set to 0.
//
// The penalties are scikit-learn's for a batch: with α_W, α_H and l1 from
// WithAlpha, WithAlphaH and WithL1Ratio, l1_W = α_W·l1·m and
// l2_W = α_W·(1−l1)·m as for NMF, but l1_H = α_H·l1·r and l2_H = α_H·(1−l1)·r
// scale with the batch's r rows, not with n.
//
// Fit stops after WithMaxIter epochs or, from the second step on, when
//
//   - WithTol's t > 0 and the step moved H by ‖H − H_prev‖_F ≤ t·‖H‖_F, or
//   - WithMaxNoImprovement's s > 0 steps in a row did not lower the minimum
//     of the smoothed batch cost c̄, which starts at the second step's cost
//     and follows c̄ ← (1−a)·c̄ + a·cost with a = min(r/(n+1), 1).
//
// With WithFreshRestarts, Fit then solves all of W afresh against the final
// H (Transform's solve with WithTransformMaxIter iterations). NSteps is the
// number of steps done and NIter the epochs started, ⌈NSteps/⌈n/b⌉⌉.
//
// Transform is scikit-learn's _solve_W: the multiplicative update of W with
// H fixed (for every β, the Frobenius loss included) and the penalty l1_W,
// l2_W of the new data's m columns, from every entry sqrt(mean(X)/k), until
// an iteration moves W by ‖W − W_prev‖_F ≤ t·‖W‖_F (never when t = 0) or
// after WithTransformMaxIter iterations; it sets no entry of W to 0.
//
// The data are used at their own scale (unlike NMF, which brings them to
// unit scale first), as scikit-learn does. Settings are checked by Fit and
// PartialFit; WithSolver, WithRestarts and WithFeatureNames are refused.
// Dense and *CSR input are both taken, a *CSR without forming an n×m matrix
// for β ∈ {1, 2}; the same data and settings give the same bits whatever
// GOMAXPROCS is. The zero value is not usable; create models with
// NewMiniBatchNMF. Fit, FitContext, PartialFit and PartialFitContext change
// the model and must not run concurrently with any other method; Transform,
// InverseTransform and the accessors may be called concurrently.
type MiniBatchNMF struct {
	cfg   config
	state *mbState
}

// mbState is what a successful Fit or PartialFit leaves; each replaces it
// as a whole, so a failed call leaves the previous one.
type mbState struct {
	fitted
	acc    onlineSums // A, B and ρ of the H step
	nIter  int
	nSteps int
}

// NewMiniBatchNMF returns a MiniBatchNMF model with the given options.
// Options are checked by Fit and PartialFit.
func NewMiniBatchNMF(opts ...Option) *MiniBatchNMF {
	return &MiniBatchNMF{cfg: newConfig(opts)}
}

// Fit factorizes X by minibatches (see MiniBatchNMF), starting from
// WithInitialFactors (W n×k and H k×m) or WithInit's start on X, and
// forgets any earlier Fit or PartialFit. X is read as by NMF's Fit; for
// β ≤ 0 it must have no zero. On error the model is left as it was.
func (m *MiniBatchNMF) Fit(x mat.Matrix) error { return m.FitContext(context.Background(), x) }

// FitContext is Fit with a context, checked before every step: when it is
// done, FitContext returns an error wrapping ctx.Err() and leaves the model
// as it was. A nil ctx is refused with an error wrapping ErrInvalidOption.
func (m *MiniBatchNMF) FitContext(ctx context.Context, x mat.Matrix) error {
	cfg, in, err := m.begin(ctx, x)
	if err != nil {
		return err
	}
	if cfg.set&optInitialFactors != 0 && isNil(cfg.w0) {
		return optionError("WithInitialFactors: Fit needs W as well as H (only PartialFit takes W nil)")
	}
	init, err := cfg.checkNMFStart(in)
	if err != nil {
		return err
	}
	p := newPool(defaultProcs())
	defer p.close()
	defer p.watch(ctx)()
	k := cfg.k
	c := newCore(in, k, make([]float64, in.n*k), make([]float64, in.m*k), p)
	if cfg.set&optInitialFactors != 0 {
		err = customStart(&c, cfg.w0, cfg.h0, true)
	} else {
		err = nmfStart(&c, init, newRNG(cfg.seed, 0))
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("factor: stopped at the start: %w", ctxErr)
	}
	if err != nil {
		return err
	}
	b := min(cfg.batchSize, in.n)
	st := &mbStep{cfg: &cfg, p: p, ht: c.ht, acc: newOnlineSums(c.ht, math.Pow(cfg.forgetFactor, float64(b)/float64(in.n)))}
	perEpoch := (in.n + b - 1) / b
	batches := make([]*input, perEpoch)
	for q := range batches {
		batches[q] = in.rowBlock(q*b, min(q*b+b, in.n))
	}
	st.prepare(batches, cfg.freshRestarts)
	report := serialized(cfg.progress)
	total := cfg.maxIter * perEpoch
	history := make([]float64, 0, min(total, 1<<12))
	prevH := slices.Clone(c.ht)
	var conv mbConvergence
	steps := 0
	for steps < total {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("factor: stopped before step %d: %w", steps+1, err)
		}
		q := steps % perEpoch
		xb := batches[q]
		cost, err := st.step(ctx, q, c.w[q*b*k:(q*b+xb.n)*k], cfg.freshRestarts)
		if err != nil {
			return fmt.Errorf("step %d: %w", steps+1, err)
		}
		steps++
		history = append(history, cost)
		if report != nil {
			report(Progress{Iter: steps, Objective: cost})
		}
		if steps > 1 && conv.done(&cfg, cost, xb.n, in.n, c.ht, prevH) {
			break
		}
		copy(prevH, c.ht)
	}
	if cfg.freshRestarts {
		st.fresh, st.drive = nil, driveBuffers{} // the batches' run, not needed for all of X
		if err := solveWMU(ctx, in, c.w, c.ht, k, cfg.beta, st.penW(in.m), transformRule(&cfg), p); err != nil {
			return err
		}
	}
	if !c.finite() {
		return fmt.Errorf("%w: the factors overflowed float64; rescale X", ErrNotFinite)
	}
	loss, err := divergenceOf(in, c.w, c.ht, k, cfg.beta, p)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("factor: stopped at the end: %w", ctxErr)
	}
	if err != nil {
		return err
	}
	s := &mbState{acc: st.acc, nIter: (steps + perEpoch - 1) / perEpoch, nSteps: steps}
	s.fitted = fitted{
		components: newComponents(c.ht, in.m, k, cfg.beta, st.penW(in.m), false, transformRule(&cfg)),
		w:          mat.NewDense(in.n, k, c.w), history: history, objective: math.NaN(),
		recErr: math.Sqrt(2 * max(loss, 0)),
	}
	m.state = s
	return nil
}

// PartialFit takes one step of MiniBatchNMF on X, a chunk of r rows of the
// data (see MiniBatchNMF), with W solved afresh for the chunk: at most
// WithFreshRestartsMaxIter iterations of Transform's solve, after which
// W() is the chunk's W. The first call on a model not yet fitted starts H
// from WithInitialFactors's H (its W is not read and may be nil) or from
// WithInit's start on X, sets A to H and B to ones, and fixes
// ρ = WithForgetFactor^(min(WithBatchSize, r)/r) for every later call;
// later calls, and calls after a Fit, continue from the model's H, A, B
// and ρ, and X must have the model's m columns. Each call adds one step to
// NSteps and one batch cost to History and leaves NIter as it was;
// ReconstructionErr is NaN after it. On error the model is left as it was.
func (m *MiniBatchNMF) PartialFit(x mat.Matrix) error {
	return m.PartialFitContext(context.Background(), x)
}

// PartialFitContext is PartialFit with a context, checked before every
// iteration of the chunk's W step: when it is done, PartialFitContext
// returns an error wrapping ctx.Err() and leaves the model as it was. A nil
// ctx is refused with an error wrapping ErrInvalidOption.
func (m *MiniBatchNMF) PartialFitContext(ctx context.Context, x mat.Matrix) error {
	cfg, in, err := m.begin(ctx, x)
	if err != nil {
		return err
	}
	old := m.state
	k := cfg.k
	if old != nil {
		if _, mm := old.dims(); in.m != mm {
			return shapeError("X has %d columns, the model was fitted on %d", in.m, mm)
		}
	}
	if err := checkMemory(fitMemory(in, k, 1, mbWorkspace(in, cfg.beta), false), fmt.Sprintf("a partial fit of a %d×%d chunk with k = %d", in.n, in.m, k)); err != nil {
		return err
	}
	p := newPool(defaultProcs())
	defer p.close()
	defer p.watch(ctx)()
	var ht []float64
	var acc onlineSums
	history := []float64(nil)
	s := &mbState{}
	if old != nil {
		ht = slices.Clone(old.ht)
		acc = onlineSums{num: slices.Clone(old.acc.num), den: slices.Clone(old.acc.den), rho: old.acc.rho}
		history = slices.Clone(old.history)
		s.nIter, s.nSteps = old.nIter, old.nSteps
	} else {
		if ht, err = mbStartH(in, &cfg, p); err != nil {
			return err
		}
		b := min(cfg.batchSize, in.n)
		acc = newOnlineSums(ht, math.Pow(cfg.forgetFactor, float64(b)/float64(in.n)))
	}
	st := &mbStep{cfg: &cfg, p: p, ht: ht, acc: acc}
	st.prepare([]*input{in}, true)
	w := make([]float64, in.n*k)
	cost, err := st.step(ctx, 0, w, true)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("factor: partial fit stopped: %w", ctxErr)
	}
	if err != nil {
		return err
	}
	if !isFinite(cost) || !(&core{w: w, ht: ht}).finite() {
		return fmt.Errorf("%w: the factors overflowed float64; rescale X", ErrNotFinite)
	}
	s.acc, s.nSteps = st.acc, s.nSteps+1
	s.fitted = fitted{
		components: newComponents(ht, in.m, k, cfg.beta, st.penW(in.m), false, transformRule(&cfg)),
		w:          mat.NewDense(in.n, k, w), history: append(history, cost),
		objective: math.NaN(), recErr: math.NaN(),
	}
	if cfg.progress != nil {
		cfg.progress(Progress{Iter: s.nSteps, Objective: cost})
	}
	m.state = s
	return nil
}

// begin checks the context and settings of Fit or PartialFit, and takes X
// and checks it and the settings against it.
func (m *MiniBatchNMF) begin(ctx context.Context, x mat.Matrix) (config, *input, error) {
	cfg := m.cfg
	if err := checkContext(ctx); err != nil {
		return cfg, nil, err
	}
	if err := cfg.validateMiniBatch(); err != nil {
		return cfg, nil, err
	}
	in, err := mbInput(x, &cfg, m.state != nil)
	return cfg, in, err
}

// mbInput takes X for Fit or PartialFit and checks it and the settings
// against it; continuing says that a fitted H exists, after which the rows
// of a chunk no longer bound k (scikit-learn takes a chunk of any height).
func mbInput(x mat.Matrix, cfg *config, continuing bool) (*input, error) {
	in, err := newInput(x, "X")
	if err != nil {
		return nil, err
	}
	if err := in.checkNMF("X", cfg.beta); err != nil {
		return nil, err
	}
	rows := in.n
	if continuing {
		rows = max(rows, (cfg.k+in.m-1)/in.m)
	}
	if err := cfg.validateData(rows, in.m); err != nil {
		return nil, err
	}
	if cfg.beta == Frobenius && !isFinite(in.sumSq) {
		return nil, fmt.Errorf("%w: ‖X‖² overflows float64; rescale X", ErrNotFinite)
	}
	return in, nil
}

// mbStartH returns the starting Hᵀ of a first PartialFit on the chunk in:
// WithInitialFactors's H, or WithInit's start on the chunk.
func mbStartH(in *input, cfg *config, p *pool) ([]float64, error) {
	k := cfg.k
	ht := make([]float64, in.m*k)
	if cfg.set&optInitialFactors != 0 {
		if r, c := cfg.h0.Dims(); r != k || c != in.m {
			return nil, shapeError("initial H is %d×%d, want %d×%d", r, c, k, in.m)
		}
		return ht, copyFactor(ht, cfg.h0, true, "H", true)
	}
	init := resolveInit(cfg.init, k, in.n, in.m, 0)
	if init != InitRandom && k > min(in.n, in.m) {
		return nil, fmt.Errorf("%w: %v needs k ≤ min(n, m) = %d of the first chunk, got k = %d; use InitRandom", ErrRank, init, min(in.n, in.m), k)
	}
	c := newCore(in, k, make([]float64, in.n*k), ht, p)
	return ht, nmfStart(&c, init, newRNG(cfg.seed, 0))
}

// transformRule is the stopping rule of MiniBatchNMF's Transform.
func transformRule(cfg *config) stopRule {
	return stopRule{tol: cfg.tol, maxIter: cfg.transformMaxIter, onChange: true}
}

// newOnlineSums returns the online sums of a start Hᵀ: A = H, B = ones.
func newOnlineSums(ht []float64, rho float64) onlineSums {
	den := make([]float64, len(ht))
	for i := range den {
		den[i] = 1
	}
	return onlineSums{num: slices.Clone(ht), den: den, rho: rho}
}

// mbWorkspace is the workspace of MiniBatchNMF's solver on a chunk: MU's.
func mbWorkspace(in *input, beta float64) func(n, m, k, nnz float64) float64 {
	if beta == Frobenius {
		return frobWorkspace
	}
	return betaWorkspace(in.sparse(), beta)
}

// mbStep is MiniBatchNMF's step on a batch (see MiniBatchNMF): the W step,
// the batch cost and the online H step, on the shared Hᵀ and sums. The
// solver run of the steps is built once, by prepare, sized for the largest
// batch, and re-pointed at each batch's rows of X and W, and so is the run
// of the fresh W steps, so that a step after the first allocates nothing.
type mbStep struct {
	cfg     *config
	p       *pool
	ht      []float64
	acc     onlineSums
	batches []*input
	sumXB   []float64 // Σ x^β of each batch, for β ∉ {0, 1, 2}
	frob    *frobRun  // β = 2
	muF     *muFrob
	beta    *betaRun // β ≠ 2
	fresh   iterator // the fresh W steps: solveWMU's run, a *frobRun or *betaRun
	drive   driveBuffers
}

// prepare builds the run of the steps on batches, of which the first is
// the largest in rows, the run of their fresh W steps when fresh, and what
// each batch's products read (Xᵀ or X's column ranges, and Σ x^β), so that
// no step builds them.
func (s *mbStep) prepare(batches []*input, fresh bool) {
	cfg, k := s.cfg, s.cfg.k
	s.batches = batches
	c := newCore(batches[0], k, nil, s.ht, s.p)
	maxNNZ := 0
	for _, x := range batches {
		maxNNZ = max(maxNNZ, x.nnz())
	}
	if fresh {
		s.fresh = newWMU(newCore(batches[0], k, nil, s.ht, s.p), cfg.beta, penalty{})
		if r, ok := s.fresh.(*betaRun); ok && c.in.sparse() {
			r.model = make([]float64, maxNNZ)
		}
	}
	if cfg.beta == Frobenius {
		s.frob = newFrobRun(c, penalty{}, penalty{}, 0.5)
		s.muF = newMUFrob(s.frob)
		s.muF.acc = &s.acc
		for _, x := range batches[1:] {
			c.in, c.n = x, x.n
			c.prepareXT()
		}
		return
	}
	s.beta = newBetaRun(c, cfg.beta, penalty{}, penalty{}, false)
	s.beta.acc = &s.acc
	if c.in.sparse() {
		s.beta.model = make([]float64, maxNNZ)
	}
	s.sumXB = make([]float64, len(batches))
	for q, x := range batches {
		if q > 0 && x.sparse() {
			x.columnRanges(s.p.size())
		}
		if cfg.beta != 0 && cfg.beta != 1 {
			s.sumXB[q] = x.sumXPow(cfg.beta)
		}
	}
}

// point re-points the run of the steps at batch q with its rows w of W and
// the batch's penalties, as newFrobRun or newBetaRun would build it.
func (s *mbStep) point(q int, w []float64, penW, penH penalty) {
	if s.frob != nil {
		s.frob.point(s.batches[q], w, penW, penH)
		return
	}
	s.beta.point(s.batches[q], w, penW, penH, s.sumXB[q])
}

// pointFresh re-points the run of the fresh W steps at batch q with its
// rows w of W, as solveWMU would build it.
func (s *mbStep) pointFresh(q int, w []float64, penW penalty) iterator {
	switch r := s.fresh.(type) {
	case *frobRun:
		r.point(s.batches[q], w, penW, penalty{})
	case *betaRun:
		r.point(s.batches[q], w, penW, penalty{}, s.sumXB[q])
	}
	return s.fresh
}

// point re-points r, built for at least x's rows, at x with w as W.
func (r *frobRun) point(x *input, w []float64, penW, penH penalty) {
	r.in, r.n, r.w = x, x.n, w
	r.penW, r.penH, r.crossFresh, r.loss = penW, penH, false, 0
	r.crossW = r.crossW[:x.n*r.k]
	r.sideW = frobSide{a: w, rows: x.n, cross: r.crossW, gram: r.gramH, gramOut: r.gramW, pen: penW}
	r.sideH.pen = penH
}

// point re-points r, built for at least x's rows and entries, at x with w
// as W and sumXBeta = Σ x^β.
func (r *betaRun) point(x *input, w []float64, penW, penH penalty, sumXBeta float64) {
	r.in, r.n, r.w = x, x.n, w
	r.penW, r.penH, r.sumXBeta = penW, penH, sumXBeta
	rows := max(x.n, x.m)
	r.num, r.den = r.num[:rows*r.k], r.den[:rows*r.k]
	r.model = r.model[:x.nnz()]
	if r.gden != nil {
		r.gden = r.gden[:x.nnz()]
	}
}

// penW is the penalty of W for data of m columns; penH that of H for a
// batch of r rows.
func (s *mbStep) penW(m int) penalty { return newPenalty(s.cfg.alphaW, s.cfg.l1Ratio, m) }
func (s *mbStep) penH(r int) penalty { return newPenalty(s.cfg.alphaH, s.cfg.l1Ratio, r) }

// step runs one step on batch q with its rows w of W, solving w afresh
// when fresh, and returns the batch cost.
func (s *mbStep) step(ctx context.Context, q int, w []float64, fresh bool) (float64, error) {
	x, cfg, k := s.batches[q], s.cfg, s.cfg.k
	penW, penH := s.penW(x.m), s.penH(x.n)
	if fresh {
		stop := stopRule{tol: cfg.tol, maxIter: cfg.freshMaxIter, onChange: true}
		if err := runWMU(ctx, x, w, k, s.pointFresh(q, w, penW), stop, &s.drive); err != nil {
			return 0, err
		}
		if cfg.beta < 1 {
			for i, v := range w {
				if v < tiny {
					w[i] = 0
				}
			}
		}
	}
	s.point(q, w, penW, penH)
	var loss, cost float64
	costOf := func() float64 {
		return (loss + penW.batchTerms(w) + penH.batchTerms(s.ht)) / float64(x.n)
	}
	if cfg.beta == Frobenius {
		r, u := s.frob, s.muF
		r.start()
		loss = r.loss
		if !fresh {
			if err := u.update(&r.sideW); err != nil {
				return 0, err
			}
			loss = r.lossScale * r.accurate(x.sumSq-2*dot(w, r.crossW)+dot(r.gramW, r.gramH))
		}
		cost = costOf()
		r.core.crossH(r.crossH)
		return cost, u.update(&r.sideH)
	}
	r := s.beta
	if !fresh {
		r.prepare(false)
		r.update(false)
	}
	r.prepare(false)
	loss = r.div
	cost = costOf()
	r.prepare(true)
	r.update(true)
	return cost, nil
}

// batchTerms is the penalty's part of scikit-learn's batch cost,
// l1·|A|₁ + l2·‖A‖² (with no ½ on the L2 term, unlike of).
func (p penalty) batchTerms(a []float64) float64 {
	var v float64
	if p.l1 != 0 {
		v += p.l1 * absSum(a)
	}
	if p.l2 != 0 {
		v += p.l2 * sqNorm(a)
	}
	return v
}

// solveWMU is MiniBatchNMF's W step, scikit-learn's _solve_W: w (n×k) from
// every entry sqrt(mean(X)/k), then the multiplicative update of W against
// the fixed Hᵀ ht (for β = 2 too) with no floor, under stop.
func solveWMU(ctx context.Context, in *input, w, ht []float64, k int, beta float64, penW penalty, stop stopRule, p *pool) error {
	return runWMU(ctx, in, w, k, newWMU(newCore(in, k, w, ht, p), beta, penW), stop, &driveBuffers{})
}

// newWMU builds solveWMU's run on c.
func newWMU(c core, beta float64, penW penalty) iterator {
	if beta == Frobenius {
		r := newFrobRun(c, penW, penalty{}, 0.5)
		r.fixedH = true
		r.update = newMUFrob(r).update
		return r
	}
	r := newBetaRun(c, beta, penW, penalty{}, true)
	r.keepSmallW = true
	return r
}

// runWMU runs solveWMU's run it, built on in and w, from its start, with
// drive's buffers buf.
func runWMU(ctx context.Context, in *input, w []float64, k int, it iterator, stop stopRule, buf *driveBuffers) error {
	avg := math.Sqrt(in.mean() / float64(k))
	for i := range w {
		w[i] = avg
	}
	return driveWith(ctx, it, stop, 0, nil, &outcome{}, buf)
}

// divergenceOf returns D_β(X | W·H) of the factors w and ht.
func divergenceOf(in *input, w, ht []float64, k int, beta float64, p *pool) (float64, error) {
	c := newCore(in, k, w, ht, p)
	if beta == Frobenius {
		r := newFrobRun(c, penalty{}, penalty{}, 0.5)
		r.start()
		return r.loss, nil
	}
	r := newBetaRun(c, beta, penalty{}, penalty{}, true)
	_, loss, err := r.finish(r.start())
	return loss, err
}

// rowBlock returns rows lo..hi-1 of X as an input that shares X's storage
// (for a CSR, its entries; the row offsets are new).
func (in *input) rowBlock(lo, hi int) *input {
	out := &input{n: hi - lo, m: in.m, scale: in.scale}
	if in.sparse() {
		s := in.csr
		p0, p1 := s.indptr[lo], s.indptr[hi]
		indptr := make([]int, hi-lo+1)
		for i := range indptr {
			indptr[i] = s.indptr[lo+i] - p0
		}
		out.csr = &CSR{rows: hi - lo, cols: in.m, indptr: indptr, indices: s.indices[p0:p1], data: s.data[p0:p1]}
	} else {
		d := in.dense
		out.dense = blas64.General{Rows: hi - lo, Cols: d.Cols, Stride: d.Stride, Data: d.Data[lo*d.Stride : (hi-1)*d.Stride+d.Cols]}
	}
	out.sumSq = out.sumSquares()
	return out
}

// mbConvergence is Fit's early stopping (scikit-learn's
// _minibatch_convergence), tested after every step but the first.
type mbConvergence struct {
	ewa, ewaMin    float64
	hasEWA, hasMin bool
	noImprovement  int
}

// done records the step's batch cost (a batch of r of the n rows) and
// reports whether Fit stops: H moved by at most tol·‖H‖, or the smoothed
// cost has not reached a new minimum for maxNoImprovement steps.
func (v *mbConvergence) done(cfg *config, cost float64, r, n int, ht, prev []float64) bool {
	if !v.hasEWA {
		v.ewa, v.hasEWA = cost, true
	} else {
		a := min(float64(r)/float64(n+1), 1)
		v.ewa = v.ewa*(1-a) + cost*a
	}
	if cfg.tol > 0 && relativeChange(ht, prev) <= cfg.tol {
		return true
	}
	if !v.hasMin || v.ewa < v.ewaMin {
		v.noImprovement, v.ewaMin, v.hasMin = 0, v.ewa, true
	} else {
		v.noImprovement++
	}
	return cfg.maxNoImprovement > 0 && v.noImprovement >= cfg.maxNoImprovement
}

// FitTransform fits the model to X and returns W, the n×k transformed data
// (scikit-learn's fit_transform).
func (m *MiniBatchNMF) FitTransform(x mat.Matrix) (*mat.Dense, error) {
	if err := m.Fit(x); err != nil {
		return nil, err
	}
	return m.W(), nil
}

// W returns a copy of W (n×k) of the last Fit, or of the last PartialFit's
// chunk; nil before either.
func (m *MiniBatchNMF) W() *mat.Dense { return m.fitted().copyW() }

// H returns a copy of H (k×m), the components; nil before Fit or
// PartialFit.
func (m *MiniBatchNMF) H() *mat.Dense { return m.fitted().copyH() }

// NIter returns the epochs over X that the last Fit started,
// ⌈NSteps/⌈n/b⌉⌉; PartialFit leaves it as it was (0 before Fit).
func (m *MiniBatchNMF) NIter() int {
	if m.state == nil {
		return 0
	}
	return m.state.nIter
}

// NSteps returns the minibatch steps done: by the last Fit, plus one per
// PartialFit since (0 before either).
func (m *MiniBatchNMF) NSteps() int {
	if m.state == nil {
		return 0
	}
	return m.state.nSteps
}

// ReconstructionErr returns scikit-learn's reconstruction_err_ of the last
// Fit, sqrt(2·D_β(X | WH)) over all of X without the penalties (for the
// Frobenius loss ‖X − WH‖); NaN before Fit and after a PartialFit.
func (m *MiniBatchNMF) ReconstructionErr() float64 { return m.fitted().recErrOrNaN() }

// History returns a copy of the batch cost of every step (see
// MiniBatchNMF), NSteps values; nil before Fit or PartialFit.
func (m *MiniBatchNMF) History() []float64 { return m.fitted().copyHistory() }

// Transform returns W (n'×k) for new data X (n'×m, non-negative) with the
// fitted H fixed, by scikit-learn's _solve_W (see MiniBatchNMF): the
// multiplicative update from every entry sqrt(mean(X)/k) until
// ‖W − W_prev‖_F ≤ WithTol·‖W‖_F, for at most WithTransformMaxIter
// iterations. X is read as by Fit; a model that is not fitted returns
// ErrNotFitted.
func (m *MiniBatchNMF) Transform(x mat.Matrix) (*mat.Dense, error) {
	return m.TransformContext(context.Background(), x)
}

// TransformContext is Transform with a context, checked before every
// iteration: when it is done, TransformContext returns an error wrapping
// ctx.Err(). A nil ctx is refused with an error wrapping ErrInvalidOption.
func (m *MiniBatchNMF) TransformContext(ctx context.Context, x mat.Matrix) (*mat.Dense, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	f := m.fitted()
	if f == nil {
		return nil, ErrNotFitted
	}
	in, err := newInput(x, "X")
	if err != nil {
		return nil, err
	}
	k, mm := f.dims()
	if in.m != mm {
		return nil, shapeError("X has %d columns, the model was fitted on %d", in.m, mm)
	}
	if err := in.checkNMF("X", f.beta); err != nil {
		return nil, err
	}
	if err := checkMemory(fitMemory(in, k, 1, mbWorkspace(in, f.beta), false), fmt.Sprintf("a transform of a %d×%d matrix with k = %d", in.n, in.m, k)); err != nil {
		return nil, err
	}
	p := newPool(defaultProcs())
	defer p.close()
	defer p.watch(ctx)()
	w := make([]float64, in.n*k)
	err = solveWMU(ctx, in, w, f.ht, k, f.beta, f.penW, f.stop, p)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, fmt.Errorf("factor: transform stopped: %w", ctxErr)
	}
	if err != nil {
		return nil, err
	}
	return mat.NewDense(in.n, k, w), nil
}

// InverseTransform returns W·H (n'×m), the data a W (n'×k) represents.
// W must be finite and non-negative: a bad entry is an *EntryError wrapping
// ErrNotFinite or ErrNegative. A product beyond float64's range returns an
// error wrapping ErrNotFinite.
func (m *MiniBatchNMF) InverseTransform(w mat.Matrix) (*mat.Dense, error) {
	return m.fitted().inverse(w)
}

// fitted returns the model's fitted part, nil when not fitted.
func (m *MiniBatchNMF) fitted() *fitted {
	if m.state == nil {
		return nil
	}
	return &m.state.fitted
}
