package factor

import (
	"fmt"
	"math"
	"runtime/debug"
	"runtime/metrics"
	"slices"
)

// A fit, a Transform and ReadMatrixMarket estimate the memory they will
// allocate before they allocate it, and refuse with an error wrapping
// ErrTooLarge when it exceeds what the process may still use: the smallest
// of the Go memory limit (debug.SetMemoryLimit or GOMEMLIMIT, when set),
// the address-space limit (ulimit -v) and the memory of the machine or of
// its control group, less what the Go runtime holds already. The estimates
// count the large arrays (factors, cross products, Gram matrices and their
// partial sums, the model values of MU, the copies of X the solvers make,
// the SVD of the start) and round up; they are meant to refuse the
// impossible quickly, not to budget to the byte.

// memoryBudget returns how many bytes the process may still allocate and
// the limit that sets it, for messages.
func memoryBudget() (bytes float64, source string) {
	bytes, source = math.Inf(1), "no limit"
	if v := debug.SetMemoryLimit(-1); v < math.MaxInt64 {
		bytes, source = float64(v), "the Go memory limit (GOMEMLIMIT)"
	}
	if v, src, ok := systemMemory(); ok && v < bytes {
		bytes, source = v, src
	}
	sample := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() == metrics.KindUint64 {
		bytes -= float64(sample[0].Value.Uint64())
	}
	return max(bytes, 0), source
}

// checkMemory returns an error wrapping ErrTooLarge when need bytes exceed
// the memory budget; what says what needs them.
func checkMemory(need float64, what string) error {
	if msg := memoryShortfall(need, what); msg != "" {
		return fmt.Errorf("%w: %s", ErrTooLarge, msg)
	}
	return nil
}

// memoryShortfall describes why need bytes exceed the memory budget, or
// returns "" when they do not.
func memoryShortfall(need float64, what string) string {
	budget, source := memoryBudget()
	if need <= budget {
		return ""
	}
	return fmt.Sprintf("%s needs about %s, more than the %s left under %s",
		what, formatBytes(need), formatBytes(budget), source)
}

// formatBytes writes a byte count with a binary prefix, as 1.5 GiB.
func formatBytes(b float64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%.0f B", b)
	}
	exp := 0
	for b >= unit && exp < 6 {
		b /= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", b, "KMGTPE"[exp-1])
}

// fitMemory estimates the bytes a fit of k components allocates beyond X
// with runs of the solver going on at once (min(restarts, GOMAXPROCS) for
// several restarts) and one more outcome kept as the best: per run the
// factors W and Hᵀ, the solver's workspaces (workspace) and the start's
// SVD, which only the first run computes; once, the copies of a sparse X
// that the products read.
func fitMemory(in *input, k, runs int, workspace func(n, m, k, nnz float64) float64, svd bool) float64 {
	n, m, kk := float64(in.n), float64(in.m), float64(k)
	nnz := float64(in.nnz())
	perRun := 8*(n+m)*kk + workspace(n, m, kk, nnz)
	once := 0.0 // only the first run starts from the SVD
	if svd {
		once = svdMemory(in, n, m, kk)
	}
	data := 0.0
	if in.sparse() || nativeBLAS() {
		// Xᵀ or the column ranges (rows × (procs+1) offsets), and the CSR
		// a dense X with many zeros is also held as.
		data = 16*nnz + 8*(n+m) + 8*n*float64(defaultProcs()+1)
		if !in.sparse() {
			data += 16*sparseDensity*n*m + 8*n
		}
	}
	return float64(runs)*perRun + once + 8*(n+m)*kk + data
}

// frobWorkspace is the workspace of the Frobenius solvers (HALS,
// AcceleratedHALS, MU with β = 2, ridge ALS): the cross products X·Hᵀ and
// Xᵀ·W, a k×k Gram matrix for each factor, its regularized copy and the
// Cholesky factor, the per-block partial Grams (blocks of at least 256
// rows), and MU's denominator.
func frobWorkspace(n, m, k, _ float64) float64 {
	blocks := math.Ceil(max(n, m)/256) + 1
	return 8 * ((n+m)*k + max(n, m)*k + (4+blocks)*k*k)
}

// betaWorkspace is the workspace of MU for β ≠ 2: its numerator and
// denominator, and the model values, at the stored entries for sparse X or
// at every entry (twice for β ∉ {0, 1}) for dense X.
func betaWorkspace(sparse bool, beta float64) func(n, m, k, nnz float64) float64 {
	return func(n, m, k, nnz float64) float64 {
		model := nnz
		if !sparse && beta != 1 {
			model *= 2
		}
		return 8 * (2*max(n, m)*k + model)
	}
}

