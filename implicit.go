package factor

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// ImplicitALS factorizes implicit feedback (Hu, Koren & Volinsky 2008):
// an n×m matrix X of interactions r ≥ 0 (plays, purchases, clicks, which
// package depends on which; usually a *CSR), with users as rows and items
// as columns, into user factors W (n×k) and item factors H (k×m) of any
// sign minimizing, over all n·m entries,
//
//	Σ_ij c_ij·(p_ij − w_i·h_j)² + λ·(‖W‖² + ‖H‖²),  p_ij = 1[r_ij > 0],  c_ij = 1 + a·r_ij
//
// with the confidence weight a of WithConfidence (default 1) and the ridge
// weight λ of WithAlpha (default 0.01 for ImplicitALS). Every entry counts,
// the missing ones as preferences of 0 held with confidence 1, yet no step
// forms an n×m matrix: each half-iteration solves every row of W exactly
// (rows in parallel) by its normal equations
//
//	(HHᵀ + Σ_{j: r_ij > 0} (c_ij − 1)·h_j·h_jᵀ + λ·I)·w_i = Σ_{j: r_ij > 0} c_ij·h_j
//
// whose sum over all items enters through the k×k Gram matrix HHᵀ, then
// every item of H the same way against W: O(nnz·k² + (n + m)·k³) an
// iteration, or with WithCGSteps(s) s conjugate-gradient steps per row
// from its previous value, O(s·(nnz·k + (n + m)·k²)). W is updated first,
// from the start of WithInitialFactors or entries 0.01·N(0, 1) (seeded by
// WithSeed); the objective, summed exactly from the Gram matrices and the
// interactions, is recorded after each iteration, and the fit stops by
// WithTol's rule or after WithMaxIter iterations (default 15 for
// ImplicitALS).
//
// A fitted model recommends: Recommend ranks the items a user has no
// interaction with by w_u·h_j, RecommendRow does the same for a new user
// folded in by Transform, and SimilarItems ranks items by the cosine of
// their factors. The same seed, data and settings give the same bits on
// any number of cores; an iteration allocates nothing. Fit must not run
// concurrently with other methods; the others may run concurrently after
// Fit.
type ImplicitALS struct {
	cfg config
	fit *implicitFit
}

// implicitFit is what a successful fit leaves.
type implicitFit struct {
	w         *mat.Dense // n×k
	h         *mat.Dense // k×m
	ht        []float64  // Hᵀ, m×k
	gramH     []float64  // HHᵀ, the base of a fold-in
	norms     []float64  // ‖h_j‖ of each item
	history   []float64
	objective float64
	seen      *CSR // the interactions r > 0 of the fitted data
	lambda    float64
	conf      float64
}

// NewImplicitALS returns an implicit-feedback ALS model with the given
// options: WithK (required), WithAlpha (λ, default 0.01), WithConfidence,
// WithCGSteps, WithMaxIter (default 15), WithTol, WithSeed,
// WithInitialFactors and WithProgress; Fit rejects the others.
func NewImplicitALS(opts ...Option) *ImplicitALS {
	cfg := newConfig(opts)
	if cfg.set&optAlpha == 0 {
		cfg.alphaW = DefaultImplicitAlpha
	}
	if cfg.set&optMaxIter == 0 {
		cfg.maxIter = DefaultImplicitMaxIter
	}
	return &ImplicitALS{cfg: cfg}
}

// Fit factorizes the interactions X (r ≥ 0), read as NMF.Fit reads X. On
// error the model is left as it was.
func (m *ImplicitALS) Fit(x mat.Matrix) error { return m.FitContext(context.Background(), x) }

// FitContext is Fit with a context, checked before every iteration and
// between blocks of rows. A nil ctx is refused with an error wrapping
// ErrInvalidOption.
func (m *ImplicitALS) FitContext(ctx context.Context, x mat.Matrix) error {
	if err := checkContext(ctx); err != nil {
		return err
	}
	cfg := m.cfg
	if err := cfg.validateImplicit(); err != nil {
		return err
	}
	in, err := newInteractions(x, "X", cfg.confidence)
	if err != nil {
		return err
	}
	if in.csr.NNZ() == 0 {
		return shapeError("X has no interaction (no entry > 0): nothing to fit")
	}
	if err := cfg.validateData(in.n, in.m); err != nil {
		return err
	}
	if err := checkInitialFactors(&cfg, in, false); err != nil {
		return err
	}
	if err := checkMemory(implicitMemory(in, cfg.k), fmt.Sprintf("an implicit ALS fit of a %d×%d matrix with k = %d", in.n, in.m, cfg.k)); err != nil {
		return err
	}
	start := func(c *core, _ int, rng *rand.Rand) error { implicitStart(c, rng); return nil }
	solver := func(c core) iterator { return newImplicitRun(c, cfg.alphaW, cfg.confidence, cfg.cgSteps) }
	out, err := runRestarts(ctx, &cfg, func(ctx context.Context, restart int, p *pool, report func(Progress)) (*outcome, error) {
		return runOnce(ctx, in, &cfg, restart, p, report, false, start, solver)
	})
	if err != nil {
		return err
	}
	m.fit = newImplicitFit(in.csr, &cfg, out.w, out.ht, out.history, out.objective)
	return nil
}

