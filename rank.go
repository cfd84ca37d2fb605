package factor

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// Rank selection: EstimateRank fits NMF for each k of a list, r runs on all
// of X and f fits of held-out folds, scheduled together (this file); the
// folds and their error are in heldout.go, the consensus matrix, its
// average linkage and the measures read from them in consensus.go.

// Defaults and limits of EstimateRank.
const (
	// DefaultRankRestarts is the number of runs per k of EstimateRank
	// when WithRestarts is not given: the consensus is over them.
	DefaultRankRestarts = 10
	// DefaultHeldOutFraction is the share of the entries that a held-out
	// fold hides (WithHeldOutFraction).
	DefaultHeldOutFraction = 0.1
	// DefaultHeldOutFolds is the number of held-out folds
	// (WithHeldOutFolds).
	DefaultHeldOutFolds = 5
	// MaxConsensusRows is the most rows of X for which EstimateRank
	// forms the n×n consensus matrix (8·n² bytes for each k, 128 MiB at
	// the limit) and its average linkage; above it Consensus is nil and
	// Cophenetic and Dispersion are NaN.
	MaxConsensusRows = 4096
)

// RankScore is what EstimateRank measures of one number of components k,
// over r runs of NMF on all of X (WithRestarts) and f fits of held-out
// folds (WithHeldOutFolds). A measure that is undefined is NaN.
type RankScore struct {
	// K is the number of components.
	K int

	// Objective is the lowest final objective of the r runs (the
	// regularized objective of NMF; the lowest run index on a tie): the
	// Objective of NMF.Fit with WithK(K) and WithRestarts(r), to the bit
	// when their starts agree (see EstimateRank on the shared SVD).
	Objective float64

	// ExplainedVariance is 1 − ‖X − WH‖²/‖X‖² for the W and H of that
	// best run, whatever the loss (R's NMF's evar), with both sums over
	// the entries that count, weighted, for WithWeights and
	// WithObservedOnly. NaN when X is 0.
	ExplainedVariance float64

	// Consensus is the n×n consensus matrix C of the r runs: C_ij is the
	// share of the runs in which rows i and j of X, the samples, fall in
	// the same cluster, a row's cluster being the index of the largest
	// entry of its row of W (the lowest index on a tie, so a zero row
	// goes to component 0). C_ii = 1. It is nil for a single run and
	// when n exceeds MaxConsensusRows. (R's NMF clusters the columns of
	// its data by H: pass the transpose to compare.)
	Consensus *mat.SymDense

	// Cophenetic is the cophenetic correlation coefficient of Brunet et
	// al. (2004): the Pearson correlation, over the pairs i < j, of the
	// distances 1 − C_ij with their cophenetic distances in the average
	// linkage (UPGMA) clustering of 1 − C. UPGMA starts from the n rows
	// as clusters, numbered by their row; it merges the two clusters A
	// and B at the least distance, the pair (A, B), A < B, first in the
	// order of (A, B) among equal distances, into a cluster numbered A,
	// and sets the distance of every other cluster X to it by the
	// Lance–Williams update of average linkage,
	// d(X, A∪B) = (|A|·d(X, A) + |B|·d(X, B)) / (|A| + |B|), the mean of
	// 1 − C over the pairs between X and A∪B. The cophenetic distance of
	// i and j is the distance at which their clusters merge. Since the
	// entries of C are multiples of 1/r, the distances are computed as
	// exact integer sums, so ties are exact. NaN when Consensus is nil,
	// and when all the distances are equal (every run one cluster, as at
	// k = 1, or n < 3).
	Cophenetic float64

	// Dispersion is the dispersion coefficient of Kim & Park (2007),
	// Σ_ij 4·(C_ij − ½)² / n² over all n² entries, 1 for a consensus of
	// zeros and ones; NaN when Consensus is nil.
	Dispersion float64

	// HeldOutErr is the mean over the f folds of the fold's held-out
	// error: the mean divergence d_β(x_ij | (WH)_ij) over the entries the
	// fold held out, weighted by their weights with WithWeights, for the
	// W and H fitted with those entries at weight 0. d_β is the
	// per-entry divergence of the objective (½(x − y)² for the Frobenius
	// loss, so HeldOutErr is half the mean squared error there; y = 0 is
	// replaced by 2⁻²³ where a term divides by it). NaN without folds.
	// A fold's fit may predict a held-out entry far off where its kept
	// entries leave a factor entry nearly free (an entry of H whose
	// column is kept only in rows with little of that component): its
	// error then stands out, and HeldOutErrStd with it.
	HeldOutErr float64

	// HeldOutErrStd is the standard error of HeldOutErr: the sample
	// standard deviation of the f fold errors divided by √f; NaN for
	// fewer than 2 folds.
	HeldOutErrStd float64
}

