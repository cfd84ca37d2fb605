package factor

import (
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// The held-out folds of EstimateRank. The N entries that count, the base
// entries, are numbered in row-major order: all n·m entries of complete
// data (position i·m + j, zeros included), or the stored entries of Ω for
// WithWeights and WithObservedOnly (their position in the CSR of Ω). A
// random permutation of 0…N−1, drawn once from the seed, gives each entry
// its rank, and fold t holds out the entries whose rank lies in
// [t·h, t·h + h) modulo N. Each fold's data, the base entries it keeps at
// their weights, is built once, by the first fit that needs it, as the
// input of a weighted fit (observed.go), beside a CSR of the entries it
// holds out, which score its fits.

// heldOutStream numbers the random stream of the folds' permutation,
// apart from the streams of the runs (newRNG).
const heldOutStream = 0x6a09e667f3bcc909

// heldOut holds the folds of a survey.
type heldOut struct {
	base     *input // X at unit scale
	beta     float64
	scale    float64 // X was divided by scale
	seed     uint64
	total, h int // N and the entries held out per fold

	rankOnce sync.Once
	rank     []int        // the rank of each base entry in the permutation
	unbuilt  atomic.Int64 // folds not built yet: the ranks go with the last

	folds []foldData
}

// foldData is the data of one fold.
type foldData struct {
	t    int
	once sync.Once
	in   *input    // the kept entries, as the input of a weighted fit
	held *CSR      // the held-out entries
	hw   []float64 // their weights (nil: all 1)
	svd  sharedSVD // of in, for its NNDSVD starts
}

// newHeldOut sets up the folds of a survey with the settings cfg on the
// input in, at unit scale; it allocates nothing yet (allocate). It fails,
// wrapping ErrShape, when fewer than two entries count: no fold could keep
// one and hold one out.
func newHeldOut(in *input, cfg *config) (*heldOut, error) {
	total := in.n * in.m
	if in.observed {
		total = in.csr.NNZ()
	}
	if total < 2 {
		return nil, shapeError("held-out folds need at least 2 entries that count, X has %d", total)
	}
	h := min(max(int(math.Round(cfg.heldOutFraction*float64(total))), 1), total-1)
	return &heldOut{base: in, beta: cfg.beta, scale: in.scale, seed: cfg.seed, total: total, h: h}, nil
}

// allocate makes the folds of a survey of ks, none built yet.
func (h *heldOut) allocate(cfg *config, ks []int) {
	h.folds = make([]foldData, cfg.heldOutFolds)
	h.unbuilt.Store(int64(len(h.folds)))
	for t := range h.folds {
		h.folds[t].t = t
		h.folds[t].svd = newSharedSVD(cfg, ks, h.base.n, h.base.m)
	}
}

// fold returns fold t, building its data on first use.
func (h *heldOut) fold(t int) *foldData {
	fd := &h.folds[t]
	fd.once.Do(func() { h.build(fd) })
	return fd
}

// ranks returns the rank of each base entry, drawing the permutation on
// first use: a Fisher–Yates shuffle of the identity by the seeded PCG
// stream heldOutStream.
func (h *heldOut) ranks() []int {
	h.rankOnce.Do(func() {
		h.rank = make([]int, h.total)
		for i := range h.rank {
			h.rank[i] = i
		}
		rng := rand.New(rand.NewPCG(h.seed, heldOutStream))
		rng.Shuffle(len(h.rank), func(i, j int) { h.rank[i], h.rank[j] = h.rank[j], h.rank[i] })
	})
	return h.rank
}

// build builds the data of fold fd: the base entries whose rank is not in
// [t·h, t·h + h) modulo N, with their weights, as an observed input, and
// the others as the held-out CSR.
func (h *heldOut) build(fd *foldData) {
	rank, n, m := h.ranks(), h.base.n, h.base.m
	off := int((int64(fd.t) * int64(h.h)) % int64(h.total))
	weighted := h.base.weight != nil
	kept, held := newCSRBuilder(n, h.total-h.h, weighted), newCSRBuilder(n, h.h, weighted)
	h.base.eachBase(func(e, i, j int, x, w float64) {
		d := rank[e] - off
		if d < 0 {
			d += h.total
		}
		if d < h.h {
			held.add(j, x, w)
		} else {
			kept.add(j, x, w)
		}
	}, func(i int) { kept.endRow(); held.endRow() })
	in := &input{n: n, m: m, scale: h.base.scale, observed: true,
		fromDense: h.base.hasDense() || h.base.fromDense,
		csr:       kept.csr(n, m), weight: kept.weight}
	in.sumSq = in.sumSquares()
	fd.in, fd.held, fd.hw = in, held.csr(n, m), held.weight
	if h.unbuilt.Add(-1) == 0 {
		h.rank = nil // no fold will read it again
	}
}

// eachBase calls entry(e, i, j, x, w) for every base entry e, at (i, j)
// with value x and weight w (1 without weights), in row-major order, and
// endRow(i) after the entries of row i.
func (in *input) eachBase(entry func(e, i, j int, x, w float64), endRow func(i int)) {
	switch {
	case in.observed:
		c := in.csr
		for i := 0; i < in.n; i++ {
			for p := c.indptr[i]; p < c.indptr[i+1]; p++ {
				w := 1.0
				if in.weight != nil {
					w = in.weight[p]
				}
				entry(p, i, c.indices[p], c.data[p], w)
			}
			endRow(i)
		}
	case in.hasDense():
		for i := 0; i < in.n; i++ {
			for j, x := range in.denseRow(i) {
				entry(i*in.m+j, i, j, x, 1)
			}
			endRow(i)
		}
	default:
		var cur cursor
		for i := 0; i < in.n; i++ {
			cur.reset(in.csr, i)
			for j := 0; j < in.m; j++ {
				entry(i*in.m+j, i, j, cur.at(j), 1)
			}
			endRow(i)
		}
	}
}

// score returns the held-out error of a fit of fold fd with k components,
// whose outcome (at unit scale) is out: Σ M_ij·d_β(x_ij | (WH)_ij) / Σ M_ij
// over the held-out entries, in row-major order, at X's scale (times
// c^β, the divergence being homogeneous of degree β).
func (h *heldOut) score(fd *foldData, out *outcome, k int) float64 {
	terms := newBetaTerms(h.beta)
	var sum, weights float64
	c := fd.held
	for i := 0; i < c.rows; i++ {
		wi := out.w[i*k : i*k+k]
		for p := c.indptr[i]; p < c.indptr[i+1]; p++ {
			j := c.indices[p]
			y := dot(wi, out.ht[j*k:j*k+k])
			mw := 1.0
			if fd.hw != nil {
				mw = fd.hw[p]
			}
			sum += mw * terms.entry(c.data[p], y)
			weights += mw
		}
	}
	return sum / weights * math.Pow(h.scale, h.beta)
}

// entry returns the divergence d_β(x | y) of one entry, as the objective
// sums it (see weigh): ½(x − y)² for β = 2, and otherwise with y = 0
// read as epsilon where a term divides by it; at least 0.
func (t *betaTerms) entry(x, y float64) float64 {
	switch t.beta {
	case 2:
		d := x - y
		return d * d / 2
	case 1:
		var dx float64
		if x > 0 {
			dx = x*math.Log(klNumerator(x, y)) - x
		}
		return max(dx+y, 0)
	case 0:
		_, inv := isWeights(x, y)
		r := x * inv
		return max(r-math.Log(r)-1, 0)
	}
	_, _, dx, dy := t.powTerms(x, y)
	var xb float64
	if x > 0 {
		xb = math.Pow(x, t.beta)
	}
	return t.divergence(dx, dy, xb)
}

// residualSq returns ‖X − W·Hᵀᵀ‖² over the entries that count (Σ_Ω M·(x −
// y)² for observed data) for W (n×k) and Ht (m×k): exactly for dense X,
// and for X held only as CSR from ‖X‖² − 2⟨X, WH⟩ + ⟨WᵀW, HHᵀ⟩ (good to
// about 1e-16·‖X‖²), clamped at 0.
func (in *input) residualSq(w, ht []float64, k int) float64 {
	switch {
	case in.observed:
		var s float64
		c := in.csr
		for i := 0; i < in.n; i++ {
			for p := c.indptr[i]; p < c.indptr[i+1]; p++ {
				j := c.indices[p]
				d := c.data[p] - dot(w[i*k:i*k+k], ht[j*k:j*k+k])
				if in.weight != nil {
					s += in.weight[p] * d * d
				} else {
					s += d * d
				}
			}
		}
		return s
	case in.hasDense():
		c := core{in: in, n: in.n, m: in.m, k: k, w: w, ht: ht}
		return c.residualSq()
	}
	var cross float64
	c := in.csr
	for i := 0; i < in.n; i++ {
		for p := c.indptr[i]; p < c.indptr[i+1]; p++ {
			j := c.indices[p]
			cross += c.data[p] * dot(w[i*k:i*k+k], ht[j*k:j*k+k])
		}
	}
	gw, gh := gramOf(w, in.n, k), gramOf(ht, in.m, k)
	return max(in.sumSq-2*cross+dot(gw, gh), 0)
}

// gramOf returns fᵀf (k×k) for the rows×k row-major f.
func gramOf(f []float64, rows, k int) []float64 {
	g := make([]float64, k*k)
	for i := 0; i < rows; i++ {
		r := f[i*k : i*k+k]
		for a, va := range r {
			if va != 0 {
				axpy(va, r, g[a*k:a*k+k])
			}
		}
	}
	return g
}
