package factor

import (
	"math"
	"math/big"
	"math/bits"

	"gonum.org/v1/gonum/mat"
)

// The consensus of EstimateRank's runs of one k and the measures read
// from it (see RankScore). The consensus is counted, not averaged: for
// each pair of rows i < j, cnt_ij runs put them in the same cluster, so
// C_ij = cnt_ij/r and the distance 1 − C_ij = s_ij/r with the integer
// s_ij = r − cnt_ij. Average linkage then works on integer sums: the
// distance of clusters A and B is S(A, B)/(r·|A|·|B|) with
// S(A, B) = Σ_{i∈A, j∈B} s_ij, the Lance–Williams update of average
// linkage is S(X, A∪B) = S(X, A) + S(X, B), exactly, and two distances
// compare exactly by cross-multiplication in 128 bits. The pairs i < j are
// stored as the upper triangle without the diagonal, row by row.

// pairCount is the number of pairs i < j of n rows.
func pairCount(n int) int { return n * (n - 1) / 2 }

// pairIndex is the position of the pair i < j of n rows in the triangle.
func pairIndex(i, j, n int) int { return i*(2*n-i-1)/2 + j - i - 1 }

// argmaxRows returns the cluster of each row of W (n×k, row-major): the
// index of its largest entry, the lowest on a tie.
func argmaxRows(w []float64, n, k int) []int32 {
	labels := make([]int32, n)
	for i := range labels {
		row := w[i*k : i*k+k]
		best := 0
		for t, v := range row {
			if v > row[best] {
				best = t
			}
		}
		labels[i] = int32(best)
	}
	return labels
}

// addConnectivity adds 1 to the count of every pair of rows with the same
// label (labels from 0 to k−1), visiting the rows of each cluster only.
func addConnectivity(counts []uint32, labels []int32, k int) {
	n := len(labels)
	start := make([]int, k+1) // counting sort of the rows by label
	for _, l := range labels {
		start[l+1]++
	}
	for t := range k {
		start[t+1] += start[t]
	}
	rows, next := make([]int, n), append([]int(nil), start[:k]...)
	for i, l := range labels {
		rows[next[l]] = i
		next[l]++
	}
	for t := range k {
		group := rows[start[t]:start[t+1]]
		for a, i := range group {
			base := i*(2*n-i-1)/2 - i - 1
			for _, j := range group[a+1:] {
				counts[base+j]++
			}
		}
	}
}

// consensus is the consensus of r runs over n rows, from their counts.
type consensus struct {
	n, r   int
	counts []uint32 // cnt_ij for the pairs i < j
}

func newConsensus(counts []uint32, n, r int) *consensus {
	return &consensus{n: n, r: r, counts: counts}
}

// matrix returns C, with C_ii = 1 and C_ij = cnt_ij/r.
func (c *consensus) matrix() *mat.SymDense {
	n := c.n
	data := make([]float64, n*n)
	r := float64(c.r)
	for i := range n {
		data[i*n+i] = 1
		base := pairIndex(i, i+1, n)
		for j := i + 1; j < n; j++ {
			v := float64(c.counts[base+j-i-1]) / r
			data[i*n+j], data[j*n+i] = v, v
		}
	}
	return mat.NewSymDense(n, data)
}

// histogram returns how many pairs have each count from 0 to r.
func (c *consensus) histogram() []uint64 {
	h := make([]uint64, c.r+1)
	for _, v := range c.counts {
		h[v]++
	}
	return h
}

// dispersion returns Σ_ij 4·(C_ij − ½)²/n² over all n² entries:
// (n + 2·Σ_{i<j} (2·cnt_ij − r)²/r²)/n², the diagonal's n entries being 1,
// summed over the distinct counts.
func (c *consensus) dispersion() float64 {
	n, r := float64(c.n), float64(c.r)
	var s float64
	for v, num := range c.histogram() {
		d := 2*float64(v) - r
		s += float64(num) * d * d
	}
	return (n + 2*s/(r*r)) / (n * n)
}

