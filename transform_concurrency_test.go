package factor_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// transformer is what NMF and VanillaALS share after a fit.
type transformer interface {
	W() *mat.Dense
	Transform(x mat.Matrix) (*mat.Dense, error)
	InverseTransform(w mat.Matrix) (*mat.Dense, error)
}

// TestConcurrentTransform checks the documented promise that Transform and
// InverseTransform of a fitted model may be called concurrently: calls on
// different inputs from several goroutines at once must each return what
// the same call returned when made alone, bit for bit. Run it with -race to
// catch a call writing to state the model shares.
func TestConcurrentTransform(t *testing.T) {
	const m = 40
	train := randomMatrix(60, m, 0, 0.3, 50)
	positive := randomMatrix(60, m, 0.05, 0, 51)
	signed := randomMatrix(60, m, -0.5, 0, 52)
	fit := func(model interface{ Fit(mat.Matrix) error }, x mat.Matrix) {
		t.Helper()
		if err := model.Fit(x); err != nil {
			t.Fatal(err)
		}
	}
	hals := factor.NewNMF(factor.WithK(5), factor.WithMaxIter(30), factor.WithSeed(1))
	fit(hals, train)
	kl := factor.NewNMF(factor.WithK(5), factor.WithBeta(factor.KullbackLeibler), factor.WithMaxIter(30), factor.WithSeed(2))
	fit(kl, train)
	is := factor.NewNMF(factor.WithK(4), factor.WithBeta(factor.ItakuraSaito), factor.WithMaxIter(20), factor.WithSeed(3))
	fit(is, positive)
	als := factor.NewVanillaALS(factor.WithK(5), factor.WithAlpha(0.1), factor.WithMaxIter(30), factor.WithSeed(4))
	fit(als, signed)

	for _, tc := range []struct {
		name   string
		model  transformer
		inputs []mat.Matrix
	}{
		// Frobenius NMF: the row-wise NNLS solver. Dense inputs with zeros,
		// without zeros, and CSR ones (the sparse products).
		{"nmf-hals", hals, []mat.Matrix{
			randomMatrix(70, m, 0, 0.3, 60), randomMatrix(70, m, 0, 0, 61), randomMatrix(120, m, 0, 0.8, 62),
			sparseOf(t, randomMatrix(90, m, 0, 0.7, 63)), sparseOf(t, randomMatrix(15, m, 0, 0.5, 64)), randomMatrix(1, m, 0, 0, 65),
		}},
		// Other betas: the multiplicative update of W.
		{"nmf-kl", kl, []mat.Matrix{
			randomMatrix(70, m, 0, 0.3, 70), randomMatrix(70, m, 0, 0, 71),
			sparseOf(t, randomMatrix(90, m, 0, 0.7, 72)), randomMatrix(8, m, 0, 0.2, 73),
		}},
		{"nmf-is", is, []mat.Matrix{
			randomMatrix(50, m, 0.05, 0, 80), randomMatrix(50, m, 0.05, 0, 81), randomMatrix(64, m, 0.05, 0, 82),
		}},
		// VanillaALS: the ridge solve.
		{"als", als, []mat.Matrix{
			randomMatrix(70, m, -0.5, 0, 90), randomMatrix(70, m, -0.5, 0.4, 91),
			sparseOf(t, randomMatrix(90, m, 0, 0.7, 92)), randomMatrix(5, m, -0.5, 0, 93),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkConcurrentTransform(t, tc.model, tc.inputs)
		})
	}
}

func checkConcurrentTransform(t *testing.T, model transformer, inputs []mat.Matrix) {
	// The same calls made one at a time first. InverseTransform gets the
	// transformed input and also the fitted W.
	type want struct{ w, inv *mat.Dense }
	serial := make([]want, len(inputs))
	for i, x := range inputs {
		w, err := model.Transform(x)
		if err != nil {
			t.Fatalf("input %d: %v", i, err)
		}
		inv, err := model.InverseTransform(w)
		if err != nil {
			t.Fatalf("input %d: %v", i, err)
		}
		serial[i] = want{w, inv}
	}
	fittedW := model.W()
	fittedInv, err := model.InverseTransform(fittedW)
	if err != nil {
		t.Fatal(err)
	}
	// Distinct inputs must give distinct results (several have the same
	// shape), or the comparisons below could not tell one goroutine's result
	// from another's.
	for i := range serial {
		for j := range i {
			if mat.Equal(serial[i].w, serial[j].w) {
				t.Fatalf("inputs %d and %d transform to the same W", j, i)
			}
		}
	}

	// Every input on its own goroutines, all released at once, each
	// repeating its calls so that they overlap with the others'.
	const copies, rounds = 2, 3
	start := make(chan struct{})
	errs := make(chan error, len(inputs)*copies*rounds*3)
	var wg sync.WaitGroup
	for g := range len(inputs) * copies {
		i := g % len(inputs)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for r := range rounds {
				w, err := model.Transform(inputs[i])
				switch {
				case err != nil:
					errs <- fmt.Errorf("goroutine %d, round %d: Transform of input %d: %v", g, r, i, err)
				case !sameBits(w, serial[i].w):
					errs <- fmt.Errorf("goroutine %d, round %d: Transform of input %d differs from the serial call", g, r, i)
				}
				inv, err := model.InverseTransform(serial[i].w)
				switch {
				case err != nil:
					errs <- fmt.Errorf("goroutine %d, round %d: InverseTransform of input %d: %v", g, r, i, err)
				case !sameBits(inv, serial[i].inv):
					errs <- fmt.Errorf("goroutine %d, round %d: InverseTransform of input %d differs from the serial call", g, r, i)
				}
				inv, err = model.InverseTransform(fittedW)
				switch {
				case err != nil:
					errs <- fmt.Errorf("goroutine %d, round %d: InverseTransform of the fitted W: %v", g, r, err)
				case !sameBits(inv, fittedInv):
					errs <- fmt.Errorf("goroutine %d, round %d: InverseTransform of the fitted W differs from the serial call", g, r)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
