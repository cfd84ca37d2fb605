package factor

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// RowBlocks runs the iterations of an NMF fit of the Frobenius loss (HALS or
// MU) or of a VanillaALS fit with X held as blocks of rows that need not be
// in one process, such as the elements of an Apache Beam pipeline (the
// module github.com/factorgo/factor/beam). Every update is the one Fit runs,
// by the same code; only the sums over the rows of X are added up block by
// block, so that from the same start the factors agree with Fit's to
// rounding.
//
// One iteration of these solvers updates W with H fixed, then H with W
// fixed. The update of a row of W reads only that row of X·Hᵀ and the k×k
// matrix HHᵀ, so each block of rows X_b updates its rows W_b alone. The
// update of H reads X only through
//
//	XᵀW = Σ_b X_bᵀ·W_b (m×k)   and   WᵀW = Σ_b W_bᵀ·W_b (k×k),
//
// sums over the blocks, and the objective comes from the Gram identity
// ‖X − WH‖² = ‖X‖² − 2⟨XᵀW, Hᵀ⟩ + ⟨WᵀW, HHᵀ⟩ and the penalty sums Σ|W| and
// ‖W‖², so one process holds H and the other rows of X and W never meet. A
// fit is a sequence of rounds, each of them:
//
//	for every block b, anywhere:  s_b, err := r.Block(st, X_b, W_b)  // W_b updated in place
//	in one process:               s := s_1; s.Add(s_2); …              // any order
//	                              err := r.Step(st, s)                  // H, the objective, the stopping rule
//
// starting from st, err := r.Start(n, H0) and the blocks' rows of W0, and
// ending when st.Done(), after at most Rounds() rounds; r.Finish(st, W)
// then makes the model that r came from the fitted model, as Fit would
// have. The first round sums the objective of the start; a round may then
// compute ‖X − WH‖² exactly, block by block, where Fit does (see the
// package documentation, "Accuracy of the objective"); every other round
// is one iteration. The stopping rule is Fit's (WithTol, WithMaxIter).
// Once the state is done, Block returns nil sums and Step does nothing, so
// a pipeline of Rounds() rounds may run them all.
//
// The sums of the blocks are added in the order they arrive, not Fit's
// fixed order, so the factors agree with Fit's to rounding (about 1e-15
// relative per iteration) rather than bit for bit, and may differ in the
// last bits from one run to the next. X is fitted at its own scale, not
// brought to unit scale as Fit does (see the package documentation,
// "Scale"): the updates of HALS and ridge ALS commute with scaling X by a
// power of four and the factors by its root, and so do MU's but for its
// floor of a zero denominator, so that changes nothing unless ‖X‖²
// overflows or comes near underflow, which Step refuses.
//
// Not supported (an error wrapping ErrInvalidOption from the constructors):
// other losses and solvers, WithRestarts above 1, WithInitialFactors and
// WithInit (the start comes from Start and the blocks), WithProgress, and
// WithWeights and WithObservedOnly, whose updates of H need a Gram matrix
// per column of H (Σ_b over the blocks of each column's weighted W_bᵀW_b)
// instead of one. VanillaALS's WithCountScaledAlpha and WithNonNegative
// are supported.
type RowBlocks struct {
	cfg  config
	nmf  *NMF        // the model Finish fits: this one,
	vals *VanillaALS // or this one
}

// RowBlocks returns the row-block fit of the model's settings, for an NMF
// of the Frobenius loss with the HALS or MU solver. It checks the settings
// as Fit does.
func (m *NMF) RowBlocks() (*RowBlocks, error) {
	cfg := m.cfg
	if err := cfg.validateNMF(); err != nil {
		return nil, err
	}
	if cfg.beta != Frobenius || cfg.solver == AcceleratedHALS {
		return nil, optionError("RowBlocks runs HALS or MU of the Frobenius loss, not solver %v with beta = %g", cfg.solver, cfg.beta)
	}
	if err := cfg.validateRowBlocks(); err != nil {
		return nil, err
	}
	return &RowBlocks{cfg: cfg, nmf: m}, nil
}

// RowBlocks returns the row-block fit of the model's settings. It checks
// the settings as Fit does.
func (a *VanillaALS) RowBlocks() (*RowBlocks, error) {
	cfg := a.cfg
	if err := cfg.validateALS(); err != nil {
		return nil, err
	}
	if err := cfg.validateRowBlocks(); err != nil {
		return nil, err
	}
	return &RowBlocks{cfg: cfg, vals: a}, nil
}

