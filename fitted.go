package factor

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// components is the fixed half of a fitted model: H and everything that
// solving for W against it needs (solveW). Transform and InverseTransform
// read only this, so that any model that leaves components behind, a fit
// or a model loaded from a file, transforms the same way.
type components struct {
	h      *mat.Dense // H, k×m: the components, as returned by H()
	ht     []float64  // Hᵀ, m×k row-major: the layout the solvers read
	beta   float64    // the loss of the W step: D_β for NMF, 2 for VanillaALS
	penW   penalty    // the scaled penalty of W (for VanillaALS, l2 = α)
	signed bool       // W of any sign (VanillaALS): a ridge solve, no NNLS
	stop   stopRule   // when the iterative W step (MU) stops

	dataSigned  bool // X of any sign (VanillaALS), else X ≥ 0 (NMF)
	observed    bool // WithObservedOnly: new rows may have missing entries
	countScaled bool // WithCountScaledAlpha: l2 times each row's observed entries
}

// nmfComponents returns the components an NMF fit of m columns with the
// settings cfg leaves, from its Hᵀ: the W step of the fit's loss and
// penalty of W.
func (cfg *config) nmfComponents(ht []float64, m int) components {
	c := newComponents(ht, m, cfg.k, cfg.beta, newPenalty(cfg.alphaW, cfg.l1Ratio, m), false, cfg.stopRule)
	c.observed = cfg.observedOnly
	return c
}

// alsComponents returns the components of a VanillaALS fit: the W step is
// the ridge problem ‖x − Hᵀw‖² + α·‖w‖², which is ½‖x − Hᵀw‖² + ½·l2·‖w‖²
// with l2 = α (times the row's observed entries with WithCountScaledAlpha),
// over w ≥ 0 with WithNonNegative.
func (cfg *config) alsComponents(ht []float64, m int) components {
	c := newComponents(ht, m, cfg.k, Frobenius, penalty{l2: cfg.alphaW}, !cfg.nonNegative, cfg.stopRule)
	c.dataSigned, c.observed, c.countScaled = true, cfg.observedOnly, cfg.countScaled
	return c
}

// penFor returns the penalty of the W step for a row with n entries.
func (c *components) penFor(n int) penalty {
	if c.countScaled {
		return penalty{l1: c.penW.l1, l2: c.penW.l2 * float64(n)}
	}
	return c.penW
}

// newComponents returns the components of a fitted Hᵀ (m×k).
func newComponents(ht []float64, m, k int, beta float64, penW penalty, signed bool, stop stopRule) components {
	return components{
		h:  mat.DenseCopyOf(mat.NewDense(m, k, ht).T()),
		ht: ht, beta: beta, penW: penW, signed: signed, stop: stop,
	}
}

// dims returns k and m, the shape of H.
func (c *components) dims() (k, m int) { return c.h.Dims() }

// fitted is what a successful fit leaves: the components and the fitted W
// with its record. A Fit replaces it as a whole, so a failed Fit leaves the
// previous one. Its methods take a nil *fitted as "not fitted".
type fitted struct {
	components
	w         *mat.Dense
	history   []float64
	objective float64
	recErr    float64
	features  []string // the names of X's columns, when given
}

func newFitted(in *input, cfg *config, out *outcome, recErr float64, comp components) *fitted {
	return &fitted{
		components: comp,
		w:          mat.NewDense(in.n, cfg.k, out.w),
		history:    out.history, objective: out.objective, recErr: recErr,
		features: slices.Clone(cfg.features),
	}
}

func (f *fitted) featureNames() []string {
	if f == nil {
		return nil
	}
	return slices.Clone(f.features)
}

func (f *fitted) copyW() *mat.Dense {
	if f == nil {
		return nil
	}
	return mat.DenseCopyOf(f.w)
}

func (f *fitted) copyH() *mat.Dense {
	if f == nil {
		return nil
	}
	return mat.DenseCopyOf(f.h)
}

func (f *fitted) nIter() int {
	if f == nil {
		return 0
	}
	return len(f.history)
}

func (f *fitted) objectiveOrNaN() float64 {
	if f == nil {
		return math.NaN()
	}
	return f.objective
}

func (f *fitted) recErrOrNaN() float64 {
	if f == nil {
		return math.NaN()
	}
	return f.recErr
}

func (f *fitted) copyHistory() []float64 {
	if f == nil {
		return nil
	}
	return append([]float64(nil), f.history...)
}

// transform solves for W of new data x with the fitted H fixed.
func (f *fitted) transform(ctx context.Context, x mat.Matrix) (*mat.Dense, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if f == nil {
		return nil, ErrNotFitted
	}
	var in *input
	var err error
	if f.observed {
		in, err = newObservedInput(x, nil, true, "X")
	} else {
		in, err = newInput(x, "X")
	}
	if err != nil {
		return nil, err
	}
	if _, m := f.dims(); in.m != m {
		return nil, shapeError("X has %d columns, the model was fitted on %d", in.m, m)
	}
	return f.solveW(ctx, in)
}

// inverse returns w·H after checking w's shape and values: finite, and
// non-negative unless W is signed (VanillaALS). Finite factors can still
// have a product beyond float64's range, which is an error rather than
// infinite (or, with both signs, NaN) entries.
func (f *fitted) inverse(w mat.Matrix) (*mat.Dense, error) {
	if f == nil {
		return nil, ErrNotFitted
	}
	if isNil(w) {
		return nil, shapeError("W is nil")
	}
	k, _ := f.dims()
	r, c := w.Dims()
	if r < 1 || c != k {
		return nil, shapeError("W is %d×%d, want n×%d with n ≥ 1", r, c, k)
	}
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			switch v := w.At(i, j); {
			case !isFinite(v):
				return nil, &EntryError{Matrix: "W", Row: i, Col: j, Value: v, Err: ErrNotFinite}
			case v < 0 && !f.signed:
				return nil, &EntryError{Matrix: "W", Row: i, Col: j, Value: v, Err: ErrNegative}
			}
		}
	}
	var out mat.Dense
	out.Mul(w, f.h)
	for i := 0; i < r; i++ {
		for j, v := range out.RawRowView(i) {
			if !isFinite(v) {
				return nil, fmt.Errorf("%w: (W·H)[%d, %d] overflows float64; rescale W", ErrNotFinite, i, j)
			}
		}
	}
	return &out, nil
}