// EstimateRank measures how well NMF fits X with each number of
// components k of ks, to choose k. For each k it makes
//
//   - r runs of NMF on all of X, as NMF.Fit does with WithK(k) and
//     WithRestarts(r) (r from WithRestarts, DefaultRankRestarts when not
//     given): the first from the configured start, the others from random
//     starts, each under the given options (beta, solver, penalties,
//     tolerance, iterations, init, seed, weights). The best run gives
//     Objective and ExplainedVariance, all of them the consensus matrix
//     and its Cophenetic and Dispersion coefficients (see RankScore);
//   - f fits of held-out folds (WithHeldOutFolds, default 5), one run
//     each from the configured start: the fit of X with the fold's
//     entries at weight 0 (WithWeights), scored by its mean divergence
//     on them (HeldOutErr). The folds are built once, from the seed: the
//     N entries that count (all n·m entries of X, zeros included, or the
//     entries Ω of positive weight with WithWeights or WithObservedOnly)
//     are put in a random order π, and fold t (from 0) holds out the
//     h = round(p·N) entries π[(t·h + s) mod N], s = 0…h−1, with p from
//     WithHeldOutFraction (default 0.1) and 1 ≤ h ≤ N − 1: the folds are
//     disjoint when f·h ≤ N, and wrap around π otherwise. A row or column
//     whose entries a fold holds out entirely gets a zero factor row in
//     that fold's fit.
//
// The result has one RankScore for each k, in the order of ks. The cost
// is (r + f) fits per k. All of them, over every k, go to GOMAXPROCS
// workers side by side (the larger k first), each fit on one core when
// there are more fits than cores; nothing is done twice: X is read,
// checked and brought to unit scale once, each fold's data is built once
// and serves every k, and the SVD behind an NNDSVD start (of X for the
// first runs, of each fold's data for its fits) is computed once, for
// the largest k, and truncated for the others, which for an X small
// enough for the exact SVD gives the start NMF.Fit takes, bit for bit.
// The consensus and its linkage take O(r·n²/k + n²) time and 8·n² bytes
// per k (12·n² while a k's runs are counted and clustered), and a held-out
// fit visits every entry that counts, zeros included: on a sparse X it
// costs as a dense fit, O((1−p)·N·k) per iteration and 16·(1−p)·N bytes
// for each fold's data. The memory is estimated first, and a survey that
// would not fit is refused with ErrTooLarge.
//
// The same seed, data and options give the same bits whatever GOMAXPROCS
// is and however the fits are scheduled. Every k must lie in
// [1, min(n, m)] (an error wrapping ErrRank otherwise) and appear once;
// an empty ks, a repeated or non-positive k, WithK, WithInitialFactors,
// WithFeatureNames, the options of other models, a held-out fraction
// outside (0, 1), a negative number of folds, and folds with
// AcceleratedHALS (which takes no weights) are errors wrapping
// ErrInvalidOption; X is checked as by NMF.Fit. WithProgress reports
// every iteration of every fit, with Progress.K and Progress.Fold set.
// Once ctx is done no further fit starts, the running ones stop within a
// block of their work, and EstimateRank returns an error wrapping
// ctx.Err(); when a fit fails, the error of the first one to fail,
// naming its k and run or fold.
func EstimateRank(ctx context.Context, x mat.Matrix, ks []int, opts ...Option) ([]RankScore, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	cfg := newConfig(opts)
	if cfg.set&optRestarts == 0 {
		cfg.restarts = DefaultRankRestarts
	}
	kmax, err := checkRanks(ks)
	if err != nil {
		return nil, err
	}
	if err := cfg.validateRank(kmax); err != nil {
		return nil, err
	}
	if !isNil(x) {
		if n, m := x.Dims(); kmax > min(n, m) {
			return nil, fmt.Errorf("%w: k = %d exceeds min(n, m) = %d of the %d×%d data", ErrRank, kmax, min(n, m), n, m)
		}
	}
	cfg.k, cfg.set = kmax, cfg.set|optK // read and check X as for the largest k
	in, scale, err := cfg.nmfInput(x)
	if err != nil {
		return nil, err
	}
	s, err := newSurvey(&cfg, ks, in, scale)
	if err != nil {
		return nil, err
	}
	if err := s.checkMemory(); err != nil {
		return nil, err
	}
	s.allocate()
	err = runJobs(ctx, s.jobs(), s.do)
	if err != nil {
		return nil, fmt.Errorf("factor: EstimateRank stopped: %w", err)
	}
	if s.err != nil {
		return nil, s.err
	}
	return s.scores(), nil
}

