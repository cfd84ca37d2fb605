package factor

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
)

// BenchmarkRankSurvey times the rank survey of the digits, k = 2…12 with
// 10 runs and 5 held-out folds per k (165 fits), as EstimateRank makes it
// and as the same fits made one by one the way NMF.Fit makes a fit
// (oneByOne): each from X, read and converted again, with its own SVD for
// its start, the folds through WithWeights of a dense mask, one fit at a
// time with every core on its products. Both give the same measures (the
// one-by-one survey checks them against EstimateRank's once, off the
// clock). Besides the wall time it reports the processor time, cpu-s/op,
// which a busy machine inflates less. Run it with -benchtime 1x: a survey
// takes most of a minute on two cores.
func BenchmarkRankSurvey(b *testing.B) {
	x := readCSVForBench(b, "testdata/digits.csv")
	ks := []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	opts := []Option{WithRestarts(10), WithHeldOutFolds(5), WithSeed(1)}
	ctx := context.Background()
	b.Run("estimaterank", func(b *testing.B) {
		cpu := cpuTime()
		for range b.N {
			if _, err := EstimateRank(ctx, x, ks, opts...); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
	})
	b.Run("one-by-one", func(b *testing.B) {
		var want []RankScore
		var cpu time.Duration
		for i := range b.N {
			c := cpuTime()
			got := oneByOne(b, x, ks, opts)
			cpu += cpuTime() - c
			if i > 0 {
				continue
			}
			b.StopTimer()
			var err error
			if want, err = EstimateRank(ctx, x, ks, opts...); err != nil {
				b.Fatal(err)
			}
			for j := range want {
				g, w := got[j], want[j]
				if g.Objective != w.Objective || g.Cophenetic != w.Cophenetic || g.Dispersion != w.Dispersion ||
					math.Abs(g.HeldOutErr-w.HeldOutErr) > 1e-12*w.HeldOutErr {
					b.Fatalf("k = %d: one by one %+v, EstimateRank %+v", w.K, g, w)
				}
			}
			b.StartTimer()
		}
		b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	})
}

// oneByOne makes the fits of EstimateRank(x, ks, opts...) one after the
// other, each as NMF.Fit would make it: X read and converted for each,
// the start's SVD computed for each, a fold's data built from X and a
// dense mask of weights, every core on one fit's products. It returns the
// objective, consensus coefficients and held-out error of each k.
func oneByOne(tb testing.TB, x *mat.Dense, ks []int, opts []Option) []RankScore {
	tb.Helper()
	ctx := context.Background()
	base := newConfig(opts)
	n, m := x.Dims()
	// The folds' held-out entries, by the survey's permutation.
	probe := base
	probe.k, probe.set = ks[len(ks)-1], probe.set|optK
	in0, _, err := probe.nmfInput(x)
	if err != nil {
		tb.Fatal(err)
	}
	held, err := newHeldOut(in0, &probe)
	if err != nil {
		tb.Fatal(err)
	}
	held.allocate(&probe, ks)
	rank := held.ranks()
	masks := make([]*mat.Dense, base.heldOutFolds)
	for t := range masks {
		masks[t] = mat.NewDense(n, m, nil)
		for e, r := range rank {
			if !heldOutBy(r, t, held.h, held.total) {
				masks[t].Set(e/m, e%m, 1)
			}
		}
	}
	fit := func(k, restart int, weights *mat.Dense) (*input, *outcome) {
		fitOpts := append([]Option{WithK(k)}, opts...)
		if weights != nil {
			fitOpts = append(fitOpts, WithWeights(weights))
		}
		cfg := newConfig(fitOpts)
		cfg.set &^= rankOnly
		in, scale, err := cfg.nmfInput(x)
		if err != nil {
			tb.Fatal(err)
		}
		start := func(c *core, restart int, rng *rand.Rand) error {
			return nmfStart(c, resolveInit(cfg.init, k, in.n, in.m, restart), rng)
		}
		p := newPool(defaultProcs())
		defer p.close()
		out, err := runOnce(ctx, in, &cfg, restart, p, nil, true, start, cfg.nmfSolver(in.n, in.m, scale))
		if err != nil {
			tb.Fatal(err)
		}
		return in, out
	}
	scores := make([]RankScore, len(ks))
	for i, k := range ks {
		counts := make([]uint32, pairCount(n))
		best := math.Inf(1)
		for run := range base.restarts {
			_, out := fit(k, run, nil)
			addConnectivity(counts, argmaxRows(out.w, n, k), k)
			best = min(best, out.objective)
		}
		c := newConsensus(counts, n, base.restarts)
		scores[i] = RankScore{K: k, Objective: best, Cophenetic: c.cophenetic(), Dispersion: c.dispersion()}
		errs := make([]float64, len(masks))
		for t, mask := range masks {
			_, out := fit(k, 0, mask)
			errs[t] = held.score(held.fold(t), out, k)
		}
		scores[i].HeldOutErr, scores[i].HeldOutErrStd = meanAndStdErr(errs)
	}
	return scores
}
