package factor

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeRuns is a runFunc whose restart r returns objs[r] as its objective,
// and errs[r] when that is set, without doing any work. A failing restart
// still returns an outcome, which runRestarts must ignore for the error. Restarts with a
// higher index return sooner, so that they finish before lower ones when
// the runs go concurrently. It records the restarts it was asked for.
type fakeRuns struct {
	objs []float64
	errs []error

	mu    sync.Mutex
	calls map[int]int
	pools map[int]int // restart → the size of the pool it was given
	outs  map[int]*outcome
}

func newFakeRuns(objs []float64, errs []error) *fakeRuns {
	return &fakeRuns{objs: objs, errs: errs, calls: map[int]int{}, pools: map[int]int{}, outs: map[int]*outcome{}}
}

func (f *fakeRuns) run(ctx context.Context, restart int, p *pool, report func(Progress)) (*outcome, error) {
	time.Sleep(time.Duration(len(f.objs)-restart) * time.Millisecond)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[restart]++
	f.pools[restart] = p.size()
	out := &outcome{objective: f.objs[restart], history: []float64{f.objs[restart]}}
	f.outs[restart] = out
	if f.errs != nil && f.errs[restart] != nil {
		return out, f.errs[restart]
	}
	return out, nil
}

// checkCalls checks that every restart ran exactly once.
func (f *fakeRuns) checkCalls(t *testing.T, restarts int) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for r := range restarts {
		if f.calls[r] != 1 {
			t.Errorf("restart %d ran %d times, want once", r, f.calls[r])
		}
	}
	if len(f.calls) != restarts {
		t.Errorf("runs for restarts %v, want 0 to %d", f.calls, restarts-1)
	}
}

func restartsConfig(r int) *config {
	cfg := newConfig([]Option{WithRestarts(r)})
	return &cfg
}

func TestRunRestartsSkipsLaterFailure(t *testing.T) {
	// A later restart that fails is left out, though its objective is the
	// lowest; the best of the others wins.
	f := newFakeRuns([]float64{5, 1, 3}, []error{nil, errors.New("restart 1 overflowed"), nil})
	out, err := runRestarts(context.Background(), restartsConfig(3), f.run)
	if err != nil {
		t.Fatalf("runRestarts: %v, want restart 2's outcome", err)
	}
	if out != f.outs[2] {
		t.Errorf("got the outcome with objective %g, want restart 2's (3)", out.objective)
	}
	f.checkCalls(t, 3)
}

func TestRunRestartsFirstFailureIsTheFits(t *testing.T) {
	sentinel := errors.New("restart 0 failed")
	for _, restarts := range []int{1, 3} {
		// The later runs succeed, with better objectives: the first run's
		// error must still be returned.
		f := newFakeRuns([]float64{5, 1, 2}, []error{fmt.Errorf("wrapped: %w", sentinel), nil, nil})
		out, err := runRestarts(context.Background(), restartsConfig(restarts), f.run)
		if !errors.Is(err, sentinel) {
			t.Errorf("restarts=%d: error %v, want one wrapping %v", restarts, err, sentinel)
		}
		// One run's result is passed through as it is; of several, none
		// comes with the error.
		if restarts > 1 && out != nil {
			t.Errorf("restarts=%d: an outcome (objective %g) with the error", restarts, out.objective)
		}
	}
}

func TestRunRestartsKeepsBest(t *testing.T) {
	for _, tc := range []struct {
		objs []float64
		want int
	}{
		{[]float64{7}, 0},
		{[]float64{4, 2, 7, 2, 2}, 1},       // a tie goes to the lowest index
		{[]float64{3, 3, 3}, 0},             // all tied
		{[]float64{9, 8, 7, 6, 5, 4, 3}, 6}, // 7 restarts: more than the cores on most machines, so runs queue
		{[]float64{1, 2, 1, 0.5, 0.5}, 3},
		{[]float64{-1, -3, -2}, 1},
	} {
		f := newFakeRuns(tc.objs, nil)
		out, err := runRestarts(context.Background(), restartsConfig(len(tc.objs)), f.run)
		if err != nil {
			t.Fatalf("%v: %v", tc.objs, err)
		}
		if out != f.outs[tc.want] {
			t.Errorf("%v: got the outcome with objective %g, want restart %d's", tc.objs, out.objective, tc.want)
		}
		f.checkCalls(t, len(tc.objs))
		// One run uses every core; several run concurrently on one each.
		want := 1
		if len(tc.objs) == 1 {
			want = defaultProcs()
		}
		for r, size := range f.pools {
			if size != want {
				t.Errorf("%v: restart %d ran on a pool of %d goroutines, want %d", tc.objs, r, size, want)
			}
		}
	}
}

func TestRunRestartsCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// A run that ignores the context: runRestarts must notice it itself.
	f := newFakeRuns([]float64{5, 1, 3}, nil)
	out, err := runRestarts(ctx, restartsConfig(3), f.run)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("runs ignoring the context: error %v, want one wrapping context.Canceled", err)
	}
	if out != nil {
		t.Errorf("runs ignoring the context: an outcome (objective %g) with the error", out.objective)
	}
	// Runs that stop on the context, as drive does.
	honour := func(ctx context.Context, restart int, p *pool, report func(Progress)) (*outcome, error) {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("run %d stopped: %w", restart, err)
		}
		return &outcome{objective: float64(restart)}, nil
	}
	for _, restarts := range []int{1, 3} {
		out, err := runRestarts(ctx, restartsConfig(restarts), honour)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("restarts=%d: error %v, want one wrapping context.Canceled", restarts, err)
		}
		if out != nil {
			t.Errorf("restarts=%d: an outcome with the error", restarts)
		}
	}
}

// TestPoolWatch checks that a watched pool's loops skip their remaining
// blocks once the context is done: a block that cancels the context (and
// waits until the pool has seen it) must be the last one to run, on a
// serial pool and on a pool of several goroutines, and an unwatched pool
// runs every block.
func TestPoolWatch(t *testing.T) {
	const blocks = 1000
	for _, procs := range []int{1, 3} {
		p := newPool(procs)
		ctx, cancel := context.WithCancel(context.Background())
		stop := p.watch(ctx)
		var ran, after atomic.Int64
		var cancelled atomic.Bool
		var task task
		p.run(&task, blocks, 1, func(lo, hi int) {
			if cancelled.Load() {
				after.Add(1)
			}
			switch n := ran.Add(1); {
			case n == 10:
				cancel()
				for !p.stopped.Load() {
					runtime.Gosched()
				}
				cancelled.Store(true)
			case n > 10:
				// Hold the other goroutines until the pool has stopped, so
				// that they cannot use up the blocks before it does.
				for !cancelled.Load() {
					runtime.Gosched()
				}
			}
		})
		// Goroutines that had taken a block before the pool saw the
		// cancellation may still start it: at most one each, besides the
		// one that cancelled.
		if n := after.Load(); n > int64(procs-1) {
			t.Errorf("%d goroutines: %d blocks started after the pool was stopped", procs, n)
		}
		stop()
		p.close()

		q := newPool(procs)
		q.watch(context.Background())
		ran.Store(0)
		q.run(&task, blocks, 1, func(lo, hi int) { ran.Add(1) })
		if n := ran.Load(); n != blocks {
			t.Errorf("%d goroutines, live context: %d of %d blocks ran", procs, n, blocks)
		}
		q.close()
	}
}

// TestRunRestartsStopsDispatching checks that once the fit's context is
// done no further restart is handed out: of 100000 restarts, a context
// cancelled by the fourth must leave all but a few (those already handed to
// a worker, and at most a handful the dispatcher's select let through)
// never started.
func TestRunRestartsStopsDispatching(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls atomic.Int64
	do := func(ctx context.Context, restart int, p *pool, report func(Progress)) (*outcome, error) {
		if calls.Add(1) == 4 {
			cancel()
		}
		return &outcome{objective: 1}, ctx.Err()
	}
	_, err := runRestarts(ctx, restartsConfig(100000), do)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("runRestarts: %v, want context.Canceled", err)
	}
	if n := calls.Load(); n > 64 {
		t.Errorf("%d restarts started after the context was cancelled at the fourth", n)
	}
}

// TestRunRestartsCarriesPanic checks that a run that panics (a progress
// callback, say) on a worker goroutine stops the fit and panics again on
// the caller's goroutine with the same value, instead of killing the
// process.
func TestRunRestartsCarriesPanic(t *testing.T) {
	do := func(ctx context.Context, restart int, p *pool, report func(Progress)) (*outcome, error) {
		if restart == 2 {
			panic("run 2 broke")
		}
		return &outcome{objective: float64(restart)}, ctx.Err()
	}
	defer func() {
		if v := recover(); v != "run 2 broke" {
			t.Errorf("recovered %v, want the run's panic value", v)
		}
	}()
	runRestarts(context.Background(), restartsConfig(50), do)
	t.Error("runRestarts returned; want the run's panic")
}