// observedWorkspace is the workspace of the weighted solvers (MU of any β,
// HALS and ALS on the entries Ω of observed data), bounded above: Ω in
// column order with its weights (Xᵀ's copy counts for 16 bytes an entry
// among the data), MU's model values and denominator weights at every
// entry of Ω with its numerator and denominator, and a row's scratch for
// each goroutine, at most max(n, m) entries of k + 1 values (HALS) or
// k + 1 values (ALS), with a k×k system.
func observedWorkspace(n, m, k, nnz float64) float64 {
	procs := float64(defaultProcs())
	return 8 * (3*nnz + 2*max(n, m)*k + procs*((k+1)*max(n, m)+3*k*k))
}

// svdMemory is what the SVD of an NNDSVD start allocates: for a small dense
// X gonum's thin SVD (a copy of X, U, V and its work space), otherwise the
// randomized SVD's sketches with k + 10 columns.
func svdMemory(in *input, n, m, k float64) float64 {
	if in.hasDense() && n*m*min(n, m) <= exactSVDWork {
		return 8 * (2*n*m + (n+m+2)*min(n, m))
	}
	l := k + 10
	fill := 0.0 // observed data given dense: the dense fill the SVD reads
	if in.observed && in.fromDense {
		fill = n * m
	}
	return 8 * (3*(n+m)*l + 2*l*l + fill)
}

// checkFitMemory refuses a fit of X whose estimated memory exceeds the
// budget, before anything is allocated for it.
func (c *config) checkFitMemory(in *input, nmf bool, init Init) error {
	runs := 1
	if c.restarts > 1 {
		runs = min(c.restarts, defaultProcs())
	}
	ws := frobWorkspace
	switch {
	case in.observed:
		ws = observedWorkspace
	case nmf && c.beta != Frobenius:
		ws = betaWorkspace(in.sparse(), c.beta)
	}
	svd := nmf && c.set&optInitialFactors == 0 && init != InitRandom
	what := fmt.Sprintf("a fit of a %d×%d matrix with k = %d", in.n, in.m, c.k)
	if runs > 1 {
		what += fmt.Sprintf(", %d runs at a time", runs)
	}
	return checkMemory(fitMemory(in, c.k, runs, ws, svd), what)
}

// surveyMemory estimates the bytes EstimateRank allocates beyond X: its
// fits (fitMemory for the largest k with a fit on every worker, each with
// the workspace of the fits of X or of the weighted fits of the folds,
// whichever is larger, and the SVD of a start), and for the f folds the
// permutation (8 bytes an entry), each fold's kept entries with Xᵀ's copy
// of them and its held-out entries (16 bytes an entry each, 24 with
// weights), its SVD's triplets and the dense fill an SVD of data given
// dense reads; and for the consensus of n rows, the n×n matrix of every k,
// and for each worker the counts and linkage sums of a k in progress (12
// bytes a pair).
func (s *survey) memory() float64 {
	in, cfg := s.in, &s.cfg
	n, m := float64(in.n), float64(in.m)
	k := float64(slices.Max(s.ks))
	workers := min(s.jobs(), defaultProcs())
	ws := frobWorkspace
	switch {
	case in.observed:
		ws = observedWorkspace
	case cfg.beta != Frobenius:
		ws = betaWorkspace(in.sparse(), cfg.beta)
	}
	total := 0.0
	if s.held != nil {
		f, kept := float64(cfg.heldOutFolds), float64(s.held.total-s.held.h)
		full := ws
		ws = func(n, m, k, nnz float64) float64 { return max(full(n, m, k, nnz), observedWorkspace(n, m, k, kept)) }
		perEntry := 16.0
		if in.weight != nil {
			perEntry = 24
		}
		fill := 16 * kept
		if in.hasDense() || in.fromDense {
			fill = 8 * n * m
		}
		total += 8*float64(s.held.total) + f*(perEntry*(2*kept+float64(s.held.h))+8*(n+m)*(k+1)) +
			float64(min(workers, cfg.heldOutFolds))*fill
	}
	total += fitMemory(in, slices.Max(s.ks), workers, ws, true)
	if s.consensus {
		total += float64(len(s.ks))*8*n*n + float64(workers)*12*n*n/2
	}
	return total
}

// checkMemory refuses a survey whose estimated memory exceeds the budget,
// before anything is allocated for it.
func (s *survey) checkMemory() error {
	what := fmt.Sprintf("a rank survey of a %d×%d matrix for %d values of k up to %d, %d fits each",
		s.in.n, s.in.m, len(s.ks), slices.Max(s.ks), s.perK())
	return checkMemory(s.memory(), what)
}
