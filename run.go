package factor

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
)

// checkEvery is the number of iterations between two tests of the stopping
// rule, as in scikit-learn's multiplicative update.
const checkEvery = 10

// iterator is one run of a solver from its starting factors.
type iterator interface {
	// start returns the objective of the starting factors.
	start() float64
	// iterate does one iteration and returns the objective after it.
	iterate() (float64, error)
	// finish returns the final objective, given the last one iterate
	// returned, and the loss (the objective without penalties), computed
	// exactly where iterate's shortcut is not accurate enough, or an error
	// when the final factors have no finite objective.
	finish(last float64) (objective, loss float64, err error)
	// finite reports whether every entry of the factors is finite.
	finite() bool
	// factorW returns W, which the stopping rule on W's change reads.
	factorW() []float64
}

// outcome is what one run leaves.
type outcome struct {
	w, ht     []float64
	history   []float64
	objective float64
	loss      float64 // the objective without penalties
}

// driveBuffers are drive's history and copy of W, kept by a caller that
// drives many runs (MiniBatchNMF's fresh W steps) so that a run after the
// first allocates nothing; the outcome's history is then overwritten by the
// next run.
type driveBuffers struct {
	history, prevW []float64
}

// drive runs it until the stopping rule, reporting progress (as run number
// restart) and checking ctx before each iteration, and fills the outcome's
// history, objective and loss.
func drive(ctx context.Context, it iterator, stop stopRule, restart int, report func(Progress), out *outcome) error {
	return driveWith(ctx, it, stop, restart, report, out, &driveBuffers{})
}

// driveWith is drive with the buffers buf, which it grows when needed.
func driveWith(ctx context.Context, it iterator, stop stopRule, restart int, report func(Progress), out *outcome, buf *driveBuffers) error {
	f := it.start()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("factor: stopped at the start: %w", err)
	}
	if !isFinite(f) {
		return fmt.Errorf("%w: the objective of the starting factors is %g", ErrNotFinite, f)
	}
	if c := min(stop.maxIter, 1<<12); buf.history == nil || cap(buf.history) < c {
		buf.history = make([]float64, 0, c)
	}
	history := buf.history[:0]
	checked := f
	var prev []float64 // W before the iteration, for the rule on W's change
	if stop.onChange && stop.tol > 0 {
		if w := it.factorW(); len(w) > 0 {
			buf.prevW = append(buf.prevW[:0], w...)
			prev = buf.prevW
		}
	}
	for t := 1; t <= stop.maxIter; t++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("factor: stopped before iteration %d: %w", t, err)
		}
		var err error
		f, err = it.iterate()
		if err := ctx.Err(); err != nil { // a pass may have stopped early
			return fmt.Errorf("factor: stopped in iteration %d: %w", t, err)
		}
		if err != nil {
			return fmt.Errorf("iteration %d: %w", t, err)
		}
		if !isFinite(f) {
			return fmt.Errorf("%w: the factors overflowed float64 at iteration %d; rescale X", ErrNotFinite, t)
		}
		history = append(history, f)
		if report != nil {
			report(Progress{Restart: restart, Iter: t, Objective: f})
		}
		if prev != nil {
			if w := it.factorW(); relativeChange(w, prev) <= stop.tol {
				break
			} else {
				copy(prev, w)
			}
		} else if stop.stopsAt(t, f, &checked) {
			break
		}
	}
	// NaN or Inf in a factor makes the objective NaN or Inf, which the loop
	// checks; this is the last line of defence.
	if !it.finite() {
		return fmt.Errorf("%w: the factors overflowed float64; rescale X", ErrNotFinite)
	}
	var err error
	out.objective, out.loss, err = it.finish(f)
	if err := ctx.Err(); err != nil { // finish's passes may have stopped early
		return fmt.Errorf("factor: stopped at the end: %w", err)
	}
	if err != nil {
		return err
	}
	if len(history) > 0 {
		history[len(history)-1] = out.objective
	}
	out.history, buf.history = history, history
	return nil
}

// stopsAt applies the objective rule after iteration t, whose objective is
// f: every checkEvery iterations, with tol > 0, the run stops when f fell
// by no more than tol·checked, the objective at the previous check (or of
// the start), and otherwise f becomes that objective.
func (stop stopRule) stopsAt(t int, f float64, checked *float64) bool {
	if stop.tol <= 0 || t%checkEvery != 0 {
		return false
	}
	if *checked-f <= stop.tol**checked {
		return true
	}
	*checked = f
	return false
}

// relativeChange returns ‖a − b‖_F / ‖a‖_F, summed in order (NaN or +Inf
// when a is 0, which no tolerance accepts).
func relativeChange(a, b []float64) float64 {
	var d float64
	for i, v := range a {
		e := v - b[i]
		d += e * e
	}
	return math.Sqrt(d) / math.Sqrt(sqNorm(a))
}

