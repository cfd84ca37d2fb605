package main

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"gonum.org/v1/gonum/mat"
)

// measureRates prints the best of several runs of: the dense product
// 2000×1000 by 1000×30 through gonum (GFLOP/s, 2 flops per multiply-add);
// a 256 MB copy (GB/s moved, read plus write); and a gather of 2²⁰ random
// rows of 20 float64 from a 64k×20 matrix (10 MB, as W in the sparse case),
// summed on one core, which is how the sparse products read the factors.
func measureRates() error {
	rng := rand.New(rand.NewPCG(3, 4))
	a := mat.NewDense(2000, 1000, nil)
	b := mat.NewDense(1000, 30, nil)
	for _, m := range []*mat.Dense{a, b} {
		raw := m.RawMatrix().Data
		for i := range raw {
			raw[i] = rng.Float64()
		}
	}
	var c mat.Dense
	best := bestOf(5, func() { c.Mul(a, b) })
	fmt.Printf("dense product 2000×1000·1000×30: %.2f GFLOP/s\n", 2*2000*1000*30/best.Seconds()/1e9)

	src := make([]float64, 32<<20)
	dst := make([]float64, len(src))
	best = bestOf(5, func() { copy(dst, src) })
	fmt.Printf("memory copy 256 MB: %.2f GB/s\n", 2*8*float64(len(src))/best.Seconds()/1e9)

	const rows, k = 1 << 16, 20
	f := make([]float64, rows*k)
	for i := range f {
		f[i] = rng.Float64()
	}
	idx := make([]int, 1<<20)
	for i := range idx {
		idx[i] = rng.IntN(rows)
	}
	gather := func(idx []int) float64 {
		var a0, a1, a2, a3 float64
		for _, r := range idx {
			row := f[r*k : r*k+k]
			for t := 0; t < k; t += 4 {
				a0 += row[t]
				a1 += row[t+1]
				a2 += row[t+2]
				a3 += row[t+3]
			}
		}
		return a0 + a1 + a2 + a3
	}
	var sink float64
	best = bestOf(5, func() { sink = gather(idx) })
	fmt.Printf("random row gather (rows of %d float64 from 10 MB, one core): %.2f GB/s, %.1f ns a row (sum %.6g)\n",
		k, 8*k*float64(len(idx))/best.Seconds()/1e9, best.Seconds()*1e9/float64(len(idx)), sink)
	procs := runtime.GOMAXPROCS(0)
	sums := make([]float64, procs)
	best = bestOf(5, func() {
		var wg sync.WaitGroup
		for p := range procs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sums[p] = gather(idx[p*len(idx)/procs : (p+1)*len(idx)/procs])
			}()
		}
		wg.Wait()
	})
	fmt.Printf("the same gather on %d cores: %.2f GB/s\n", procs, 8*k*float64(len(idx))/best.Seconds()/1e9)
	return nil
}

// bestOf returns the shortest of runs timings of f.
func bestOf(runs int, f func()) time.Duration {
	best := time.Duration(1 << 62)
	for range runs {
		t := time.Now()
		f()
		best = min(best, time.Since(t))
	}
	return best
}
