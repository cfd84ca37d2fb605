package factor_test

import (
	"context"
	"errors"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// Tests of the resource limits: settings or data that would exhaust memory
// are refused before anything is allocated, restarts hold only the best
// run, and deadlines stop a fit within a block of its work.

// withMemoryLimit runs f under a Go memory limit of the given bytes, which
// the library's estimates honour, and restores the old limit after.
func withMemoryLimit(t *testing.T, bytes int64, f func()) {
	t.Helper()
	old := debug.SetMemoryLimit(bytes)
	defer debug.SetMemoryLimit(old)
	f()
}

func TestRestartsCapped(t *testing.T) {
	x := randomMatrix(6, 5, 0.1, 0, 1)
	for _, r := range []int{factor.MaxRestarts + 1, 1 << 40} {
		err := factor.NewNMF(factor.WithK(2), factor.WithRestarts(r)).Fit(x)
		if !errors.Is(err, factor.ErrInvalidOption) {
			t.Errorf("WithRestarts(%d): %v, want ErrInvalidOption", r, err)
		}
	}
}

// TestHugeKRefused: a k up to n·m passes the rank check with InitRandom,
// but its k×k Gram matrices alone would take hundreds of gigabytes; the fit
// must refuse with ErrTooLarge, naming the estimate, instead of dying of an
// out-of-memory error no caller can recover from.
func TestHugeKRefused(t *testing.T) {
	x := randomMatrix(300, 300, 0.1, 0, 2)
	models := map[string]interface{ Fit(mat.Matrix) error }{
		"nmf": factor.NewNMF(factor.WithK(90000), factor.WithInit(factor.InitRandom)),
		"als": factor.NewVanillaALS(factor.WithK(90000), factor.WithAlpha(0.1)),
	}
	for name, m := range models {
		err := m.Fit(x)
		if !errors.Is(err, factor.ErrTooLarge) || !strings.Contains(err.Error(), "needs about") {
			t.Errorf("%s: %v, want ErrTooLarge with the estimate", name, err)
		}
	}
}

// TestMemoryLimitRefusesLargeFactors: under a 256 MiB Go memory limit, a
// sparse X of 4M rows (32 MiB of row offsets) is fine to hold, but W of
// 4M×10 is not, in NMF, VanillaALS or a Transform.
func TestMemoryLimitRefusesLargeFactors(t *testing.T) {
	const rows = 1 << 22
	x, err := factor.NewCSR(rows, 50, make([]int, rows+1), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	small := randomMatrix(20, 50, 0.1, 0, 3)
	fitted := factor.NewNMF(factor.WithK(10), factor.WithSeed(1))
	if err := fitted.Fit(small); err != nil {
		t.Fatal(err)
	}
	withMemoryLimit(t, 256<<20, func() {
		for name, f := range map[string]func() error{
			"nmf":       func() error { return factor.NewNMF(factor.WithK(10), factor.WithInit(factor.InitRandom)).Fit(x) },
			"als":       func() error { return factor.NewVanillaALS(factor.WithK(10), factor.WithAlpha(1)).Fit(x) },
			"transform": func() error { _, err := fitted.Transform(x); return err },
		} {
			if err := f(); !errors.Is(err, factor.ErrTooLarge) {
				t.Errorf("%s: %v, want ErrTooLarge", name, err)
			}
		}
	})
}

// TestMemoryLimitRefusesMatrixMarketHeader: a 66-byte file declaring a
// 67108864×67108864 coordinate matrix needs 512 MiB of row offsets before
// its first entry; under a 64 MiB limit the reader must refuse at the size
// line.
func TestMemoryLimitRefusesMatrixMarketHeader(t *testing.T) {
	file := "%%MatrixMarket matrix coordinate real general\n67108864 67108864 0\n"
	withMemoryLimit(t, 64<<20, func() {
		_, err := factor.ReadMatrixMarket(strings.NewReader(file))
		if !errors.Is(err, factor.ErrTooLarge) || !errors.Is(err, factor.ErrFormat) {
			t.Errorf("got %v, want an error wrapping ErrTooLarge and ErrFormat", err)
		}
	})
}

// TestRestartsKeepOnlyTheBest: 300 restarts of a 600×400 fit with k = 40
// leave 300 sets of factors of 320 KiB each (94 MiB) if every run is kept
// to the end; only the best so far may be. The live heap, sampled while the
// fit runs, must stay far below that.
func TestRestartsKeepOnlyTheBest(t *testing.T) {
	if testing.Short() {
		t.Skip("300 restarts")
	}
	x := randomMatrix(600, 400, 0.1, 0, 4)
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
		}
	}()
	m := factor.NewNMF(factor.WithK(40), factor.WithRestarts(300), factor.WithMaxIter(0), factor.WithInit(factor.InitRandom))
	err := m.Fit(x)
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p > 40<<20 {
		t.Errorf("live heap peaked at %d MiB during 300 restarts; the runs' factors are kept", p>>20)
	}
}

// TestPromptDeadline: a deadline must stop a fit within a block of its
// work, not only between iterations. The NNDSVD start of a 3000×2000 matrix
// with k = 100 (seconds of randomized SVD), and one iteration of β = 0.5 on
// a 20000×20000 CSR (seconds, as the zeros enter the denominator), must
// both end soon after a 200 ms deadline.
func TestPromptDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("seconds of work")
	}
	dense := randomMatrix(3000, 2000, 0, 0, 8)
	var ii, jj []int
	var vv []float64
	for p := 0; p < 400000; p++ {
		ii, jj, vv = append(ii, (p*7919)%20000), append(jj, (p*104729)%20000), append(vv, 1+float64(p%7))
	}
	sparse, err := factor.NewCSRFromTriplets(20000, 20000, ii, jj, vv)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		m    *factor.NMF
		x    mat.Matrix
	}{
		{"nndsvd-start", factor.NewNMF(factor.WithK(100), factor.WithInit(factor.InitNNDSVD)), dense},
		{"beta0.5-sparse", factor.NewNMF(factor.WithK(10), factor.WithBeta(0.5), factor.WithInit(factor.InitRandom), factor.WithTol(0)), sparse},
	}
	for _, c := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		start := time.Now()
		err := c.m.FitContext(ctx, c.x)
		took := time.Since(start)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: %v, want the deadline's error", c.name, err)
		}
		// The passes over X before the fit (validation, scale, the CSR copy)
		// do not stop, and under -race they alone take most of a second.
		limit := time.Second
		if raceEnabled {
			limit = 3 * time.Second
		}
		if took > limit {
			t.Errorf("%s: returned %v after a 200 ms deadline", c.name, took)
		}
	}
}

// TestProgressPanicReachesCaller: a WithProgress callback that panics while
// several restarts run on worker goroutines must not crash the process: the
// panic reaches the goroutine that called Fit, with its value.
func TestProgressPanicReachesCaller(t *testing.T) {
	x := randomMatrix(20, 10, 0.1, 0, 5)
	m := factor.NewNMF(factor.WithK(2), factor.WithRestarts(4), factor.WithProgress(func(p factor.Progress) {
		if p.Restart == 2 {
			panic("callback broke")
		}
	}))
	defer func() {
		if v := recover(); v != "callback broke" {
			t.Errorf("recovered %v, want the callback's panic", v)
		}
		if m.W() != nil {
			t.Error("a panicked fit left factors behind")
		}
	}()
	m.Fit(x)
	t.Error("Fit returned; want the callback's panic")
}