// runOnce performs run number restart of a fit on the pool: the starting
// factors (for the first run those of WithInitialFactors when given, checked
// for sign when nonNegative, otherwise start's, drawing from the run's
// random stream), then solver's iterations under cfg's stopping rule.
func runOnce(ctx context.Context, in *input, cfg *config, restart int, p *pool, report func(Progress),
	nonNegative bool, start func(c *core, restart int, rng *rand.Rand) error, solver func(c core) iterator) (*outcome, error) {
	c := newCore(in, cfg.k, make([]float64, in.n*cfg.k), make([]float64, in.m*cfg.k), p)
	var err error
	if restart == 0 && cfg.set&optInitialFactors != 0 {
		err = customStart(&c, cfg.w0, cfg.h0, nonNegative)
	} else {
		err = start(&c, restart, newRNG(cfg.seed, restart))
	}
	if ctxErr := ctx.Err(); ctxErr != nil { // the start's passes may have stopped early
		return nil, fmt.Errorf("factor: stopped at the start: %w", ctxErr)
	}
	if err != nil {
		return nil, err
	}
	out := &outcome{w: c.w, ht: c.ht}
	if err := drive(ctx, solver(c), cfg.stopRule, restart, report, out); err != nil {
		return nil, err
	}
	return out, nil
}

// runFunc performs restart number restart on the given pool.
type runFunc func(ctx context.Context, restart int, p *pool, report func(Progress)) (*outcome, error)

// runRestarts performs cfg.restarts runs and returns the one with the lowest
// objective (the lowest index on a tie). A single run uses every core for
// its products; several runs go concurrently on runJobs's workers, and
// their result does not depend on their timing: only the best outcome so
// far is kept, so memory holds at most one run per worker and the best.
// The first run's error is the fit's; a later run that fails (a random
// start that overflows, say) is left out, so several runs never do worse
// than one. Once ctx is done no further run starts and the passes of the
// running ones end within a block (pool.watch). A panic in a run (a
// WithProgress callback that panics, say) stops the others and is raised
// again on the caller's goroutine.
func runRestarts(ctx context.Context, cfg *config, do runFunc) (*outcome, error) {
	report := serialized(cfg.progress)
	if cfg.restarts == 1 {
		p := newPool(defaultProcs())
		defer p.close()
		defer p.watch(ctx)()
		return do(ctx, 0, p, report)
	}
	var k keeper
	err := runJobs(ctx, cfg.restarts, func(ctx context.Context, r int, p *pool) bool {
		out, err := do(ctx, r, p, report)
		return k.keep(r, out, err)
	})
	if k.first != nil {
		return nil, k.first
	}
	if err != nil {
		return nil, fmt.Errorf("factor: fit stopped: %w", err)
	}
	return k.best, nil
}

// runJobs calls do(ctx, j, p) for every job j from 0 to jobs−1, handed out
// in that order to min(jobs, GOMAXPROCS) workers, each with a pool of its
// own of GOMAXPROCS/workers goroutines (at least one), on which the results
// of a job do not depend. A do that returns true (its job failed) stops
// the hand-out and cancels the ctx the others see. Once ctx is done no
// further job starts and the running ones' pools end their passes within a
// block (pool.watch); runJobs then returns ctx.Err(), else nil. A panic in
// a job stops the others and is raised again on the caller's goroutine.
func runJobs(parent context.Context, jobs int, do func(ctx context.Context, j int, p *pool) (failed bool)) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	workers := min(jobs, defaultProcs())
	var (
		next       = make(chan int)
		wg         sync.WaitGroup
		mu         sync.Mutex
		panicked   bool
		panicValue any
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					mu.Lock()
					if !panicked {
						panicked, panicValue = true, v
					}
					mu.Unlock()
					cancel()
				}
			}()
			p := newPool(max(1, defaultProcs()/workers))
			defer p.close()
			defer p.watch(ctx)()
			for j := range next {
				if do(ctx, j, p) {
					cancel() // the work has failed; stop the others
				}
			}
		}()
	}
dispatch:
	for j := range jobs {
		select {
		case next <- j:
		case <-ctx.Done():
			break dispatch
		}
	}
	close(next)
	wg.Wait()
	if panicked {
		panic(panicValue)
	}
	return parent.Err()
}

// keeper collects the outcomes of concurrent runs: the best one and the
// first run's error.
type keeper struct {
	mu      sync.Mutex
	best    *outcome
	bestRun int
	first   error // run 0's error, the fit's
}

// keep records run r's result and reports whether it fails the fit.
func (k *keeper) keep(r int, out *outcome, err error) (failed bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case err != nil:
		if r == 0 {
			k.first = err
		}
		return r == 0
	case k.best == nil || out.objective < k.best.objective || out.objective == k.best.objective && r < k.bestRun:
		k.best, k.bestRun = out, r
	}
	return false
}

// serialized wraps a progress callback so that concurrent runs call it one
// at a time.
func serialized(f func(Progress)) func(Progress) {
	if f == nil {
		return nil
	}
	var mu sync.Mutex
	return func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		f(p)
	}
}
