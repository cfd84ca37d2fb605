package factor

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/factorgo/factor/internal/csvmat"
	"gonum.org/v1/gonum/mat"
)

// Benchmarks. BenchmarkIteration times one steady-state iteration of each
// solver (the workspaces are built before the timer starts, so allocs/op
// shows what an iteration allocates: nothing); BenchmarkFit times whole
// fits, initialization included. Compare with scikit-learn on the same
// matrices with ../shared/tools/sklearn_bench.py (see README.md).

// benchData returns the benchmark matrices, built once.
var benchData = func() func(tb testing.TB) map[string]mat.Matrix {
	var cache map[string]mat.Matrix
	return func(tb testing.TB) map[string]mat.Matrix {
		if cache == nil {
			cache = map[string]mat.Matrix{
				"digits":       readCSVForBench(tb, "testdata/digits.csv"),
				"dense2000x1k": lowRankDense(2000, 1000, 30, 1),
				"sparse20kx5k": randomCSR(20000, 5000, 0.005, 2),
			}
		}
		return cache
	}
}()

func readCSVForBench(tb testing.TB, path string) *mat.Dense {
	m, err := csvmat.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return m.X
}

// lowRankDense returns a non-negative n×m matrix of rank r plus 10% uniform
// noise.
func lowRankDense(n, m, r int, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 1))
	a := mat.NewDense(n, r, nil)
	b := mat.NewDense(r, m, nil)
	for i := 0; i < n; i++ {
		for t := 0; t < r; t++ {
			a.Set(i, t, rng.Float64())
		}
	}
	for t := 0; t < r; t++ {
		for j := 0; j < m; j++ {
			b.Set(t, j, rng.Float64())
		}
	}
	var x mat.Dense
	x.Mul(a, b)
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			x.Set(i, j, x.At(i, j)*(0.9+0.2*rng.Float64()))
		}
	}
	return &x
}

// randomCSR returns an n×m CSR matrix with about density·n·m uniform (0, 1]
// entries in random places.
func randomCSR(n, m int, density float64, seed uint64) *CSR {
	rng := rand.New(rand.NewPCG(seed, 2))
	indptr := make([]int, n+1)
	var indices []int
	var data []float64
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			if rng.Float64() < density {
				indices = append(indices, j)
				data = append(data, 1-rng.Float64())
			}
		}
		indptr[i+1] = len(data)
	}
	c, err := NewCSR(n, m, indptr, indices, data)
	if err != nil {
		panic(err)
	}
	return c
}

var benchSolvers = []struct {
	name   string
	solver Solver
	beta   float64
}{
	{"hals", HALS, Frobenius},
	{"ahals", AcceleratedHALS, Frobenius},
	{"mu", MU, Frobenius},
	{"mu-kl", MU, KullbackLeibler},
	{"mu-b1.5", MU, 1.5},
}

// BenchmarkIteration times one iteration of each solver on each matrix.
func BenchmarkIteration(b *testing.B) {
	const k = 16
	for _, data := range []string{"digits", "dense2000x1k", "sparse20kx5k"} {
		x := benchData(b)[data]
		for _, s := range benchSolvers {
			if s.beta == 1.5 && data == "sparse20kx5k" {
				continue // O(n·m·k) per iteration on sparse data, as scikit-learn
			}
			b.Run(fmt.Sprintf("%s/%s", data, s.name), func(b *testing.B) {
				benchIterations(b, x, k, s.solver, s.beta)
			})
		}
	}
}