// newImplicitFit makes the fitted state from the interactions (n×m) and
// the factors W and Hᵀ.
func newImplicitFit(seen *CSR, cfg *config, w, ht, history []float64, objective float64) *implicitFit {
	k, n, m := cfg.k, seen.rows, seen.cols
	f := &implicitFit{
		w: mat.NewDense(n, k, w), h: mat.DenseCopyOf(mat.NewDense(m, k, ht).T()), ht: ht,
		gramH: make([]float64, k*k), norms: make([]float64, m),
		history: history, objective: objective, seen: seen, lambda: cfg.alphaW, conf: cfg.confidence,
	}
	p := newPool(1)
	defer p.close()
	newGramJob().gram(p, f.gramH, ht, m, k)
	for j := range f.norms {
		f.norms[j] = math.Sqrt(sqNorm(ht[j*k : j*k+k]))
	}
	return f
}

// newInteractions reads X for ImplicitALS: r ≥ 0 and finite, kept as the
// CSR of its entries r > 0 (the interactions), with confidence weights
// a·r that must be finite.
func newInteractions(x mat.Matrix, name string, conf float64) (*input, error) {
	full, err := newInput(x, name)
	if err != nil {
		return nil, err
	}
	if i, j, v, ok := full.find(func(v float64) bool { return v < 0 }); ok {
		return nil, &EntryError{Matrix: name, Row: i, Col: j, Value: v, Err: ErrNegative}
	}
	if i, j, v, ok := full.find(func(v float64) bool { return !isFinite(conf * v) }); ok {
		return nil, &EntryError{Matrix: name, Row: i, Col: j, Value: v, Err: ErrNotFinite}
	}
	in := &input{n: full.n, m: full.m, scale: 1, observed: true}
	b := newCSRBuilder(full.n, 0, false)
	for i := 0; i < full.n; i++ {
		if full.sparse() {
			cols, vals := full.csr.RowNNZ(i)
			for p, j := range cols {
				b.addObserved(j, vals[p], vals[p])
			}
		} else {
			for j, v := range full.denseRow(i) {
				b.addObserved(j, v, v)
			}
		}
		b.endRow()
	}
	in.csr = b.csr(full.n, full.m)
	in.sumSq = in.sumSquares()
	return in, nil
}

// implicitStart draws every entry of W and H from 0.01·N(0, 1), of
// either sign (the implicit package draws from 0.01·U[0, 1)).
func implicitStart(c *core, rng *rand.Rand) {
	for _, f := range [][]float64{c.w, c.ht} {
		for i := range f {
			f[i] = 0.01 * rng.NormFloat64()
		}
	}
}

// implicitMemory estimates what an implicit fit allocates beyond X: the
// interactions and their transpose, the factors twice (the run and the
// fitted model), and a row solver for each goroutine.
func implicitMemory(in *input, k int) float64 {
	n, m, kk, nnz := float64(in.n), float64(in.m), float64(k), float64(in.nnz())
	procs := float64(defaultProcs())
	return 8 * (4*nnz + 2*(n+m) + 2*(n+m)*kk + procs*((kk+3)*max(n, m)+kk*kk) + 8*kk*kk)
}

// implicitRun is the iterator of ImplicitALS.
type implicitRun struct {
	core
	lambda, conf float64
	cgSteps      int
	sides        [2]omegaSide
	gramW, gramH []float64
	side         *omegaSide
	base         []float64
	update       bool
	score        bool // the pass sums the objective's terms over the interactions
	rows         *rowPass
	loss         float64 // the objective without the ridge penalty
}