// validateRowBlocks refuses the settings a row-block fit does not take.
func (c *config) validateRowBlocks() error {
	if extra := c.set & (optInitialFactors | optInit | optProgress | optWeights | optObservedOnly); extra != 0 {
		return optionError("RowBlocks does not take %s (see RowBlocks)", extra.name())
	}
	if c.restarts != 1 {
		return optionError("RowBlocks makes one run, not WithRestarts(%d)", c.restarts)
	}
	return nil
}

// Rounds returns the most rounds a fit takes: the start, its exact
// objective, MaxIter iterations and the final exact objective.
func (r *RowBlocks) Rounds() int { return r.cfg.maxIter + 3 }

// rowPhase is what a round of a row-block fit does.
type rowPhase uint8

const (
	phaseStart      rowPhase = iota // sum the objective of the start
	phaseStartExact                 // sum ‖X − WH‖² of the start exactly
	phaseIterate                    // one iteration
	phaseEndExact                   // sum ‖X − WH‖² of the end exactly
	phaseDone                       // nothing left to do
)

// RowBlockState is what the process that runs Step holds of a row-block
// fit between rounds, and what every block reads in a round: H, HHᵀ, the
// objective so far and the stopping rule's progress. It encodes with
// MarshalBinary, to travel between processes running the same version of
// factor.
type RowBlockState struct {
	phase     rowPhase
	n, m, k   int
	iter      int       // iterations done
	ht        []float64 // Hᵀ, m×k
	gramH     []float64 // HHᵀ, k×k
	sqX       float64   // ‖X‖²
	sparse    bool      // some block of X is held only sparse: no exact residual
	loss      float64   // the loss of the current factors (½‖X − WH‖² for NMF)
	absW, sqW float64   // Σ|W| and ‖W‖² of the current W
	checked   float64   // the objective at the stopping rule's last check
	history   []float64
	objective float64 // the final objective, once done
}

// Done reports whether the fit has ended: further rounds change nothing,
// and Finish may be called.
func (st *RowBlockState) Done() bool { return st.phase == phaseDone }

// RowBlockSums are one block's contribution to a round of a row-block fit,
// or the sum of several blocks' (Add): XᵀW and WᵀW for an iteration, the
// start's ‖X‖², ⟨W, X·Hᵀ⟩ and WᵀW, or the exact ‖X − WH‖², with Σ|W|,
// ‖W‖² and the rows counted. They encode with MarshalBinary.
type RowBlockSums struct {
	phase     rowPhase
	iter      int // the state's iterations when made
	rows      int
	sparse    bool
	xtw, wtw  []float64 // XᵀW (m×k) and WᵀW (k×k)
	absW, sqW float64
	sqX       float64 // ‖X‖²
	wxht      float64 // ⟨W, X·Hᵀ⟩
	residual  float64 // ‖X − WH‖², exactly
}

// Start returns the state of a fit of X with n rows from the starting H
// (k×m), checked as WithInitialFactors' H: finite, and for NMF (and
// VanillaALS WithNonNegative) non-negative and not all zero. It checks the
// settings against the shape n×m as Fit does.
func (r *RowBlocks) Start(n int, h mat.Matrix) (*RowBlockState, error) {
	if isNil(h) {
		return nil, shapeError("initial H is nil")
	}
	k, m := h.Dims()
	switch {
	case n < 1 || m < 1:
		return nil, shapeError("X is %d×%d, want at least 1×1", n, m)
	case k != r.cfg.k:
		return nil, shapeError("initial H is %d×%d, want %d×%d", k, m, r.cfg.k, m)
	}
	if err := r.cfg.validateData(n, m); err != nil {
		return nil, err
	}
	if r.vals != nil && r.cfg.alphaW == 0 && k > min(n, m) {
		return nil, fmt.Errorf("%w: with WithAlpha(0), k = %d must not exceed min(n, m) = %d", ErrRank, k, min(n, m))
	}
	st := &RowBlockState{n: n, m: m, k: k, ht: make([]float64, m*k), gramH: make([]float64, k*k)}
	if err := copyFactor(st.ht, h, true, "H", r.nonNegative()); err != nil {
		return nil, err
	}
	p := newPool(defaultProcs())
	defer p.close()
	c := newCore(&input{m: m, scale: 1}, k, nil, st.ht, p)
	c.gram(st.gramH, st.ht, m)
	return st, nil
}

// nonNegative reports whether the factors must be non-negative.
func (r *RowBlocks) nonNegative() bool { return r.nmf != nil || r.cfg.nonNegative }

