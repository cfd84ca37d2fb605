package factor

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// nndsvdFloor is scikit-learn's threshold below which NNDSVD entries are set
// to zero.
const nndsvdFloor = 1e-6

// newRNG returns the random source of one run: a PCG generator seeded from
// WithSeed and the run's index, so that every run has its own stream.
func newRNG(seed uint64, restart int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15^uint64(restart)))
}

// resolveInit returns the initialization an NMF run uses: InitAuto becomes
// InitNNDSVDA when k ≤ min(n, m) and InitRandom otherwise; runs after the
// first always start at random.
func resolveInit(init Init, k, n, m, restart int) Init {
	switch {
	case restart > 0:
		return InitRandom
	case init == InitAuto && k <= min(n, m):
		return InitNNDSVDA
	case init == InitAuto:
		return InitRandom
	}
	return init
}

// nmfStart fills W (n×k) and Ht (m×k) with the starting factors of one NMF
// run, drawing from rng.
func nmfStart(c *core, init Init, rng *rand.Rand) error { return startFrom(c, init, rng, ownSVD) }

// triplets returns the k leading singular triplets (u, s, v) of the data an
// NNDSVD start of c reads.
type triplets func(c *core, rng *rand.Rand) (u, s, v []float64, err error)

// startFrom fills W and Ht with the start init, the NNDSVD variants from
// the singular triplets svd gives.
func startFrom(c *core, init Init, rng *rand.Rand, svd triplets) error {
	if init == InitRandom {
		randomStart(c, rng)
		return nil
	}
	u, s, v, err := svd(c, rng)
	if err != nil {
		return err
	}
	nndsvdFrom(c, u, s, v, init, rng)
	return nil
}

// randomStart draws scikit-learn's random start: every entry of H, then of
// W, is |N(0, 1)|·sqrt(mean(X)/k), the mean over the observed entries for
// observed data.
func randomStart(c *core, rng *rand.Rand) {
	avg := math.Sqrt(c.in.mean() / float64(c.k))
	for t := 0; t < c.k; t++ {
		for j := 0; j < c.m; j++ {
			c.ht[j*c.k+t] = avg * math.Abs(rng.NormFloat64())
		}
	}
	for i := range c.w {
		c.w[i] = avg * math.Abs(rng.NormFloat64())
	}
}

// ownSVD returns the k leading singular triplets of X, truncatedSVD's, for
// an NNDSVD start of c: of input.filled for observed data (WithWeights,
// WithObservedOnly).
func ownSVD(c *core, rng *rand.Rand) (u, s, v []float64, err error) {
	sc := *c
	if sc.in, err = c.in.filled(); err != nil { // observed data: the missing entries filled
		return nil, nil, nil, err
	}
	u, s, v, ok := truncatedSVD(&sc, c.k, rng)
	if !ok {
		return nil, nil, nil, fmt.Errorf("%w: the SVD for the NNDSVD start did not converge", ErrNotFinite)
	}
	return u, s, v, nil
}

// nndsvdFrom computes NNDSVD (Boutsidis & Gallopoulos 2008) from the k
// leading singular triplets (σ_j, u_j, v_j) of X: the first component is
// sqrt(σ_1)·(|u_1|, |v_1|); for the others, of the positive parts (u⁺, v⁺)
// and the negative parts (u⁻, v⁻), the pair with the larger product of norms
// is normalized and scaled by sqrt(σ_j·‖u‖‖v‖). Entries below 1e-6 become
// zero; NNDSVDA then sets the zeros to mean(X), NNDSVDAR to
// |N(0, 1)|·mean(X)/100, with mean(X) the mean of the observed entries for
// observed data.
func nndsvdFrom(c *core, u, s, v []float64, init Init, rng *rand.Rand) {
	k := c.k
	for j := 0; j < k; j++ {
		nndsvdComponent(c.w, u, j, k, c.n, c.ht, v, c.m, s[j])
	}
	mean := c.in.mean()
	for _, f := range [][]float64{c.w, c.ht} {
		for i, x := range f {
			if x >= nndsvdFloor {
				continue
			}
			switch init {
			case InitNNDSVD:
				f[i] = 0
			case InitNNDSVDA:
				f[i] = mean
			case InitNNDSVDAR:
				f[i] = math.Abs(mean * rng.NormFloat64() / 100)
			}
		}
	}
}