// checkRanks checks the list of ks and returns the largest.
func checkRanks(ks []int) (int, error) {
	if len(ks) == 0 {
		return 0, optionError("EstimateRank needs at least one k")
	}
	seen := map[int]bool{}
	for _, k := range ks {
		switch {
		case k < 1:
			return 0, optionError("EstimateRank: k = %d, want k ≥ 1", k)
		case seen[k]:
			return 0, optionError("EstimateRank: k = %d appears twice in ks", k)
		}
		seen[k] = true
	}
	return slices.Max(ks), nil
}

// validateRank checks the settings for EstimateRank, whose largest k is
// kmax: those of NMF, and the held-out part's.
func (c *config) validateRank(kmax int) error {
	if extra := c.set &^ rankOptions; extra != 0 {
		return optionError("%s does not apply to EstimateRank (it takes the ks as its argument and keeps no model)", extra.name())
	}
	nmf := *c
	nmf.k, nmf.set = kmax, (c.set|optK)&^rankOnly
	if err := nmf.validateNMF(); err != nil {
		return err
	}
	switch {
	case !(c.heldOutFraction > 0 && c.heldOutFraction < 1):
		return optionError("WithHeldOutFraction(%g): want a share in (0, 1)", c.heldOutFraction)
	case c.heldOutFolds < 0 || c.heldOutFolds > MaxRestarts:
		return optionError("WithHeldOutFolds(%d): want a value from 0 to %d", c.heldOutFolds, MaxRestarts)
	case c.heldOutFolds > 0 && c.solver == AcceleratedHALS:
		return optionError("held-out folds with solver ahals: AcceleratedHALS does not take weights; use HALS, or WithHeldOutFolds(0)")
	}
	return nil
}

// survey is the work of EstimateRank: for each k of ks (numbered ki), r
// runs on all of X and f fits of held-out folds, run as jobs by runJobs.
type survey struct {
	cfg       config // validated; cfg.k is set per fit
	ks        []int
	order     []int // the ks' numbers, by decreasing k: the order of the jobs
	in        *input
	scale     float64
	solver    func(c core) iterator
	report    func(Progress)
	svd       sharedSVD // of X, for the first runs
	held      *heldOut  // nil without folds
	consensus bool      // whether the runs are counted into a consensus

	acc []rankAcc // one for each k, by ki

	mu  sync.Mutex
	err error // the first fit's failure
}