// run returns the solver's Frobenius run on c, a block of rows of X and W
// or, with c.n = 0, no rows at all (Step's update of H). Its penalties are
// those of the whole n×m problem whatever c's rows.
func (r *RowBlocks) run(c core, st *RowBlockState) *frobRun {
	if r.vals != nil {
		lambdaW, lambdaH := ridgeWeights(r.cfg.alphaW, st.n, st.m, r.cfg.countScaled)
		return newALSRun(c, lambdaW, lambdaH, r.cfg.nonNegative)
	}
	penW := newPenalty(r.cfg.alphaW, r.cfg.l1Ratio, st.m)
	penH := newPenalty(r.cfg.alphaH, r.cfg.l1Ratio, st.n)
	return newNMFIterator(c, r.cfg.solver, Frobenius, penW, penH).(*frobRun)
}

// Block does one block's part of the round st is at. x holds rows of X
// (a *mat.Dense, a *CSR or any mat.Matrix, as for Fit) and w the same rows
// of W, row-major (len(w) = rows·k). In an iteration it updates w in
// place, as Fit updates those rows, and returns X_bᵀ·W_b and W_bᵀ·W_b of
// the new rows. It returns nil sums once st is done. In the first round it
// checks x as Fit checks X and w as WithInitialFactors' W; an
// *EntryError's row is then the row within the block.
func (r *RowBlocks) Block(st *RowBlockState, x mat.Matrix, w []float64) (*RowBlockSums, error) {
	if st.phase == phaseDone {
		return nil, nil
	}
	in, err := newInput(x, "X")
	if err != nil {
		return nil, err
	}
	switch {
	case in.m != st.m:
		return nil, shapeError("a block of X has %d columns, want %d", in.m, st.m)
	case len(w) != in.n*st.k:
		return nil, shapeError("a block of %d rows has %d entries of W, want %d", in.n, len(w), in.n*st.k)
	}
	s := &RowBlockSums{phase: st.phase, iter: st.iter, rows: in.n, sparse: !in.hasDense()}
	p := newPool(defaultProcs())
	defer p.close()
	c := newCore(in, st.k, w, st.ht, p)
	switch st.phase {
	case phaseStart:
		if err := r.checkStartBlock(in, w, st.k); err != nil {
			return nil, err
		}
		in.preferSparse()
		s.sqX = in.sumSq
		cross := make([]float64, in.n*st.k)
		c.crossW(cross)
		s.wxht = dot(w, cross)
		s.wtw = make([]float64, st.k*st.k)
		c.gram(s.wtw, w, in.n)
	case phaseStartExact, phaseEndExact:
		if !in.hasDense() {
			return nil, shapeError("a block of X held sparse in a round that needs it dense")
		}
		s.residual = c.residualSq()
	case phaseIterate:
		in.preferSparse()
		run := r.run(c, st)
		copy(run.gramH, st.gramH)
		if err := run.updateW(); err != nil {
			return nil, err
		}
		run.core.crossH(run.crossH)
		s.xtw, s.wtw = run.crossH, run.gramW
	}
	s.absW, s.sqW = absSum(w), sqNorm(w)
	return s, nil
}

// checkStartBlock checks a block of X as Fit checks X, and its rows w of
// the starting W as WithInitialFactors' W (but for being all zero, which
// Step checks of the whole W).
func (r *RowBlocks) checkStartBlock(in *input, w []float64, k int) error {
	if r.nmf != nil {
		if err := in.checkNMF("X", Frobenius); err != nil {
			return err
		}
	}
	for e, v := range w {
		switch {
		case !isFinite(v):
			return &EntryError{Matrix: "initial W", Row: e / k, Col: e % k, Value: v, Err: ErrNotFinite}
		case v < 0 && r.nonNegative():
			return &EntryError{Matrix: "initial W", Row: e / k, Col: e % k, Value: v, Err: ErrNegative}
		}
	}
	return nil
}

