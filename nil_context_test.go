package factor_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/factorgo/factor"
)

// TestNilContext: a nil context is a caller's mistake, refused with an
// error wrapping ErrInvalidOption by every method that takes one, fitted
// or not, rather than a nil dereference.
func TestNilContext(t *testing.T) {
	var nilCtx context.Context // the mistake under test
	x := randomMatrix(6, 4, 0.1, 0, 12)
	m, a := factor.NewNMF(factor.WithK(2)), factor.NewVanillaALS(factor.WithK(2))
	calls := func(state string) []struct {
		name string
		call func() error
	} {
		return []struct {
			name string
			call func() error
		}{
			{"NMF.FitContext, " + state, func() error { return m.FitContext(nilCtx, x) }},
			{"VanillaALS.FitContext, " + state, func() error { return a.FitContext(nilCtx, x) }},
			{"NMF.TransformContext, " + state, func() error { _, err := m.TransformContext(nilCtx, x); return err }},
			{"VanillaALS.TransformContext, " + state, func() error { _, err := a.TransformContext(nilCtx, x); return err }},
		}
	}
	check := func(state string) {
		for _, c := range calls(state) {
			if err := noPanic(t, c.name, c.call); !errors.Is(err, factor.ErrInvalidOption) || !strings.Contains(fmt.Sprint(err), "nil context") {
				t.Errorf("%s with a nil context: %v, want an error wrapping ErrInvalidOption", c.name, err)
			}
		}
	}
	check("not fitted")
	if m.W() != nil || a.W() != nil {
		t.Fatal("FitContext(nil, X) fitted the model")
	}
	if err := m.FitContext(context.Background(), x); err != nil {
		t.Fatal(err)
	}
	if err := a.FitContext(context.Background(), x); err != nil {
		t.Fatal(err)
	}
	w := m.W()
	check("fitted")
	if !sameBits(m.W(), w) {
		t.Error("a FitContext(nil, X) changed the fitted model")
	}
}
