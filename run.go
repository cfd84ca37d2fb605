package factor

import (
	"context"
	"fmt"
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
	// exactly where iterate's shortcut is not accurate enough.
	finish(last float64) (objective, loss float64)
	// finite reports whether every entry of the factors is finite.
	finite() bool
}

// outcome is what one run leaves.
type outcome struct {
	w, ht     []float64
	history   []float64
	objective float64
	loss      float64 // the objective without penalties
}

// drive runs it until the stopping rule, reporting progress (as run number
// restart) and checking ctx before each iteration, and fills the outcome's
// history, objective and loss.
func drive(ctx context.Context, it iterator, stop stopRule, restart int, report func(Progress), out *outcome) error {
	f := it.start()
	if !isFinite(f) {
		return fmt.Errorf("%w: the objective of the starting factors is %g", ErrNotFinite, f)
	}
	history := make([]float64, 0, min(stop.maxIter, 1<<12))
	checked := f
	for t := 1; t <= stop.maxIter; t++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("factor: stopped before iteration %d: %w", t, err)
		}
		var err error
		if f, err = it.iterate(); err != nil {
			return fmt.Errorf("iteration %d: %w", t, err)
		}
		if !isFinite(f) {
			return fmt.Errorf("%w: the factors overflowed float64 at iteration %d; rescale X", ErrNotFinite, t)
		}
		history = append(history, f)
		if report != nil {
			report(Progress{Restart: restart, Iter: t, Objective: f})
		}
		if stop.tol > 0 && t%checkEvery == 0 {
			if checked-f <= stop.tol*checked {
				break
			}
			checked = f
		}
	}
	// NaN or Inf in a factor makes the objective NaN or Inf, which the loop
	// checks; this is the last line of defence.
	if !it.finite() {
		return fmt.Errorf("%w: the factors overflowed float64; rescale X", ErrNotFinite)
	}
	out.objective, out.loss = it.finish(f)
	if len(history) > 0 {
		history[len(history)-1] = out.objective
	}
	out.history = history
	return nil
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
// its products; several runs go concurrently, one core each, and their
// result does not depend on their timing. The first run's error is the
// fit's; a later run that fails (a random start that overflows, say) is
// left out, so several runs never do worse than one.
func runRestarts(ctx context.Context, cfg *config, do runFunc) (*outcome, error) {
	report := serialized(cfg.progress)
	if cfg.restarts == 1 {
		p := newPool(defaultProcs())
		defer p.close()
		return do(ctx, 0, p, report)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	outs := make([]*outcome, cfg.restarts)
	errs := make([]error, cfg.restarts)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(cfg.restarts, defaultProcs()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			serial := newPool(1)
			for r := range next {
				outs[r], errs[r] = do(ctx, r, serial, report)
				if r == 0 && errs[r] != nil {
					cancel() // the fit has failed; stop the others
				}
			}
		}()
	}
	for r := range cfg.restarts {
		next <- r
	}
	close(next)
	wg.Wait()
	if errs[0] != nil {
		return nil, errs[0]
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("factor: fit stopped: %w", err)
	}
	best := 0
	for r := range outs {
		if errs[r] == nil && outs[r].objective < outs[best].objective {
			best = r
		}
	}
	return outs[best], nil
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