// nndsvdComponent sets column j of W and of Ht from the j-th singular
// triplet (column j of u (n×k) and v (m×k), value sigma).
func nndsvdComponent(w, u []float64, j, k, n int, ht, v []float64, m int, sigma float64) {
	var upos, uneg, vpos, vneg float64 // squared norms of the parts
	for i := 0; i < n; i++ {
		if x := u[i*k+j]; x > 0 {
			upos += x * x
		} else {
			uneg += x * x
		}
	}
	for i := 0; i < m; i++ {
		if x := v[i*k+j]; x > 0 {
			vpos += x * x
		} else {
			vneg += x * x
		}
	}
	upos, uneg, vpos, vneg = math.Sqrt(upos), math.Sqrt(uneg), math.Sqrt(vpos), math.Sqrt(vneg)
	sign, unorm, vnorm := 1.0, upos, vpos
	switch {
	case j == 0:
		// The leading pair is of one sign; take absolute values.
		sign, unorm, vnorm = 0, 1, 1
	case upos*vpos <= uneg*vneg:
		sign, unorm, vnorm = -1, uneg, vneg
	}
	lambda := math.Sqrt(sigma * unorm * vnorm)
	if j == 0 {
		lambda = math.Sqrt(sigma)
	}
	part(w, u, j, k, n, sign, lambda, unorm)
	part(ht, v, j, k, m, sign, lambda, vnorm)
}

// part sets column j of dst to lambda/norm times the part of column j of src
// of the given sign (0: absolute values, 1: positive, -1: negative part).
func part(dst, src []float64, j, k, rows int, sign, lambda, norm float64) {
	scale := 0.0
	if norm > 0 {
		scale = lambda / norm
	}
	for i := 0; i < rows; i++ {
		x := src[i*k+j]
		switch {
		case sign == 0:
			x = math.Abs(x)
		case sign*x < 0:
			x = 0
		default:
			x = math.Abs(x)
		}
		dst[i*k+j] = scale * x
	}
}

// checkInitialFactors checks the matrices of WithInitialFactors, when
// given, against X before any work starts: shapes, finite entries and, for
// NMF (nonNegative), signs.
func checkInitialFactors(cfg *config, in *input, nonNegative bool) error {
	if cfg.set&optInitialFactors == 0 {
		return nil
	}
	probe := core{in: in, n: in.n, m: in.m, k: cfg.k, w: make([]float64, in.n*cfg.k), ht: make([]float64, in.m*cfg.k)}
	return customStart(&probe, cfg.w0, cfg.h0, nonNegative)
}

// customStart copies the factors of WithInitialFactors into W and Ht after
// checking their shape and, for NMF, their sign, and divides them by √c
// when X was divided by c (toUnitScale).
func customStart(c *core, w0, h0 mat.Matrix, nonNegative bool) error {
	if r, k := w0.Dims(); r != c.n || k != c.k {
		return shapeError("initial W is %d×%d, want %d×%d", r, k, c.n, c.k)
	}
	if k, m := h0.Dims(); k != c.k || m != c.m {
		return shapeError("initial H is %d×%d, want %d×%d", k, m, c.k, c.m)
	}
	if err := copyFactor(c.w, w0, false, "W", nonNegative); err != nil {
		return err
	}
	if err := copyFactor(c.ht, h0, true, "H", nonNegative); err != nil {
		return err
	}
	if s := c.in.scale; s != 1 { // X was brought to unit scale: so are the factors
		scaleSlice(c.w, 1/math.Sqrt(s))
		scaleSlice(c.ht, 1/math.Sqrt(s))
	}
	return nil
}

// copyFactor copies f (or its transpose into dst when transpose is set),
// checking that every entry is finite and, if asked, non-negative and not
// all zero.
func copyFactor(dst []float64, f mat.Matrix, transpose bool, name string, nonNegative bool) error {
	r, cols := f.Dims()
	anyNonZero := false
	for i := 0; i < r; i++ {
		for j := 0; j < cols; j++ {
			v := f.At(i, j)
			switch {
			case !isFinite(v):
				return &EntryError{Matrix: "initial " + name, Row: i, Col: j, Value: v, Err: ErrNotFinite}
			case nonNegative && v < 0:
				return &EntryError{Matrix: "initial " + name, Row: i, Col: j, Value: v, Err: ErrNegative}
			}
			anyNonZero = anyNonZero || v != 0
			if transpose {
				dst[j*r+i] = v
			} else {
				dst[i*cols+j] = v
			}
		}
	}
	if nonNegative && !anyNonZero {
		return fmt.Errorf("%w: initial %s is all zeros, from which NMF cannot move", ErrInvalidOption, name)
	}
	return nil
}

// alsRandomStart draws numpy-ml's start for ridge ALS: uniform [0, 1) times
// sqrt(mean(|X|)/k) (for non-negative X, sqrt(mean(X)/k)), the mean over
// the observed entries for observed data.
func alsRandomStart(c *core, rng *rand.Rand) {
	var s float64
	c.in.find(func(v float64) bool { s += math.Abs(v); return false })
	mean := s / float64(c.n) / float64(c.m)
	if c.in.observed {
		mean = s / max(c.in.count(), 1)
	}
	scale := math.Sqrt(mean / float64(c.k))
	for i := range c.w {
		c.w[i] = scale * rng.Float64()
	}
	for i := range c.ht {
		c.ht[i] = scale * rng.Float64()
	}
}
