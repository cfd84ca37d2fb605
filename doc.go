// Package factor factorizes a matrix X (n×m) into W (n×k) times H (k×m):
// non-negative matrix factorization (NMF) with the whole beta-divergence
// family, online NMF (MiniBatchNMF), ridge alternating least squares
// (VanillaALS), and implicit-feedback ALS with recommendations
// (ImplicitALS); NMF and VanillaALS on incomplete or weighted data too. It
// runs on gonum's mat and blas64, takes dense (*mat.Dense, any mat.Matrix)
// and sparse (*CSR) input, and reproduces scikit-learn 1.2's NMF step for
// step.
//
//	m := factor.NewNMF(factor.WithK(10), factor.WithBeta(factor.KullbackLeibler))
//	err := m.Fit(X)         // X ≥ 0: W (n×k) and H (k×m), both ≥ 0
//	w, err := m.Transform(Y) // new rows against the fitted H
//
// # Objectives
//
// NMF minimizes, with W, H ≥ 0 and scikit-learn 1.2's scaling of the
// penalties,
//
//	D_β(X | WH) + α_W·m·(l1·|W|₁ + ½(1−l1)·‖W‖²) + α_H·n·(l1·|H|₁ + ½(1−l1)·‖H‖²)
//
// where D_β sums over the entries x of X and y of the model WH:
//
//	β = 2 (Frobenius):        ½ (x − y)²
//	β = 1 (KullbackLeibler):  x·log(x/y) − x + y
//	β = 0 (ItakuraSaito):     x/y − log(x/y) − 1
//	any other real β:         (x^β − β·x·y^(β−1) + (β−1)·y^β) / (β(β−1))
//
// For β ≤ 0 X must be positive. An entry with x = 0 contributes only its y
// terms, and y = 0 is replaced by
// 2⁻²³ (float32's epsilon, scikit-learn's EPSILON) wherever a term divides
// by y or raises it to a negative power. WithAlpha sets α_W and α_H,
// WithAlphaH overrides α_H, WithL1Ratio sets l1.
//
// VanillaALS minimizes ‖X − WH‖² + α·(‖W‖² + ‖H‖²) with W and H of any sign
// (α from WithAlpha), as numpy-ml does; WithCountScaledAlpha weighs each
// row's and column's ridge term by its number of observed entries
// (ALS-WR), and WithNonNegative keeps W and H ≥ 0 (alternating
// non-negative least squares).
//
// ImplicitALS minimizes Σ_ij c_ij·(p_ij − w_i·h_j)² + λ·(‖W‖² + ‖H‖²) over
// all n·m entries of implicit feedback r ≥ 0, with preferences
// p = 1[r > 0] and confidences c = 1 + a·r (Hu, Koren & Volinsky 2008;
// WithConfidence sets a, WithAlpha λ).
//
// # Incomplete and weighted data
//
// WithWeights gives each entry a weight M_ij ≥ 0 and WithObservedOnly
// counts only the observed entries (the stored ones of a *CSR, the
// non-NaN ones of a dense matrix). Either makes the loss a sum over the
// entries Ω of positive weight, Σ_Ω M_ij·d_β(x_ij | (WH)_ij) for NMF (every
// β) and Σ_Ω M_ij·(x_ij − (WH)_ij)² for VanillaALS, with the same
// penalties; an entry outside Ω is never read. Ω is gathered once into a
// CSR matrix with its weights (observed.go), and every solver then visits
// Ω alone: MU is Blondel, Ho & Van Dooren's weighted update (mu_weighted.go),
// HALS exact weighted coordinate descent on a residual kept at Ω
// (hals_weighted.go), VanillaALS the normal equations of each row
// (rowsolve.go, als_weighted.go); AcceleratedHALS refuses weights. A row or
// column with no entry in Ω gets a zero factor row (or, for VanillaALS,
// its ridge minimizer, also zero). The random start takes its scale from
// the mean of the observed entries; the NNDSVD starts read X with its
// missing entries 0 and the observed ones divided by the observed share
// |Ω|/(n·m) (the spectral start of matrix completion), which is X itself
// when everything is observed. Transform of a model fitted WithObservedOnly
// reads the missing entries of new rows the same way, solving each row
// over its observed entries (exactly for β = 2, by MU otherwise).
//
// # Choosing k
//
// EstimateRank(ctx, X, ks, opts...) fits NMF for every k of ks and
// returns a RankScore for each: from r runs on all of X (WithRestarts,
// DefaultRankRestarts = 10 here) the best objective, the explained
// variance 1 − ‖X − WH‖²/‖X‖², and the consensus matrix C (the share of
// runs in which two rows of X have the same largest entry in W) with its
// cophenetic correlation (Brunet et al. 2004; average linkage of 1 − C
// with exact integer sums and a documented tie rule) and dispersion
// (Kim & Park 2007); from f held-out folds (WithHeldOutFolds, 5;
// WithHeldOutFraction, 0.1 of the entries each, drawn once from the seed
// and disjoint while f·p ≤ 1) the mean divergence on the entries a fit
// with them at weight 0 did not see, and its standard error. A survey
// costs (r + f) fits per k, which run side by side on GOMAXPROCS workers;
// X is read once, each fold's data is built once for every k, and the SVD
// behind an NNDSVD start once per data matrix, for the largest k. A
// measure that is undefined is NaN: the consensus needs r ≥ 2 and at most
// MaxConsensusRows rows, the held-out error f ≥ 1 (its standard error
// f ≥ 2). The schedule is in rank.go, the folds in heldout.go, the
// consensus and its linkage in consensus.go.
//
// # Solvers
//
// Every solver updates W with H fixed, then H with W fixed, once per
// iteration (MiniBatchNMF once per batch of b rows, with nnz_b entries).
// Its math lives in the files below; the per-iteration costs are
// for X dense (n·m entries) and as a *CSR with nnz stored entries.
//
//	solver                 file(s)                          dense            sparse
//	HALS                   hals.go, frobenius.go            O(n·m·k)         O(nnz·k + (n+m)·k²)
//	AcceleratedHALS        ahals.go, hals.go, frobenius.go  O(n·m·k)         O(nnz·k + s·(n+m)·k²)
//	MU, β = 2              multiplicative.go, frobenius.go  O(n·m·k)         O(nnz·k + (n+m)·k²)
//	MU, β = 1              mu_beta.go, loss.go              O(n·m·k)         O(nnz·k + (n+m)·k)
//	MU, other β            mu_beta.go, loss.go              O(n·m·k)         O(nnz·k + n·m·k)
//	ridge ALS (VanillaALS) ridge.go, als.go, frobenius.go   O(n·m·k + k³)    O(nnz·k + (n+m)·k² + k³)
//	MiniBatchNMF, a step   minibatch.go, multiplicative.go  O(b·m·k)         O(nnz_b·k) for β ∈ {1, 2}
//	W step (Transform)     solvew.go, nnqp.go, ridge.go     as the W half above;
//	                                                        exact NNLS adds up to a few k³ a row
//
// With WithWeights or WithObservedOnly (|Ω| entries of positive weight,
// whatever the form of X and of the weights):
//
//	solver                 file(s)                          cost per iteration
//	HALS                   hals_weighted.go                 O(|Ω|·k)
//	MU, any β              mu_weighted.go, loss.go          O(|Ω|·k)
//	ridge ALS (VanillaALS) als_weighted.go, rowsolve.go     O(|Ω|·k² + (n+m)·k³)
//	W step (Transform)     solvew.go, rowsolve.go           O(|Ω|·k² + n·k³) for β = 2
//
// ImplicitALS (implicit.go, rowsolve.go; nnz interactions) costs
// O(nnz·k² + (n+m)·k³) an iteration with exact solves and
// O(s·(nnz·k + (n+m)·k²)) with WithCGSteps(s); Recommend and SimilarItems
// (recommend.go) O(m·k + m·log N) a call, N the items asked for.
//
// The Frobenius solvers' dense costs carry O((n+m)·k²) too, for the k×k
// Gram matrices and sweeps (s·(n+m)·k² for AcceleratedHALS). HALS is exact coordinate descent on the columns of W and the
// rows of H (scikit-learn's "cd" without shuffle, but for entries with a
// zero Hessian: see HALS). AcceleratedHALS (Gillis &
// Glineur 2012) repeats the cheap sweep s times per product, s at most
// 1 + 2·ρ with ρ = 1 + ⌊(nnz + m·k)/(n·(k+1))⌋ for W (the same with n and m
// exchanged for H), stopping when a sweep moves the factor by less than a
// tenth of the first sweep's move; nnz counts all n·m entries unless X is
// held as CSR, so the same dense X can take a different (equally valid)
// number of sweeps under another BLAS. MU is Lee & Seung's multiplicative
// update generalized to β by Févotte & Idier: the per-entry terms of the
// divergence and of the update are in loss.go (weigh), the step and its
// floors in multiplicative.go. For β ∉ {1, 2} on sparse X the zeros still
// enter the denominator through (WH)^(β−1), which costs O(n·m·k) per
// iteration, as in scikit-learn, though never an n×m matrix. The penalties
// are in penalty.go, the starts (random, NNDSVD, NNDSVDA, NNDSVDAR, custom)
// in init.go and svd.go, the products in products.go and csr_kernels.go,
// the vector kernels in vec.go, the goroutine pool in parallel.go, the
// memory estimates in memory.go, the unit-scale rule in scale.go, the
// checks of MU's final objective in mu_final.go, and the driver, stopping
// rule and restarts in run.go.
//
// # Stopping
//
// Every 10 iterations the objective f is compared with its value at the
// previous check, f_prev, and a run stops when it fell by no more than
// tol·f_prev
// (WithTol, default 1e-4); WithTol(0) runs exactly WithMaxIter iterations.
// WithRestarts(r) runs r fits, the first from the configured start and the
// others from random starts, and keeps the lowest objective.
//
// # Accuracy of the objective
//
// For the Frobenius loss the objective of each iteration (History) comes
// from the Gram identity ‖X‖² − 2⟨XᵀW, Hᵀ⟩ + ⟨WᵀW, HHᵀ⟩ at O(m·k) cost,
// accurate to about 1e-16·‖X‖². When X is held dense and that is not enough
// (a residual below 1e-4·‖X‖²) the residual is computed exactly instead;
// for X held only as a *CSR it never is, so a nearly exact sparse fit
// reports its objective to about 1e-16·‖X‖². For other β the objective is
// summed exactly in the pass that prepares the update of W, and the final
// one again entry by entry when those sums cancelled past half their digits
// (mu_final.go).
//
// # Scale
//
// The solvers' floors are absolute (scikit-learn's epsilon for a zero model
// value, MU's 2.2e-16 for factor entries, NNDSVD's 1e-6), so NMF and
// VanillaALS fit data whose median nonzero entry lies beyond 2^±10 at unit
// scale: X is divided by a power of four c, the penalties are rescaled to
// the same problem, and W and H come back times √c, the objective times c^β,
// exactly (scale.go). A fit of s·X is then as good as a fit of X for any s
// that float64 can hold the objective at; data inside the band is fitted as
// it is, bit for bit. MiniBatchNMF, like scikit-learn's, fits data at its
// own scale.
//
// # Input
//
// A *mat.Dense is read in place; any other mat.Matrix is copied once,
// except a *CSR and its transpose, which stay sparse: no step then forms an
// n×m matrix. With gonum's own BLAS a dense X with at most 60% nonzero
// entries is also held as CSR for the Frobenius and Kullback-Leibler
// solvers, which gives the same bits at a fraction of the cost.
// NewMatrixMarketRowReader streams a coordinate file in row order a block
// of rows at a time, for data larger than memory.
//
// # Data on many machines
//
// RowBlocks runs HALS and MU of the Frobenius loss and VanillaALS with X
// held as blocks of rows that need not be in one process (rowblocks.go):
// each block updates its rows of W and sums X_bᵀ·W_b and W_bᵀ·W_b, and
// the update of H, the objective and the stopping rule run on the sums of
// all blocks, by the same code as Fit. The module
// github.com/factorgo/factor/beam runs it as an Apache Beam pipeline on
// Flink, Spark or Dataflow; this module does not depend on Beam.
//
// # Concurrency and determinism
//
// Fit and FitContext change the model and must not run concurrently with
// any other method of it; Transform, InverseTransform and the accessors of
// a fitted model may be called from many goroutines at once. A fit uses
// GOMAXPROCS goroutines, cut into blocks whose size depends only on the
// problem, each summed in a fixed order: the same seed, data and settings
// give the same bits whatever the number of cores. Iterations of NMF and
// VanillaALS, and steps of MiniBatchNMF's Fit, allocate nothing. Once the context of FitContext or TransformContext is done, every
// pass over the data ends within a block of its work (a few rows), the
// start's randomized SVD between two of its power iterations, and restarts
// not yet begun never begin; the call then returns an error wrapping
// ctx.Err(). A panic in a WithProgress callback reaches the caller's
// goroutine, whichever run made the call.
//
// # Vector kernels
//
// On amd64 with AVX2 and FMA the sums and products of every solver run in
// assembly kernels (no cgo), chosen once when the package starts; the
// build tag purego, and every other architecture, run the portable Go
// kernels instead. The two paths give the same results up to rounding:
// the vector kernels keep the portable order of every sum (but the dot
// product's) and fuse each multiply-add, so that each output of a product
// differs by a few units of 2⁻⁵³·Σ|terms|, and a fit by what its
// iterations make of that. Each path is deterministic on its own: the same
// bits for the same seed, data and settings on any number of cores, and on
// any machine that takes the same path. A model file records factors, not
// the path, and loads on either.
//
// # Memory
//
// Before it allocates, a fit (and a Transform, and ReadMatrixMarket at its
// size line) estimates the memory it will need: the factors, the cross
// products and Gram matrices with their partial sums, MU's model values,
// the copies of X the products read, the SVD of the start, once for each
// run going on at a time; memory.go has the formulas. It refuses with an
// error wrapping ErrTooLarge, which names the estimate and the limit, when
// that exceeds what the process may still use: the smallest of the Go memory
// limit (debug.SetMemoryLimit, GOMEMLIMIT), the address-space limit
// (ulimit -v), the machine's memory and its cgroup's memory.max, less what
// the Go runtime holds already. Restarts run on GOMAXPROCS workers and keep
// only the best run so far; WithRestarts accepts at most MaxRestarts.
//
// # Model files
//
// NMF, VanillaALS, MiniBatchNMF and ImplicitALS marshal to a model file and load back
// from it (MarshalBinary, UnmarshalBinary, WriteTo, ReadFrom;
// UnmarshalBinary works on a zero value). A loaded model is the fitted
// model: the same settings, factors, record and feature names, the same
// Transform and InverseTransform bits, and it marshals to the same bytes.
// A MiniBatchNMF file also holds the online state (A, B, ρ and the epoch
// and step counts), so that a model saved mid-stream continues PartialFit
// to the same bits as the model that was not saved; an ImplicitALS file
// holds the pattern of the fitted interactions, which Recommend leaves
// out. The file is
// little-endian: 8 magic bytes "FACTORMF", a uint16 format version (1,
// or 2 for a model fitted with WithObservedOnly, WithCountScaledAlpha or
// WithNonNegative, whose flags change how it transforms), the model kind,
// the flags, the settings, the shape, the objective, reconstruction error
// and history, W and H as float64 arrays, the feature names (WithFeatureNames)
// when given, and a CRC-32C of everything before it; modelfile.go lists the
// fields and docs/model-format.md gives their offsets. A file that is
// truncated, changed in any byte, of another model type or of a newer
// format version, or that declares sizes its bytes do not hold, is an error
// wrapping ErrFormat; decoding checks every declared size against the bytes
// present (UnmarshalBinary) or grows its arrays only as bytes arrive
// (ReadFrom), so a hostile header allocates no more than a small multiple
// of the file.
//
// # Errors
//
// Settings are checked by Fit, never by the constructors, which do not
// panic. Every error about the input, the settings or the fit wraps one of
// ErrNegative, ErrNotFinite, ErrShape,
// ErrRank, ErrZeroEntries, ErrNotFitted, ErrFormat, ErrInvalidOption or
// ErrTooLarge, for
// errors.Is (a stopped call wraps ctx.Err() instead, and a failed read the
// reader's error); a bad entry of an input is an *EntryError giving its row
// and column. A failed Fit leaves the model as it was. ErrTooLarge (see Memory)
// is returned before anything is allocated for the refused work.
package factor
