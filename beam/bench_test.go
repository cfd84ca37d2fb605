package factorbeam

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/factorgo/factor"
)

// BenchmarkIteration measures the time of an iteration of the pipeline on
// Prism against the library's in-memory fit of the same data from the same
// start, in one run: ms/iter of each (the pipeline's as the difference of
// a fit of 25 and of 5 iterations, over 20, so that its fixed cost, reading
// the input, building the blocks and writing the outputs, is apart in
// ms/fixed), and their ratio. One op is one of each fit.
func BenchmarkIteration(b *testing.B) {
	sparseFile := filepath.Join(b.TempDir(), "sparse.mtx")
	writeRandomMTX(b, sparseFile, 50000, 20000, 1_000_000)
	for _, c := range []struct {
		name, data string
		k          int
		blockRows  int
	}{
		{"digits/k16", digitsCSV, 16, 500},
		{"tfidf/k6", tfidfMTX, 6, 400},
		{"sparse50kx20k/k20", sparseFile, 20, DefaultBlockRows},
	} {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			x := readX(b, c.data)
			startPath, start := saveStart(b, dir, x, false, c.k)
			s := Settings{K: c.k, MaxIter: 25}
			fitTime := func(iters int) time.Duration {
				cfg := Config{Settings: s, BlockRows: c.blockRows, InitFrom: startPath, Out: filepath.Join(dir, "out")}
				cfg.MaxIter = iters
				t0 := time.Now()
				if err := runFit(b, cfg, c.data); err != nil {
					b.Fatal(Message(err))
				}
				return time.Since(t0)
			}
			var mem, few, many time.Duration
			for b.Loop() {
				t0 := time.Now()
				inMemory(b, s, x, start)
				mem += time.Since(t0)
				few += fitTime(5)
				many += fitTime(25)
			}
			ms := func(d time.Duration) float64 { return float64(d) / float64(b.N) / 1e6 }
			memIter, pipeIter := ms(mem)/25, (ms(many)-ms(few))/20
			b.ReportMetric(memIter, "ms/iter-memory")
			b.ReportMetric(pipeIter, "ms/iter-prism")
			b.ReportMetric(ms(few)-5*pipeIter, "ms/fixed-prism")
			b.ReportMetric(pipeIter/memIter, "x")
		})
	}
}

// writeRandomMTX writes an n×m MatrixMarket file of about nnz uniform
// entries at uniform positions, in row order.
func writeRandomMTX(b *testing.B, path string, n, m, nnz int) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 1))
	var is, js []int
	var vs []float64
	for i := range n {
		for range rng.IntN(2*nnz/n + 1) {
			is, js, vs = append(is, i), append(js, rng.IntN(m)), append(vs, rng.Float64())
		}
	}
	x, err := factor.NewCSRFromTriplets(n, m, is, js, vs)
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := factor.WriteMatrixMarket(f, x); err != nil {
		b.Fatal(err)
	}
}
