package factor

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// naiveUPGMA is an average-linkage clustering written independently of
// averageLinkage: at every step it recomputes the distance of every pair
// of clusters as the mean of d over the pairs of their items (no
// Lance–Williams update), and merges the pair (A, B), A < B, clusters
// numbered by their lowest item, of least distance, the first in the
// order of (A, B) among distances within 1e-12 of each other. It returns
// the cophenetic distance of every pair of items.
func naiveUPGMA(d [][]float64) [][]float64 {
	n := len(d)
	cluster := make([]int, n) // the cluster (lowest item) of each item
	for i := range cluster {
		cluster[i] = i
	}
	coph := make([][]float64, n)
	for i := range coph {
		coph[i] = make([]float64, n)
	}
	for range n - 1 {
		sum := map[[2]int]float64{}
		count := map[[2]int]int{}
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				a, b := cluster[i], cluster[j]
				if a == b {
					continue
				}
				key := [2]int{min(a, b), max(a, b)}
				sum[key] += d[i][j]
				count[key]++
			}
		}
		best, bestD := [2]int{-1, -1}, math.Inf(1)
		for a := 0; a < n; a++ {
			for b := a + 1; b < n; b++ {
				c, ok := count[[2]int{a, b}]
				if !ok {
					continue
				}
				if dist := sum[[2]int{a, b}] / float64(c); dist < bestD-1e-12 {
					best, bestD = [2]int{a, b}, dist
				}
			}
		}
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				if cluster[i] == best[0] && cluster[j] == best[1] {
					coph[i][j], coph[j][i] = bestD, bestD
				}
			}
		}
		for i := range cluster {
			if cluster[i] == best[1] {
				cluster[i] = best[0]
			}
		}
	}
	return coph
}