func newSurvey(cfg *config, ks []int, in *input, scale float64) (*survey, error) {
	s := &survey{
		cfg: *cfg, ks: ks, in: in, scale: scale,
		solver:    cfg.nmfSolver(in.n, in.m, scale),
		report:    serialized(cfg.progress),
		consensus: cfg.restarts > 1 && in.n <= MaxConsensusRows,
		acc:       make([]rankAcc, len(ks)),
	}
	s.order = make([]int, len(ks))
	for i := range s.order {
		s.order[i] = i
	}
	slices.SortStableFunc(s.order, func(a, b int) int { return ks[b] - ks[a] })
	s.svd = newSharedSVD(cfg, ks, in.n, in.m)
	if f := cfg.heldOutFolds; f > 0 {
		var err error
		if s.held, err = newHeldOut(in, cfg); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// allocate makes what the fits fill: the gatherers of the ks and the
// folds, after the memory check.
func (s *survey) allocate() {
	for i := range s.acc {
		s.acc[i] = rankAcc{runsLeft: s.cfg.restarts, heldOut: make([]float64, s.cfg.heldOutFolds)}
	}
	if s.held != nil {
		s.held.allocate(&s.cfg, s.ks)
	}
}

// perK is the number of fits per k.
func (s *survey) perK() int { return s.cfg.restarts + s.cfg.heldOutFolds }

// jobs is the number of fits in all.
func (s *survey) jobs() int { return len(s.ks) * s.perK() }

// job returns what job j is: k number ki and run number run (fold < 0),
// or held-out fold number fold. The jobs of each k are its first run,
// its folds and its other runs, so that the first jobs compute the shared
// SVDs side by side.
func (s *survey) job(j int) (ki, run, fold int) {
	ki, q := s.order[j/s.perK()], j%s.perK()
	f := s.cfg.heldOutFolds
	switch {
	case q == 0:
		return ki, 0, -1
	case q <= f:
		return ki, 0, q - 1
	}
	return ki, q - f, -1
}

// do performs job j on the pool p and reports whether it failed.
func (s *survey) do(ctx context.Context, j int, p *pool) bool {
	ki, run, fold := s.job(j)
	cfg := s.cfg
	cfg.k = s.ks[ki]
	var err error
	if fold < 0 {
		err = s.run(ctx, &cfg, ki, run, p)
		if err != nil {
			err = fmt.Errorf("factor: EstimateRank, k = %d, run %d: %w", cfg.k, run, err)
		}
	} else {
		err = s.fold(ctx, &cfg, ki, fold, p)
		if err != nil {
			err = fmt.Errorf("factor: EstimateRank, k = %d, held-out fold %d: %w", cfg.k, fold, err)
		}
	}
	if err == nil {
		return false
	}
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
	return true
}

// run performs run number run of k on all of X and counts it.
func (s *survey) run(ctx context.Context, cfg *config, ki, run int, p *pool) error {
	out, err := runOnce(ctx, s.in, cfg, run, p, s.reporter(cfg.k, 0), true, s.start(&s.svd, cfg.k), s.solver)
	if err != nil {
		return err
	}
	return s.acc[ki].addRun(s, cfg.k, run, out)
}

// fold performs the fit of held-out fold t for k and scores it.
func (s *survey) fold(ctx context.Context, cfg *config, ki, t int, p *pool) error {
	fd := s.held.fold(t)
	out, err := runOnce(ctx, fd.in, cfg, 0, p, s.reporter(cfg.k, t+1), true, s.start(&fd.svd, cfg.k), s.solver)
	if err != nil {
		return err
	}
	e := s.held.score(fd, out, cfg.k)
	a := &s.acc[ki]
	a.mu.Lock()
	a.heldOut[t] = e
	a.mu.Unlock()
	return nil
}

// reporter returns the progress callback of a fit of k (fold 0 for the
// runs on all of X, t+1 for fold t).
func (s *survey) reporter(k, fold int) func(Progress) {
	if s.report == nil {
		return nil
	}
	return func(p Progress) {
		p.K, p.Fold = k, fold
		s.report(p)
	}
}

// start returns the start of NMF's runs of k, as nmfStart, but for an
// NNDSVD start, which reads its singular triplets from src.
func (s *survey) start(src *sharedSVD, k int) func(c *core, restart int, rng *rand.Rand) error {
	shared := func(c *core, _ *rand.Rand) (u, sv, v []float64, err error) { return src.leading(c, k) }
	return func(c *core, restart int, rng *rand.Rand) error {
		return startFrom(c, resolveInit(s.cfg.init, k, c.n, c.m, restart), rng, shared)
	}
}

// sharedSVD is the truncated SVD of one data matrix, computed once, by
// the first fit that needs it, for the largest k, and read by the fits of
// every k. Its randomized SVD takes the power iterations of the smallest
// k (more, if any).
type sharedSVD struct {
	once    sync.Once
	k       int // triplets computed
	iters   int // power iterations of the randomized SVD
	seed    uint64
	u, s, v []float64
	err     error
}

func newSharedSVD(cfg *config, ks []int, n, m int) sharedSVD {
	return sharedSVD{k: slices.Max(ks), iters: powerIterations(slices.Min(ks), n, m), seed: cfg.seed}
}

// leading returns the k leading singular triplets of the data of c (of
// its filled form for observed data, as ownSVD), computing the SVD
// on c's pool if no fit has yet.
func (sv *sharedSVD) leading(c *core, k int) (u, s, v []float64, err error) {
	sv.once.Do(func() {
		sc := *c
		if sc.in, sv.err = c.in.filled(); sv.err != nil {
			return
		}
		var ok bool
		sv.u, sv.s, sv.v, ok = truncatedSVDPowers(&sc, sv.k, sv.iters, newRNG(sv.seed, 0))
		if !ok {
			sv.err = fmt.Errorf("%w: the SVD for the NNDSVD start did not converge", ErrNotFinite)
		}
	})
	if sv.err != nil {
		return nil, nil, nil, sv.err
	}
	return leadingOf(sv.u, sv.k, k), sv.s[:k], leadingOf(sv.v, sv.k, k), nil
}

// leadingOf returns the first k columns of the row-major matrix a of K
// columns.
func leadingOf(a []float64, K, k int) []float64 {
	if k == K {
		return a
	}
	rows := len(a) / K
	out := make([]float64, rows*k)
	for i := range rows {
		copy(out[i*k:(i+1)*k], a[i*K:i*K+k])
	}
	return out
}

// rankAcc gathers the fits of one k.
type rankAcc struct {
	mu       sync.Mutex
	runsLeft int
	best     *outcome // the run of the lowest objective so far
	bestRun  int
	counts   []uint32  // for each pair i < j, the runs that put i and j together
	heldOut  []float64 // the error of each fold
	score    RankScore // filled by finish, but for the held-out part
}

// addRun counts run number run of k, whose outcome is out, and finishes
// the runs of k after the last.
func (a *rankAcc) addRun(s *survey, k, run int, out *outcome) error {
	var labels []int32
	if s.consensus {
		labels = argmaxRows(out.w, s.in.n, k)
	}
	a.mu.Lock()
	if labels != nil {
		if a.counts == nil {
			a.counts = make([]uint32, pairCount(s.in.n))
		}
		addConnectivity(a.counts, labels, k)
	}
	if a.best == nil || out.objective < a.best.objective || out.objective == a.best.objective && run < a.bestRun {
		a.best, a.bestRun = out, run
	}
	a.runsLeft--
	last := a.runsLeft == 0
	a.mu.Unlock()
	if !last {
		return nil
	}
	return a.finish(s, k)
}

// finish computes the measures of the runs of k: the objective and
// explained variance of the best run, and the consensus with its
// coefficients.
func (a *rankAcc) finish(s *survey, k int) error {
	best := a.best
	sc := RankScore{K: k, Cophenetic: math.NaN(), Dispersion: math.NaN()}
	sc.ExplainedVariance = 1 - s.in.residualSq(best.w, best.ht, k)/s.in.sumSq
	if err := best.unscale(s.scale, s.cfg.beta); err != nil {
		return err
	}
	sc.Objective = best.objective
	if a.counts != nil {
		c := newConsensus(a.counts, s.in.n, s.cfg.restarts)
		sc.Consensus, sc.Cophenetic, sc.Dispersion = c.matrix(), c.cophenetic(), c.dispersion()
	}
	a.mu.Lock()
	a.score, a.best, a.counts = sc, nil, nil
	a.mu.Unlock()
	return nil
}

// scores returns the RankScore of every k, in the order of ks.
func (s *survey) scores() []RankScore {
	out := make([]RankScore, len(s.ks))
	for i := range s.acc {
		a := &s.acc[i]
		out[i] = a.score
		out[i].HeldOutErr, out[i].HeldOutErrStd = meanAndStdErr(a.heldOut)
	}
	return out
}

// meanAndStdErr returns the mean of e, in order, and its standard error,
// the sample standard deviation over √len(e): NaN, NaN for no values, and
// a NaN standard error for one.
func meanAndStdErr(e []float64) (mean, stdErr float64) {
	f := float64(len(e))
	if len(e) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, v := range e {
		mean += v
	}
	mean /= f
	if len(e) < 2 {
		return mean, math.NaN()
	}
	var ss float64
	for _, v := range e {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss/(f-1)) / math.Sqrt(f)
}
