package factor

import (
	"context"
	"errors"
	"fmt"
)

// Errors returned by Fit, Transform and the other methods. Every error the
// package returns wraps one of these, so callers can test for a kind of
// failure with errors.Is; the message names what is wrong and where.
var (
	// ErrNegative reports a negative entry where NMF needs non-negative data:
	// X, a starting factor, the data passed to Transform, or the W passed to
	// InverseTransform.
	ErrNegative = errors.New("factor: negative entry")

	// ErrNotFinite reports a NaN or infinite entry in the input, a fit whose
	// objective overflowed, or an InverseTransform whose product W·H
	// overflows float64.
	ErrNotFinite = errors.New("factor: NaN or infinite value")

	// ErrShape reports dimensions that do not fit together: an empty matrix,
	// starting factors or new data whose shape disagrees with X or the model,
	// or a malformed sparse matrix.
	ErrShape = errors.New("factor: shape mismatch")

	// ErrRank reports a rank the problem cannot support: K above min(n, m) for
	// the SVD-based initializations, or a singular ridge system in VanillaALS
	// with WithAlpha(0).
	ErrRank = errors.New("factor: rank does not fit")

	// ErrZeroEntries reports a zero in X for a beta divergence with beta <= 0
	// (Itakura-Saito and below), which is undefined at zero.
	ErrZeroEntries = errors.New("factor: zero entry with beta <= 0")

	// ErrNotFitted reports a call that needs a fitted model before Fit has
	// succeeded.
	ErrNotFitted = errors.New("factor: model is not fitted")

	// ErrFormat reports a malformed data file, such as a MatrixMarket file
	// with a bad header or entry; the message gives the line number.
	ErrFormat = errors.New("factor: malformed file")

	// ErrInvalidOption reports a setting that is out of range or does not
	// apply to the model it was given to, or a nil context.
	ErrInvalidOption = errors.New("factor: invalid option")

	// ErrTooLarge reports a problem whose data, factors or workspaces would
	// not fit in the memory the process may use (see the package
	// documentation, "Memory"); the message gives the estimate and the
	// limit. Nothing was allocated for it.
	ErrTooLarge = errors.New("factor: too large for memory")
)

// EntryError locates a bad entry of an input matrix. It wraps one of
// ErrNegative, ErrNotFinite or ErrZeroEntries, so errors.Is works on it, and
// errors.As gives the position.
type EntryError struct {
	Matrix   string  // which matrix: "X", "initial W", "initial H", "W" (InverseTransform), "CSR" (NewCSR) or "m" (WriteMatrixMarket)
	Row, Col int     // zero-based position of the first bad entry found
	Value    float64 // the entry itself
	Err      error   // the kind of failure
}

// Error describes the entry and the failure.
func (e *EntryError) Error() string {
	return fmt.Sprintf("%v: %s[%d, %d] = %g", e.Err, e.Matrix, e.Row, e.Col, e.Value)
}

// Unwrap returns the kind of failure, for errors.Is.
func (e *EntryError) Unwrap() error { return e.Err }

// optionError returns an ErrInvalidOption error with a description.
func optionError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidOption, fmt.Sprintf(format, args...))
}

// shapeError returns an ErrShape error with a description.
func shapeError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrShape, fmt.Sprintf(format, args...))
}

// checkContext refuses a nil context, which FitContext and TransformContext
// would otherwise dereference. As net/http does, the package does not read
// nil as context.Background(): a nil context is a caller's mistake.
func checkContext(ctx context.Context) error {
	if ctx == nil {
		return optionError("nil context; pass context.Background() for none")
	}
	return nil
}