// pearson returns the Pearson correlation of x and y, two-pass.
func pearson(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(len(x))
	my /= float64(len(y))
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

// countsCase is a consensus of r runs over n rows to check.
type countsCase struct {
	name   string
	n, r   int
	counts []uint32
}

// labelCounts returns the counts of r random clusterings of n rows into k
// clusters, each row in its true cluster (i mod k) except with probability
// noise.
func labelCounts(n, r, k int, noise float64, rng *rand.Rand) []uint32 {
	counts := make([]uint32, pairCount(n))
	labels := make([]int32, n)
	for range r {
		for i := range labels {
			labels[i] = int32(i % k)
			if rng.Float64() < noise {
				labels[i] = int32(rng.IntN(k))
			}
		}
		addConnectivity(counts, labels, k)
	}
	return counts
}

func consensusCases() []countsCase {
	rng := rand.New(rand.NewPCG(11, 12))
	var cases []countsCase
	for _, c := range []struct {
		n, r, k int
		noise   float64
	}{
		{3, 2, 2, 0.5}, {5, 2, 2, 0.5}, {12, 3, 3, 0.3}, {20, 4, 2, 0.2}, {30, 10, 3, 0.3},
		{40, 2, 4, 0.6}, {40, 7, 5, 0.1}, {60, 20, 4, 0.4}, {25, 1000, 3, 0.5},
	} {
		cases = append(cases, countsCase{name: "labels", n: c.n, r: c.r, counts: labelCounts(c.n, c.r, c.k, c.noise, rng)})
	}
	for _, c := range []struct{ n, r int }{{4, 3}, {15, 5}, {33, 2}, {50, 9}} {
		counts := make([]uint32, pairCount(c.n))
		for p := range counts {
			counts[p] = uint32(rng.IntN(c.r + 1)) // any integer distances, not from clusterings
		}
		cases = append(cases, countsCase{name: "any", n: c.n, r: c.r, counts: counts})
	}
	return cases
}

// TestConsensusMeasures holds the consensus matrix, its dispersion and its
// cophenetic correlation to the definitions, computed here from the
// counts: C by division, the dispersion entry by entry over all n², and
// the cophenetic correlation from naiveUPGMA's cophenetic distances and a
// two-pass Pearson correlation, on consensuses with many ties (r = 2, 3)
// and on integer distances of every kind.
func TestConsensusMeasures(t *testing.T) {
	for ci, tc := range consensusCases() {
		c := newConsensus(append([]uint32(nil), tc.counts...), tc.n, tc.r)
		cm := c.matrix()
		d := make([][]float64, tc.n)
		var disp float64
		for i := range d {
			d[i] = make([]float64, tc.n)
			for j := range d[i] {
				v := 1.0
				if i != j {
					v = float64(tc.counts[pairIndex(min(i, j), max(i, j), tc.n)]) / float64(tc.r)
				}
				if got := cm.At(i, j); got != v {
					t.Fatalf("case %d (%s): C[%d, %d] = %g, want %g", ci, tc.name, i, j, got, v)
				}
				d[i][j] = 1 - v
				disp += 4 * (v - 0.5) * (v - 0.5)
			}
		}
		disp /= float64(tc.n * tc.n)
		if got := c.dispersion(); math.Abs(got-disp) > 1e-9 {
			t.Errorf("case %d (%s, n=%d, r=%d): dispersion %.15g, want %.15g", ci, tc.name, tc.n, tc.r, got, disp)
		}
		coph := naiveUPGMA(d)
		var xs, ys []float64
		for i := 0; i < tc.n; i++ {
			for j := i + 1; j < tc.n; j++ {
				xs, ys = append(xs, d[i][j]), append(ys, coph[i][j])
			}
		}
		want := pearson(xs, ys)
		if got := c.cophenetic(); !(math.Abs(got-want) <= 1e-9) {
			t.Errorf("case %d (%s, n=%d, r=%d): cophenetic %.15g, want %.15g", ci, tc.name, tc.n, tc.r, got, want)
		}
	}
}

// TestAverageLinkageTies checks the tie rule on distances chosen so that
// the order matters: items 0, 1, 2 with d(0,1) = d(0,2) = 1 and d(1,2) = 3
// must merge 0 with 1 first (the pair first in order), then {0,1} with 2
// at (1 + 3)/2 = 2, which gives 1 and 2 the cophenetic distance 2 and 0
// and 2 as well; merging 0 with 2 first would give 0 and 1 the distance 2.
func TestAverageLinkageTies(t *testing.T) {
	s := []uint64{1, 1, 3} // pairs (0,1), (0,2), (1,2)
	got := averageLinkage(s, 3)
	want := []merge{{a: 0, b: 1, sum: 1, pairs: 1}, {a: 0, b: 2, sum: 4, pairs: 2}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("merges %+v, want %+v", got, want)
	}
}

// TestConsensusUndefined checks the NaN of an undefined cophenetic
// correlation: every pair always together (k = 1), and n = 2.
func TestConsensusUndefined(t *testing.T) {
	all := newConsensus([]uint32{4, 4, 4}, 3, 4)
	if v := all.cophenetic(); !math.IsNaN(v) {
		t.Errorf("one cluster: cophenetic %g, want NaN", v)
	}
	if v := all.dispersion(); v != 1 {
		t.Errorf("one cluster: dispersion %g, want 1", v)
	}
	if v := newConsensus([]uint32{1}, 2, 4).cophenetic(); !math.IsNaN(v) {
		t.Errorf("n = 2: cophenetic %g, want NaN", v)
	}
}

// TestEstimateRankConsensusMeasures recomputes, from each returned
// consensus, its dispersion and its cophenetic correlation with an
// average linkage written here (naiveUPGMA), on data whose runs
// disagree (noise, and k above the rank), and checks the consensus is
// what it claims: symmetric, 1 on the diagonal, multiples of 1/r in
// [0, 1].
func TestEstimateRankConsensusMeasures(t *testing.T) {
	const r = 6
	x := lowRankDense(36, 16, 3, 13)
	scores, err := EstimateRank(context.Background(), x, []int{1, 2, 3, 4, 6},
		WithRestarts(r), WithHeldOutFolds(0), WithSeed(2), WithMaxIter(100))
	if err != nil {
		t.Fatal(err)
	}
	informative := 0
	for _, s := range scores {
		c := s.Consensus
		if c == nil {
			t.Fatalf("k = %d: no consensus", s.K)
		}
		n := c.SymmetricDim()
		for i := range n {
			for j := range n {
				v := c.At(i, j)
				if i == j && v != 1 || v != c.At(j, i) || v < 0 || v > 1 || math.Abs(v*r-math.Round(v*r)) > 1e-12 {
					t.Fatalf("k = %d: C[%d, %d] = %g", s.K, i, j, v)
				}
				if v != 0 && v != 1 {
					informative++
				}
			}
		}
		coph, disp := symCophenetic(c), symDispersion(c)
		if !(math.Abs(s.Cophenetic-coph) <= 1e-9 || math.IsNaN(s.Cophenetic) && math.IsNaN(coph)) || !(math.Abs(s.Dispersion-disp) <= 1e-9) {
			t.Errorf("k = %d: cophenetic %.15g, dispersion %.15g; recomputed %.15g, %.15g", s.K, s.Cophenetic, s.Dispersion, coph, disp)
		}
	}
	if informative == 0 {
		t.Error("every consensus is of zeros and ones: the runs agree, and the linkage is not put to the test")
	}
	if !math.IsNaN(scores[0].Cophenetic) || scores[0].Dispersion != 1 {
		t.Errorf("k = 1: cophenetic %g, dispersion %g; want NaN (one cluster: every distance 0) and 1", scores[0].Cophenetic, scores[0].Dispersion)
	}
}

// symCophenetic and symDispersion compute the coefficients of a consensus
// matrix from the definitions: naiveUPGMA of 1 − C and a two-pass Pearson
// correlation over the pairs i < j, and Σ 4·(C_ij − ½)²/n².
func symCophenetic(c *mat.SymDense) float64 {
	n := c.SymmetricDim()
	d := make([][]float64, n)
	for i := range d {
		d[i] = make([]float64, n)
		for j := range d[i] {
			d[i][j] = 1 - c.At(i, j)
		}
	}
	coph := naiveUPGMA(d)
	var xs, ys []float64
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			xs, ys = append(xs, d[i][j]), append(ys, coph[i][j])
		}
	}
	return pearson(xs, ys)
}

func symDispersion(c *mat.SymDense) float64 {
	n := c.SymmetricDim()
	var s float64
	for i := range n {
		for j := range n {
			s += 4 * (c.At(i, j) - 0.5) * (c.At(i, j) - 0.5)
		}
	}
	return s / float64(n*n)
}
