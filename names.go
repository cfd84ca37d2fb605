package factor

import (
	"fmt"
	"strings"
)

// Solver selects the NMF algorithm.
type Solver int

const (
	// SolverAuto picks HALS for the Frobenius loss and MU otherwise.
	SolverAuto Solver = iota
	// HALS is hierarchical alternating least squares (Cichocki & Phan's fast
	// HALS), the same update as scikit-learn's 'cd' solver without shuffle:
	// one sweep over the columns of W, then one over the rows of H, per
	// iteration. Frobenius loss only. Where scikit-learn skips an entry whose
	// Hessian is zero, HALS sets it to 0 if its gradient is positive: with no
	// L2 penalty (WithL1Ratio(1)) a column of W that reaches zero then takes
	// the matching row of H to zero, rather than leaving it to pay its L1
	// penalty for nothing, and the same the other way round.
	HALS
	// MU is the multiplicative update of Lee & Seung generalized to any beta
	// (Févotte & Idier), as scikit-learn's 'mu' solver. As there, after each
	// update the entries of W below float64's machine epsilon (2.2e-16) are
	// set to zero when β < 1, and those of H when β ≤ 1; the floor is
	// absolute, so for those losses a fit of c·X is not exactly c times a
	// fit of X when factor entries come near it.
	MU
	// AcceleratedHALS is HALS with several inner sweeps of W per product
	// X·Hᵀ and of H per product Wᵀ·X (Gillis & Glineur 2012): it reaches a
	// given objective with fewer passes over X. Frobenius loss only. The
	// package documentation says how many sweeps it takes.
	AcceleratedHALS
)

var solverNames = []string{"auto", "hals", "mu", "ahals"}

// String returns the solver's name as UnmarshalText accepts it.
func (s Solver) String() string {
	if s >= 0 && int(s) < len(solverNames) {
		return solverNames[s]
	}
	return fmt.Sprintf("Solver(%d)", int(s))
}

// MarshalText implements encoding.TextMarshaler.
func (s Solver) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a solver name: auto, hals, mu or ahals (case
// insensitive). It makes Solver usable with flag.TextVar.
func (s *Solver) UnmarshalText(text []byte) error {
	i, err := parseName(string(text), solverNames, "solver")
	if err == nil {
		*s = Solver(i)
	}
	return err
}

// Init selects how NMF and VanillaALS choose their starting factors.
type Init int

const (
	// InitAuto is scikit-learn's default: InitNNDSVDA when k ≤ min(n, m),
	// InitRandom otherwise.
	InitAuto Init = iota
	// InitRandom draws |N(0, 1)|·sqrt(mean(X)/k) for every entry (for
	// VanillaALS, uniform [0, 1) at the same scale).
	InitRandom
	// InitNNDSVD is Boutsidis & Gallopoulos's non-negative double SVD: the
	// positive parts of the leading singular vectors; it leaves many zeros.
	InitNNDSVD
	// InitNNDSVDA is InitNNDSVD with its zeros set to mean(X).
	InitNNDSVDA
	// InitNNDSVDAR is InitNNDSVD with its zeros set to small random values,
	// |N(0, 1)|·mean(X)/100.
	InitNNDSVDAR
)

var initNames = []string{"auto", "random", "nndsvd", "nndsvda", "nndsvdar"}

// String returns the initialization's name as UnmarshalText accepts it.
func (i Init) String() string {
	if i >= 0 && int(i) < len(initNames) {
		return initNames[i]
	}
	return fmt.Sprintf("Init(%d)", int(i))
}

// MarshalText implements encoding.TextMarshaler.
func (i Init) MarshalText() ([]byte, error) { return []byte(i.String()), nil }

// UnmarshalText parses an initialization name: auto, random, nndsvd,
// nndsvda or nndsvdar (case insensitive).
func (i *Init) UnmarshalText(text []byte) error {
	v, err := parseName(string(text), initNames, "init")
	if err == nil {
		*i = Init(v)
	}
	return err
}

func parseName(s string, names []string, what string) (int, error) {
	for i, n := range names {
		if strings.EqualFold(s, n) {
			return i, nil
		}
	}
	return 0, optionError("unknown %s %q (want one of %s)", what, s, strings.Join(names, ", "))
}