// Add adds the sums t of other blocks of the same round to s. Sums of
// different rounds do not add: it returns an error wrapping
// ErrInvalidOption. The zero RowBlockSums adds to anything.
func (s *RowBlockSums) Add(t *RowBlockSums) error {
	switch {
	case t == nil || t.rows == 0:
		return nil
	case s.rows == 0:
		*s = RowBlockSums{phase: t.phase, iter: t.iter, rows: t.rows, sparse: t.sparse,
			xtw: slices.Clone(t.xtw), wtw: slices.Clone(t.wtw), absW: t.absW, sqW: t.sqW,
			sqX: t.sqX, wxht: t.wxht, residual: t.residual}
		return nil
	case s.phase != t.phase || s.iter != t.iter || len(s.xtw) != len(t.xtw) || len(s.wtw) != len(t.wtw):
		return optionError("RowBlockSums of round %d.%d and %d.%d do not add", s.phase, s.iter, t.phase, t.iter)
	}
	s.rows += t.rows
	s.sparse = s.sparse || t.sparse
	for i, v := range t.xtw {
		s.xtw[i] += v
	}
	for i, v := range t.wtw {
		s.wtw[i] += v
	}
	s.absW += t.absW
	s.sqW += t.sqW
	s.sqX += t.sqX
	s.wxht += t.wxht
	s.residual += t.residual
	return nil
}

// Step ends the round st is at from the sums of all blocks: after the
// start it computes the starting objective; after an iteration it updates
// H from XᵀW and WᵀW as Fit does, appends the objective to the history and
// applies the stopping rule; after an exact round it takes ‖X − WH‖² from
// the sums. It does nothing once st is done. Sums of another round, or of
// other than all n rows, are an error wrapping ErrShape. On an error st
// may be half changed: the fit has failed.
func (r *RowBlocks) Step(st *RowBlockState, s *RowBlockSums) error {
	if st.phase == phaseDone {
		return nil
	}
	if s == nil || s.rows != st.n || s.phase != st.phase || s.iter != st.iter {
		got := "none"
		if s != nil {
			got = fmt.Sprintf("%d rows of round %d.%d", s.rows, s.phase, s.iter)
		}
		return shapeError("the sums of round %d.%d want all %d rows, got %s", st.phase, st.iter, st.n, got)
	}
	p := newPool(defaultProcs())
	defer p.close()
	run := r.run(newCore(&input{m: st.m, sumSq: st.sqX, scale: 1}, st.k, nil, st.ht, p), st)
	switch st.phase {
	case phaseStart:
		if err := r.checkStart(st, s); err != nil {
			return err
		}
		st.sqX, st.sparse, st.absW, st.sqW = s.sqX, s.sparse, s.absW, s.sqW
		sq := s.sqX - 2*s.wxht + dot(s.wtw, st.gramH)
		if st.exact(sq) {
			st.phase = phaseStartExact
			return nil
		}
		return r.started(st, run, max(sq, 0))
	case phaseStartExact:
		return r.started(st, run, s.residual)
	case phaseIterate:
		copy(run.crossH, s.xtw)
		copy(run.gramW, s.wtw)
		loss, err := run.updateH()
		st.iter++
		if err != nil {
			return fmt.Errorf("iteration %d: %w", st.iter, err)
		}
		copy(st.gramH, run.gramH)
		st.loss, st.absW, st.sqW = loss, s.absW, s.sqW
		f := loss + run.penW.ofSums(st.absW, st.sqW) + run.penH.of(st.ht)
		if !isFinite(f) {
			return fmt.Errorf("%w: the factors overflowed float64 at iteration %d; rescale X", ErrNotFinite, st.iter)
		}
		st.history = append(st.history, f)
		if st.iter == r.cfg.maxIter || r.cfg.stopsAt(st.iter, f, &st.checked) {
			r.end(st, run)
		}
	case phaseEndExact:
		st.loss = run.lossScale * s.residual
		r.done(st, run)
	}
	return nil
}

// checkStart checks the sums of the start: ‖X‖² representable at X's
// scale, and for NMF a W that is not all zero.
func (r *RowBlocks) checkStart(st *RowBlockState, s *RowBlockSums) error {
	switch {
	case !isFinite(s.sqX):
		return fmt.Errorf("%w: ‖X‖² overflows float64; rescale X", ErrNotFinite)
	case s.sqX != 0 && s.sqX < rowBlocksMinSq:
		return fmt.Errorf("%w: ‖X‖² = %g is too close to float64's underflow for a fit at X's own scale; multiply X by a power of two", ErrNotFinite, s.sqX)
	case r.nonNegative() && s.absW == 0:
		return fmt.Errorf("%w: initial W is all zeros, from which NMF cannot move", ErrInvalidOption)
	}
	return nil
}

// rowBlocksMinSq is the smallest ‖X‖² a row-block fit takes: 2^-900, so
// that squares of X's typical entries are far from underflow.
const rowBlocksMinSq = 0x1p-900

