package factor

import (
	"testing"
)

// TestIterationsAllocateNothing: after the first, an iteration of every
// solver of incomplete data and of ImplicitALS allocates nothing (the
// benchmarks report it too; this holds it in the tests), on one goroutine
// and on several.
func TestIterationsAllocateNothing(t *testing.T) {
	x := randomCSR(60, 40, 0.2, 3)
	solvers := []struct {
		name     string
		observed bool
		it       func(c core) iterator
	}{
		{"hals", true, func(c core) iterator { return newNMFIterator(c, HALS, Frobenius, penalty{}, penalty{}) }},
		{"mu-kl", true, func(c core) iterator { return newNMFIterator(c, MU, KullbackLeibler, penalty{}, penalty{}) }},
		{"mu-b0.5", true, func(c core) iterator { return newNMFIterator(c, MU, 0.5, penalty{}, penalty{}) }},
		{"mu-frobenius", true, func(c core) iterator { return newNMFIterator(c, MU, Frobenius, penalty{}, penalty{}) }},
		{"als", true, func(c core) iterator { return newALSIterator(c, 0.1, true, false) }},
		{"als-nonneg", true, func(c core) iterator { return newALSIterator(c, 0.1, false, true) }},
		{"als-complete-nonneg", false, func(c core) iterator { return newALSIterator(c, 0.1, true, true) }},
		{"implicit", false, nil},
		{"implicit-cg", false, nil},
	}
	for _, procs := range []int{1, 3} {
		for _, s := range solvers {
			var in *input
			var err error
			switch {
			case s.observed:
				in, err = newObservedInput(x, nil, true, "X")
			case s.it == nil:
				in, err = newInteractions(x, "X", 2)
			default:
				in, err = newInput(x, "X")
			}
			if err != nil {
				t.Fatal(err)
			}
			newIt := s.it
			if newIt == nil {
				steps := 0
				if s.name == "implicit-cg" {
					steps = 2
				}
				newIt = func(c core) iterator { return newImplicitRun(c, 0.1, 2, steps) }
			}
			p := newPool(procs)
			c := newCore(in, 4, make([]float64, in.n*4), make([]float64, in.m*4), p)
			randomStart(&c, newRNG(1, 0))
			it := newIt(c)
			it.start()
			if _, err := it.iterate(); err != nil {
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(5, func() {
				if _, err := it.iterate(); err != nil {
					t.Fatal(err)
				}
			})
			p.close()
			if allocs != 0 {
				t.Errorf("%s on %d goroutines: %g allocations an iteration, want 0", s.name, procs, allocs)
			}
		}
	}
}