// cophenetic returns the Pearson correlation of the distances d_ij =
// s_ij/r with the cophenetic distances c_ij of their average linkage, over
// the N pairs i < j. For average linkage the merge of A and B at height
// h = S(A, B)/(r·|A|·|B|) gives its |A|·|B| pairs c = h, whose sum
// h·|A|·|B| is the sum of their d: so Σ c = Σ d, Σ c·d = Σ c², the
// covariance of c and d is the variance of c, and the correlation is
// √(Var c / Var d). Both are sums of squares, with no cancellation:
//
//	N·r²·N·Var d = Σ_{i<j} (s_ij·N − T)²                 (T = Σ s_ij)
//	N·r²·N·Var c = Σ_merges (S(A,B)·N − T·|A|·|B|)² / (|A|·|B|)
//
// each difference exact in integers. NaN when every distance is the same.
func (c *consensus) cophenetic() float64 {
	n, r := c.n, uint64(c.r)
	if n < 2 {
		return math.NaN()
	}
	pairs := uint64(pairCount(n))
	var total uint64 // T
	hist := c.histogram()
	for cnt, num := range hist {
		total += num * (r - uint64(cnt))
	}
	var varD float64
	for cnt, num := range hist {
		d := float64(int64((r-uint64(cnt))*pairs) - int64(total))
		varD += float64(num) * d * d
	}
	if varD == 0 {
		return math.NaN()
	}
	s := make([]uint64, len(c.counts))
	for p, v := range c.counts {
		s[p] = r - uint64(v)
	}
	var varC float64
	bigN, bigT := new(big.Int).SetUint64(pairs), new(big.Int).SetUint64(total)
	var a, b big.Int
	for _, mg := range averageLinkage(s, n) {
		a.Mul(a.SetUint64(mg.sum), bigN)
		b.Mul(b.SetUint64(mg.pairs), bigT)
		d, _ := a.Sub(&a, &b).Float64()
		varC += d * d / float64(mg.pairs)
	}
	return min(math.Sqrt(varC/varD), 1)
}

// merge is one step of an average linkage: clusters a < b merged at the
// height sum/(r·pairs), sum being S(a, b) and pairs |a|·|b|.
type merge struct {
	a, b       int
	sum, pairs uint64
}

// averageLinkage clusters n items by average linkage (UPGMA) with the
// distances s_ij/r given as the integers s of the pairs i < j, which it
// overwrites with the sums S. It returns the n − 1 merges, in order. The
// clusters are numbered by their lowest item; each step merges the pair
// (a, b), a < b, of least distance, the first in the order of (a, b) on a
// tie, into cluster a. It keeps, as R's hclust does, each cluster's
// nearest neighbour among the clusters of higher number (the lowest
// number on a tie), and after a merge of a and b recomputes it only for a
// and for the clusters whose neighbour was a or b: in exact arithmetic
// the others keep theirs, since d(x, a∪b) lies between d(x, a) and
// d(x, b). That costs O(n²) time in the usual case (O(n³) at worst) and
// no memory beyond s.
func averageLinkage(s []uint64, n int) []merge {
	size := make([]uint64, n)
	active := make([]bool, n)
	nn := make([]int, n)
	nnSum, nnPairs := make([]uint64, n), make([]uint64, n)
	for i := range n {
		size[i], active[i] = 1, true
	}
	nearest := func(a int) {
		nn[a] = -1
		base := pairIndex(a, a+1, n) - a - 1
		for y := a + 1; y < n; y++ {
			if !active[y] {
				continue
			}
			sum, pairs := s[base+y], size[a]*size[y]
			if nn[a] < 0 || ratioLess(sum, pairs, nnSum[a], nnPairs[a]) {
				nn[a], nnSum[a], nnPairs[a] = y, sum, pairs
			}
		}
	}
	for a := range n {
		nearest(a)
	}
	merges := make([]merge, 0, max(n-1, 0))
	for range n - 1 {
		a := -1
		for x := range n {
			if active[x] && nn[x] >= 0 && (a < 0 || ratioLess(nnSum[x], nnPairs[x], nnSum[a], nnPairs[a])) {
				a = x
			}
		}
		b := nn[a]
		merges = append(merges, merge{a: a, b: b, sum: nnSum[a], pairs: nnPairs[a]})
		for x := range n { // S(x, a∪b) = S(x, a) + S(x, b)
			if active[x] && x != a && x != b {
				s[pairIndex(min(x, a), max(x, a), n)] += s[pairIndex(min(x, b), max(x, b), n)]
			}
		}
		size[a] += size[b]
		active[b] = false
		nearest(a)
		for x := range b {
			if active[x] && x != a && (nn[x] == a || nn[x] == b) {
				nearest(x)
			}
		}
	}
	return merges
}

// ratioLess reports whether s1/p1 < s2/p2 for p1, p2 > 0, exactly.
func ratioLess(s1, p1, s2, p2 uint64) bool {
	h1, l1 := bits.Mul64(s1, p2)
	h2, l2 := bits.Mul64(s2, p1)
	return h1 < h2 || h1 == h2 && l1 < l2
}