// exact reports whether the loss sq (‖X − WH‖² by the Gram identity) is
// too small for the identity's accuracy and is to be summed exactly, as
// frobRun.accurate decides for Fit.
func (st *RowBlockState) exact(sq float64) bool { return sq < gramExactShare*st.sqX && !st.sparse }

// started sets the objective of the start from its ‖X − WH‖², sq, and
// moves on to the iterations, or ends the fit for WithMaxIter(0).
func (r *RowBlocks) started(st *RowBlockState, run *frobRun, sq float64) error {
	st.loss = run.lossScale * sq
	f := st.loss + run.penW.ofSums(st.absW, st.sqW) + run.penH.of(st.ht)
	if !isFinite(f) {
		return fmt.Errorf("%w: the objective of the starting factors is %g", ErrNotFinite, f)
	}
	st.checked = f
	if r.cfg.maxIter == 0 {
		r.done(st, run)
		return nil
	}
	st.phase = phaseIterate
	return nil
}

// end ends the iterations: the final loss is summed exactly in one more
// round when Fit's finish would compute it exactly.
func (r *RowBlocks) end(st *RowBlockState, run *frobRun) {
	if st.exact(st.loss / run.lossScale) {
		st.phase = phaseEndExact
		return
	}
	r.done(st, run)
}

// done sets the final objective, which replaces the last of the history
// (as in Fit), and ends the fit.
func (r *RowBlocks) done(st *RowBlockState, run *frobRun) {
	st.loss = max(st.loss, 0)
	st.objective = st.loss + run.penW.ofSums(st.absW, st.sqW) + run.penH.of(st.ht)
	if len(st.history) > 0 {
		st.history[len(st.history)-1] = st.objective
	}
	st.phase = phaseDone
}

// Finish makes the model that r came from fitted, as Fit would have left
// it, from the final state and W (n×k, the rows of all blocks in order):
// H, W, the history, the objective and the reconstruction error, ready
// for Transform, the accessors and MarshalBinary. The state must be done.
func (r *RowBlocks) Finish(st *RowBlockState, w mat.Matrix) error {
	if st.phase != phaseDone {
		return optionError("Finish of a row-block fit that is not done (round %d.%d)", st.phase, st.iter)
	}
	if isNil(w) {
		return shapeError("W is nil")
	}
	if rows, k := w.Dims(); rows != st.n || k != st.k {
		return shapeError("W is %d×%d, want %d×%d", rows, k, st.n, st.k)
	}
	wd := make([]float64, st.n*st.k)
	if err := copyFactor(wd, w, false, "W", r.nonNegative()); err != nil {
		return err
	}
	ht := slices.Clone(st.ht)
	out := &outcome{w: wd, ht: ht, history: slices.Clone(st.history), objective: st.objective, loss: st.loss}
	in := &input{n: st.n, m: st.m, scale: 1}
	if r.vals != nil {
		r.vals.fit = newFitted(in, &r.cfg, out, math.Sqrt(st.loss), r.cfg.alsComponents(ht, st.m))
		return nil
	}
	r.nmf.fit = newFitted(in, &r.cfg, out, math.Sqrt(2*st.loss), r.cfg.nmfComponents(ht, st.m))
	return nil
}

// stateMagic and sumsMagic start the encodings of RowBlockState and
// RowBlockSums, which end with a CRC-32C as model files do.
const (
	stateMagic = "FACTORST"
	sumsMagic  = "FACTORSM"
)

// MarshalBinary encodes the state, for UnmarshalBinary in a process
// running the same version of factor.
func (st *RowBlockState) MarshalBinary() ([]byte, error) {
	size := 2 + 11*8 + 8*(len(st.ht)+len(st.gramH)+len(st.history))
	return encodeWith(stateMagic, size, func(e *modelWriter) {
		e.u8(byte(st.phase))
		for _, v := range []int{st.n, st.m, st.k, st.iter, len(st.history)} {
			e.int(v)
		}
		e.u8(boolByte(st.sparse))
		for _, v := range []float64{st.sqX, st.loss, st.absW, st.sqW, st.checked, st.objective} {
			e.f64(v)
		}
		e.floats(st.ht)
		e.floats(st.gramH)
		e.floats(st.history)
	})
}