// BenchmarkFit times whole fits of 50 iterations, initialization included.
func BenchmarkFit(b *testing.B) {
	const k = 16
	for _, data := range []string{"digits", "sparse20kx5k"} {
		x := benchData(b)[data]
		for _, s := range benchSolvers[:4] {
			b.Run(fmt.Sprintf("%s/%s", data, s.name), func(b *testing.B) {
				m := NewNMF(WithK(k), WithSolver(s.solver), WithBeta(s.beta), WithTol(0), WithMaxIter(50))
				b.ReportAllocs()
				for b.Loop() {
					if err := m.Fit(x); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	b.Run("digits/als", func(b *testing.B) {
		a := NewVanillaALS(WithK(k), WithAlpha(0.1), WithTol(0), WithMaxIter(50))
		b.ReportAllocs()
		for b.Loop() {
			if err := a.Fit(benchData(b)["digits"]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLarge times iterations on a MatrixMarket file named by the
// environment variable FACTOR_LARGE, such as the 64k×20k tf-idf matrix of
// ../shared/tools/make_corpora.py --large (not in the repository).
func BenchmarkLarge(b *testing.B) {
	path := os.Getenv("FACTOR_LARGE")
	if path == "" {
		b.Skip("set FACTOR_LARGE to a MatrixMarket file")
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	x, err := ReadMatrixMarket(bufio.NewReader(f))
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	const k = 20
	for _, s := range benchSolvers[:4] {
		b.Run(s.name, func(b *testing.B) { benchIterations(b, x, k, s.solver, s.beta) })
	}
}

// benchIterations times iterations of one solver on x from a random start,
// with X prepared as Fit prepares it; the workspaces are built, and one
// iteration done, before the timer starts.
func benchIterations(b *testing.B, x mat.Matrix, k int, solver Solver, beta float64) {
	in, err := newInput(x, "X")
	if err != nil {
		b.Fatal(err)
	}
	if beta == Frobenius || beta == KullbackLeibler {
		in.preferSparse() // as Fit does: the digits are half zeros
	}
	benchRuns(b, in, k, func(c core) iterator { return newNMFIterator(c, solver, beta, penalty{}, penalty{}) })
}

// benchRuns times iterations of the solver that newIt makes on in, from a
// random start.
func benchRuns(b *testing.B, in *input, k int, newIt func(c core) iterator) {
	p := newPool(defaultProcs())
	defer p.close()
	c := newCore(in, k, make([]float64, in.n*k), make([]float64, in.m*k), p)
	randomStart(&c, newRNG(1, 0))
	timeIterations(b, newIt(c))
}

// timeIterations starts it and times its iterations after one untimed
// iteration: accelerated HALS allocates its partial-sum buffer on its
// first update, which would count as an allocation of the steady state.
// (b.Loop also restarts the timer on its first call.)
func timeIterations(b *testing.B, it iterator) {
	it.start()
	if _, err := it.iterate(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := it.iterate(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMiniBatchStep times steady-state steps of MiniBatchNMF's Fit
// (batches of 256 rows in turn, k = 16), with the batches and the run of
// the steps prepared as Fit prepares them and one step done before the
// timer starts: allocs/op shows what a step allocates, nothing, with
// WithFreshRestarts (the fresh cases) too.
func BenchmarkMiniBatchStep(b *testing.B) {
	const k, batch = 16, 256
	for _, data := range []string{"digits", "sparse20kx5k"} {
		x := benchData(b)[data]
		for _, beta := range []float64{Frobenius, KullbackLeibler} {
			for _, fresh := range []bool{false, true} {
				name := fmt.Sprintf("%s/beta%g", data, beta)
				if fresh {
					name += "/fresh"
				}
				b.Run(name, func(b *testing.B) {
					benchMiniBatchSteps(b, x, k, beta, batch, fresh)
				})
			}
		}
	}
}

func benchMiniBatchSteps(b *testing.B, x mat.Matrix, k int, beta float64, batch int, fresh bool) {
	opts := []Option{WithK(k), WithBeta(beta), WithBatchSize(batch)}
	if fresh {
		opts = append(opts, WithFreshRestarts())
	}
	cfg := newConfig(opts)
	in, err := mbInput(x, &cfg, false)
	if err != nil {
		b.Fatal(err)
	}
	p := newPool(defaultProcs())
	defer p.close()
	c := newCore(in, k, make([]float64, in.n*k), make([]float64, in.m*k), p)
	randomStart(&c, newRNG(1, 0))
	st := &mbStep{cfg: &cfg, p: p, ht: c.ht, acc: newOnlineSums(c.ht, math.Pow(cfg.forgetFactor, float64(batch)/float64(in.n)))}
	batches := make([]*input, (in.n+batch-1)/batch)
	for q := range batches {
		batches[q] = in.rowBlock(q*batch, min(q*batch+batch, in.n))
	}
	st.prepare(batches, fresh)
	step := 0
	run := func() {
		q := step % len(batches)
		step++
		if _, err := st.step(context.Background(), q, c.w[q*batch*k:(q*batch+batches[q].n)*k], fresh); err != nil {
			b.Fatal(err)
		}
	}
	run()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		run()
	}
}

// BenchmarkObserved times one iteration of HALS, MU-KL and ridge ALS on
// sparse data as complete data (the unstored entries are zeros: the
// unweighted sparse path) and WithObservedOnly (the unstored entries are
// missing: the weighted path over the same stored entries), so that the
// ratio of the two is the cost of an observed entry against a stored one:
// the Debian tf-idf matrix (1481×2785, 40139 entries) and the Debian
// package relations (32089×8640, 231965 entries).
func BenchmarkObserved(b *testing.B) {
	const k = 16
	data := map[string]*CSR{
		"tfidf":     readMatrixMarketForBench(b, "testdata/debian6_tfidf.mtx"),
		"relations": readMatrixMarketForBench(b, "testdata/debian_relations.mtx.gz"),
	}
	solvers := []struct {
		name string
		it   func(c core) iterator
	}{
		{"hals", func(c core) iterator { return newNMFIterator(c, HALS, Frobenius, penalty{}, penalty{}) }},
		{"mu-kl", func(c core) iterator { return newNMFIterator(c, MU, KullbackLeibler, penalty{}, penalty{}) }},
		{"als", func(c core) iterator { return newALSIterator(c, 0.1, false, false) }},
	}
	for _, name := range []string{"tfidf", "relations"} {
		for _, s := range solvers {
			for _, observed := range []bool{false, true} {
				form := "complete"
				if observed {
					form = "observed"
				}
				b.Run(fmt.Sprintf("%s/%s/%s", name, s.name, form), func(b *testing.B) {
					in, err := newInput(data[name], "X")
					if observed {
						in, err = newObservedInput(data[name], nil, true, "X")
					}
					if err != nil {
						b.Fatal(err)
					}
					benchRuns(b, in, k, s.it)
				})
			}
		}
	}
}

// readMatrixMarketForBench reads a coordinate MatrixMarket file, gzipped
// when its name ends in .gz.
func readMatrixMarketForBench(tb testing.TB, path string) *CSR {
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if strings.HasSuffix(path, ".gz") {
		if r, err = gzip.NewReader(r); err != nil {
			tb.Fatal(err)
		}
	}
	x, err := ReadMatrixMarket(r)
	if err != nil {
		tb.Fatal(err)
	}
	c, ok := x.(*CSR)
	if !ok {
		tb.Fatalf("%s is not a coordinate file", path)
	}
	return c
}

// BenchmarkImplicit times one iteration of ImplicitALS at k = 32 on the
// Debian package relations (32089×8640, 231965 interactions), exact and
// with 2 and 3 conjugate-gradient steps a row, with the interactions read
// as Fit reads them (confidence 10, λ = 0.1), the start of Fit
// (0.01·N(0, 1)) and one iteration done before the timer starts: allocs/op
// shows what an iteration allocates. bench/implicit_numpy.py times the
// same iteration in NumPy.
func BenchmarkImplicit(b *testing.B) {
	const k, lambda, conf = 32, 0.1, 10.0
	x := readMatrixMarketForBench(b, "testdata/debian_relations.mtx.gz")
	for _, steps := range []int{0, 2, 3} {
		name := "exact"
		if steps > 0 {
			name = fmt.Sprintf("cg%d", steps)
		}
		b.Run(name, func(b *testing.B) {
			in, err := newInteractions(x, "X", conf)
			if err != nil {
				b.Fatal(err)
			}
			p := newPool(defaultProcs())
			defer p.close()
			c := newCore(in, k, make([]float64, in.n*k), make([]float64, in.m*k), p)
			implicitStart(&c, newRNG(1, 0))
			timeIterations(b, newImplicitRun(c, lambda, conf, steps))
		})
	}
}