func newImplicitRun(c core, lambda, conf float64, cgSteps int) *implicitRun {
	r := &implicitRun{core: c, lambda: lambda, conf: conf, cgSteps: cgSteps,
		sides: c.omegaSides(penalty{}, penalty{}), gramW: make([]float64, c.k*c.k), gramH: make([]float64, c.k*c.k)}
	r.rows = newRowPass(c.pool, c.k, longestRow(r.sides), r.row)
	return r
}

// objective returns the objective from the last pass's sums over the
// interactions Ω, Σ_Ω c·(1 − y)² and Σ_Ω y², and the Gram matrices of the
// factors: the entries outside Ω add Σ y² there, ⟨WᵀW, HHᵀ⟩ − Σ_Ω y². The
// first sum has no cancellation; the second is clamped at 0, since
// rounding can leave it slightly below when the model is near 0 outside
// Ω, and is accurate to about 1e-16·⟨WᵀW, HHᵀ⟩.
func (r *implicitRun) objective(inside, insideSq float64) float64 {
	r.loss = inside + max(dot(r.gramW, r.gramH)-insideSq, 0)
	return r.loss + r.lambda*(sqNorm(r.w)+sqNorm(r.ht))
}

func (r *implicitRun) start() float64 {
	r.gram(r.gramW, r.w, r.n)
	r.gram(r.gramH, r.ht, r.m)
	inside, insideSq, _ := r.pass(&r.sides[0], nil, false, true)
	return r.objective(inside, insideSq)
}

func (r *implicitRun) iterate() (float64, error) {
	if _, _, err := r.pass(&r.sides[0], r.gramH, true, false); err != nil {
		return 0, err
	}
	r.gram(r.gramW, r.w, r.n)
	inside, insideSq, err := r.pass(&r.sides[1], r.gramW, true, true)
	if err != nil {
		return 0, err
	}
	r.gram(r.gramH, r.ht, r.m)
	return r.objective(inside, insideSq), nil
}

func (r *implicitRun) finish(last float64) (objective, loss float64, err error) {
	return last, r.loss, nil
}

// pass solves the rows of one side against the base Gram matrix of the
// other factor (without update, it only scores them) and, with score,
// returns the sums over the side's interactions of c·(1 − y)² and of y²
// after it. The objective needs them once an iteration, after the update
// of H: the pass of W leaves them out, which saves O(nnz·k) of its work.
func (r *implicitRun) pass(s *omegaSide, base []float64, update, score bool) (inside, insideSq float64, err error) {
	r.side, r.base, r.update, r.score = s, base, update, score
	perRow := rowCost(s.omega, r.k)
	if r.cgSteps > 0 {
		perRow = (s.omega.NNZ()/max(s.omega.rows, 1) + r.k) * r.k * 2 * r.cgSteps
	}
	inside, insideSq, i := r.rows.run(s.omega.rows, perRow)
	r.side, r.base = nil, nil
	if i >= 0 {
		what := "user"
		if s == &r.sides[1] {
			what = "item"
		}
		return 0, 0, fmt.Errorf("%w: the system of %s %d is singular; raise WithAlpha (now %g)", ErrRank, what, i, r.lambda)
	}
	return inside, insideSq, nil
}

// row solves row i of the side (when updating) and returns its shares of
// the sums over the interactions, Σ c·(1 − y)² and Σ y².
func (r *implicitRun) row(rs *rowSolver, i int) (float64, float64, bool) {
	s, k := r.side, r.k
	cols, x, _ := s.entries(i)
	a := s.a[i*k : i*k+k]
	if r.update {
		g, q := rs.weights(len(cols))
		confidences(g, q, x, r.conf)
		pr := rowProblem{base: r.base, lambda: r.lambda}
		if r.cgSteps > 0 {
			rs.conjugateGradient(a, cols, g, q, s.b, pr, r.cgSteps)
		} else if !rs.solve(a, cols, g, q, s.b, pr) {
			return 0, 0, false
		}
	}
	if !r.score {
		return 0, 0, true
	}
	var inside, insideSq float64
	for p, c := range cols {
		y := dot4(a, s.b[c*k:c*k+k])
		d := 1 - y
		inside += (1 + r.conf*x[p]) * d * d
		insideSq += y * y
	}
	return inside, insideSq, true
}

// confidences sets the Gram weights g = c − 1 = a·r and the right-hand-side
// weights q = c·p = 1 + a·r of a row's interactions r > 0.
func confidences(g, q, r []float64, a float64) {
	for p, v := range r {
		g[p] = a * v
		q[p] = 1 + a*v
	}
}
