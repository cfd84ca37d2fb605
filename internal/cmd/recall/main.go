// Recall measures ImplicitALS's recommendations on the Debian package
// relations (issue 11): which of 8640 packages each of 32089 packages
// depends on (r = 3), recommends (2) or suggests (1).
//
//	go run ./internal/cmd/recall [-seed 1] [-k 16,32,64] [-lambda 0.1,1] [-conf 1,10] [-cg 0,2,3] [-iter 15] [DATA.mtx.gz]
//
// For every package with at least five relations it holds out one of them
// (chosen with the seed), fits ImplicitALS to the rest, and asks Recommend
// for the package's 10 best items, which leaves out the items already in
// its training row; recall@10 is the share of held-out relations found
// among them. The baseline recommends the items related to by the most
// packages in the training data (a tie to the lower index), again leaving
// out the row's own. Each setting of the grid (every combination of the
// lists) is fitted once, timed (wall clock, and the CPU time of the
// process), and printed with its final objective as a row of a markdown table;
// -one fits only the first setting, to time it.
package main

import (
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/factorgo/factor"
)

func main() {
	seed := flag.Uint64("seed", 1, "seed of the held-out relations")
	ks := flag.String("k", "16,32,64", "ranks k")
	lambdas := flag.String("lambda", "0.1,1", "ridge weights λ (WithAlpha)")
	confs := flag.String("conf", "1,10", "confidence weights a (c = 1 + a·r)")
	cgs := flag.String("cg", "0,2,3", "CG steps (0: exact solves)")
	iters := flag.Int("iter", 15, "iterations")
	one := flag.Bool("one", false, "fit only the first setting")
	flag.Parse()
	path := "testdata/debian_relations.mtx.gz"
	if flag.NArg() > 0 {
		path = flag.Arg(0)
	}
	if err := run(path, *seed, *ks, *lambdas, *confs, *cgs, *iters, *one); err != nil {
		fmt.Fprintln(os.Stderr, "recall:", err)
		os.Exit(1)
	}
}

// split is the training data and the held-out relation of each test row.
type split struct {
	train *factor.CSR
	users []int // rows with a held-out item
	held  []int // the held-out item of each
}

// newSplit holds out one relation, chosen uniformly, of every row with at
// least five.
func newSplit(x *factor.CSR, seed uint64) (*split, error) {
	n, m := x.Dims()
	rng := rand.New(rand.NewPCG(seed, 11))
	s := &split{}
	var is, js []int
	var vs []float64
	for i := 0; i < n; i++ {
		cols, vals := x.RowNNZ(i)
		out := -1
		if len(cols) >= 5 {
			out = rng.IntN(len(cols))
			s.users, s.held = append(s.users, i), append(s.held, cols[out])
		}
		for p, j := range cols {
			if p != out {
				is, js, vs = append(is, i), append(js, j), append(vs, vals[p])
			}
		}
	}
	train, err := factor.NewCSRFromTriplets(n, m, is, js, vs)
	s.train = train
	return s, err
}

// popularityRecall is the recall@10 of recommending the items with the
// most training relations.
func popularityRecall(s *split) float64 {
	_, m := s.train.Dims()
	count := make([]int, m)
	s.train.DoNonZero(func(_, j int, _ float64) { count[j]++ })
	order := make([]int, m)
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int { return count[b] - count[a] })
	hits := 0
	for t, u := range s.users {
		seen, _ := s.train.RowNNZ(u)
		got := 0
		for _, j := range order {
			if got == 10 {
				break
			}
			if _, present := slices.BinarySearch(seen, j); present {
				continue
			}
			got++
			if j == s.held[t] {
				hits++
				break
			}
		}
	}
	return float64(hits) / float64(len(s.users))
}

// modelRecall is the recall@10 of a fitted model's Recommend.
func modelRecall(m *factor.ImplicitALS, s *split) (float64, error) {
	hits := 0
	for t, u := range s.users {
		items, _, err := m.Recommend(u, 10)
		if err != nil {
			return 0, err
		}
		if slices.Contains(items, s.held[t]) {
			hits++
		}
	}
	return float64(hits) / float64(len(s.users)), nil
}

func run(path string, seed uint64, ks, lambdas, confs, cgs string, iters int, one bool) error {
	x, err := readRelations(path)
	if err != nil {
		return err
	}
	s, err := newSplit(x, seed)
	if err != nil {
		return err
	}
	n, m := x.Dims()
	grid := struct{ k, cg []int }{}
	var lam, conf []float64
	for _, parse := range []error{ints(ks, &grid.k), ints(cgs, &grid.cg), floats(lambdas, &lam), floats(confs, &conf)} {
		if parse != nil {
			return parse
		}
	}
	fmt.Printf("%s: %d×%d, %d relations; %d rows with at least five hold out one each (seed %d); GOMAXPROCS %d; %d iterations\n\n",
		path, n, m, x.NNZ(), len(s.users), seed, runtime.GOMAXPROCS(0), iters)
	fmt.Println("| model | k | λ | confidence | CG steps | fit (s) | fit CPU (s) | objective | recall@10 |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	fmt.Printf("| most popular | – | – | – | – | – | – | – | %.3f |\n", popularityRecall(s))
	for _, k := range grid.k {
		for _, l := range lam {
			for _, a := range conf {
				for _, cg := range grid.cg {
					model := factor.NewImplicitALS(factor.WithK(k), factor.WithAlpha(l), factor.WithConfidence(a),
						factor.WithCGSteps(cg), factor.WithMaxIter(iters), factor.WithTol(0), factor.WithSeed(seed))
					start, cpu0 := time.Now(), cpuTime()
					if err := model.Fit(s.train); err != nil {
						return err
					}
					took, cpu := time.Since(start), cpuTime()-cpu0
					r, err := modelRecall(model, s)
					if err != nil {
						return err
					}
					fmt.Printf("| ImplicitALS | %d | %g | %g | %d | %.1f | %.1f | %.6g | %.3f |\n", k, l, a, cg, took.Seconds(), cpu.Seconds(), model.Objective(), r)
					if one {
						return nil
					}
				}
			}
		}
	}
	return nil
}

func readRelations(path string) (*factor.CSR, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		if r, err = gzip.NewReader(f); err != nil {
			return nil, err
		}
	}
	x, err := factor.ReadMatrixMarket(r)
	if err != nil {
		return nil, err
	}
	c, ok := x.(*factor.CSR)
	if !ok {
		return nil, fmt.Errorf("%s is not a coordinate file", path)
	}
	return c, nil
}

func ints(s string, dst *[]int) error {
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return err
		}
		*dst = append(*dst, v)
	}
	return nil
}

func floats(s string, dst *[]float64) error {
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return err
		}
		*dst = append(*dst, v)
	}
	return nil
}
