package factor

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// fitted is what a successful fit leaves, common to NMF and VanillaALS. A
// Fit replaces it as a whole, so a failed Fit leaves the previous one. Its
// accessors take a nil *fitted as "not fitted".
type fitted struct {
	w, h      *mat.Dense
	ht        []float64 // Hᵀ, row-major m×k, for Transform
	m, k      int
	history   []float64
	objective float64
	recErr    float64
}

func newFitted(in *input, k int, out *outcome, recErr float64) fitted {
	return fitted{
		m: in.m, k: k, ht: out.ht,
		history: out.history, objective: out.objective, recErr: recErr,
		w: mat.NewDense(in.n, k, out.w),
		h: mat.DenseCopyOf(mat.NewDense(in.m, k, out.ht).T()),
	}
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

// transformInput reads new data for Transform, which must have the columns
// the model was fitted on.
func (f *fitted) transformInput(x mat.Matrix) (*input, error) {
	if f == nil {
		return nil, ErrNotFitted
	}
	in, err := newInput(x, "X")
	if err != nil {
		return nil, err
	}
	if in.m != f.m {
		return nil, shapeError("X has %d columns, the model was fitted on %d", in.m, f.m)
	}
	return in, nil
}

// inverse returns w·H after checking w's shape and values.
func (f *fitted) inverse(w mat.Matrix) (*mat.Dense, error) {
	if f == nil {
		return nil, ErrNotFitted
	}
	if isNil(w) {
		return nil, shapeError("W is nil")
	}
	r, c := w.Dims()
	if r < 1 || c != f.k {
		return nil, shapeError("W is %d×%d, want n×%d with n ≥ 1", r, c, f.k)
	}
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if v := w.At(i, j); !isFinite(v) {
				return nil, &EntryError{Matrix: "W", Row: i, Col: j, Value: v, Err: ErrNotFinite}
			}
		}
	}
	var out mat.Dense
	out.Mul(w, f.h)
	return &out, nil
}