// UnmarshalBinary decodes a state that MarshalBinary encoded. A damaged
// encoding is an error wrapping ErrFormat.
func (st *RowBlockState) UnmarshalBinary(data []byte) error {
	var s RowBlockState
	err := decodeWith(data, stateMagic, "row-block state", func(d *modelReader) {
		s.phase = rowPhase(d.u8())
		s.n, s.m, s.k = d.size("rows", maxDim), d.size("columns", maxDim), d.size("k", maxDim)
		s.iter = d.size("iterations", math.MaxInt)
		hist := d.size("history length", maxDim)
		s.sparse = d.u8() != 0
		s.sqX, s.loss, s.absW, s.sqW, s.checked, s.objective = d.f64(), d.f64(), d.f64(), d.f64(), d.f64(), d.f64()
		if d.err == nil && (s.phase > phaseDone || float64(s.k)*float64(s.m+s.k) > maxDim) {
			d.err = formatError("row-block state of round %d with %d×%d H", s.phase, s.k, s.m)
		}
		s.ht = d.floats(s.m*s.k, "H")
		s.gramH = d.floats(s.k*s.k, "HHᵀ")
		s.history = d.floats(hist, "the history")
	})
	if err == nil {
		*st = s
	}
	return err
}

// MarshalBinary encodes the sums, for UnmarshalBinary in a process running
// the same version of factor.
func (s *RowBlockSums) MarshalBinary() ([]byte, error) {
	size := 2 + 9*8 + 8*(len(s.xtw)+len(s.wtw))
	return encodeWith(sumsMagic, size, func(e *modelWriter) {
		e.u8(byte(s.phase))
		for _, v := range []int{s.iter, s.rows, len(s.xtw), len(s.wtw)} {
			e.int(v)
		}
		e.u8(boolByte(s.sparse))
		for _, v := range []float64{s.absW, s.sqW, s.sqX, s.wxht, s.residual} {
			e.f64(v)
		}
		e.floats(s.xtw)
		e.floats(s.wtw)
	})
}

// UnmarshalBinary decodes sums that MarshalBinary encoded. A damaged
// encoding is an error wrapping ErrFormat.
func (s *RowBlockSums) UnmarshalBinary(data []byte) error {
	var t RowBlockSums
	err := decodeWith(data, sumsMagic, "row-block sums", func(d *modelReader) {
		t.phase = rowPhase(d.u8())
		t.iter, t.rows = d.size("iterations", math.MaxInt), d.size("rows", math.MaxInt)
		nxtw, nwtw := d.size("XᵀW entries", maxDim), d.size("WᵀW entries", maxDim)
		t.sparse = d.u8() != 0
		t.absW, t.sqW, t.sqX, t.wxht, t.residual = d.f64(), d.f64(), d.f64(), d.f64(), d.f64()
		if d.err == nil && t.phase > phaseDone {
			d.err = formatError("row-block sums of round %d", t.phase)
		}
		if nxtw > 0 {
			t.xtw = d.floats(nxtw, "XᵀW")
		}
		if nwtw > 0 {
			t.wtw = d.floats(nwtw, "WᵀW")
		}
	})
	if err == nil {
		*s = t
	}
	return err
}

// encodeWith encodes the magic, the fields that fields writes (about size
// bytes) and a CRC-32C of them, as model files end.
func encodeWith(magic string, size int, fields func(e *modelWriter)) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(len(magic) + size + 4)
	e := &modelWriter{w: &b, crc: crc32.New(castagnoli)}
	e.bytes([]byte(magic))
	fields(e)
	e.u32(e.crc.Sum32())
	return b.Bytes(), e.err
}

// decodeWith decodes what encodeWith encoded of what, checking the magic,
// the checksum and that nothing follows; fields reads the fields.
func decodeWith(data []byte, magic, what string, fields func(d *modelReader)) error {
	d := &modelReader{r: bytes.NewReader(data), crc: crc32.New(castagnoli), avail: int64(len(data))}
	if err := d.magic(magic, what); err != nil {
		return err
	}
	fields(d)
	return d.end()
}

// magic reads and checks the magic bytes of an encoding of what.
func (d *modelReader) magic(want, what string) error {
	got := make([]byte, len(want))
	d.bytes(got)
	if d.err == nil && string(got) != want {
		d.err = formatError("not a %s (magic %q, want %q)", what, got, want)
	}
	return d.err
}

// end reads and checks the checksum that ends an encoding, and that
// nothing follows it.
func (d *modelReader) end() error {
	sum := d.crc.Sum32()
	if stored := d.u32(); d.err == nil && stored != sum {
		d.err = formatError("checksum %08x, but the content sums to %08x: the encoding is damaged", stored, sum)
	}
	if d.err == nil && d.n != d.avail {
		d.err = formatError("%d bytes follow the encoding", d.avail-d.n)
	}
	return d.err
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}
