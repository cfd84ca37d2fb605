package factor

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// pool runs loops over [0, n) on several goroutines. The range is cut into
// fixed blocks whose size depends only on the problem, never on the number
// of goroutines, and each block is computed by exactly one goroutine, so
// every output element and every per-block partial sum comes out the same
// bits whatever GOMAXPROCS is. Goroutines are started once per fit and
// dispatch allocates nothing.
type pool struct {
	extra   int        // goroutines besides the caller
	tasks   chan *task // work offered to the extra goroutines
	stopped atomic.Bool
}

// task is one parallel loop. A solver keeps one task and reuses it, so that a
// loop costs no allocation.
type task struct {
	fn      func(lo, hi int)
	stopped *atomic.Bool // the pool's: skip the remaining blocks
	n       int
	grain   int
	blocks  int
	next    atomic.Int64
	wg      sync.WaitGroup
}

// newPool starts a pool using up to procs goroutines in all (procs ≤ 1 runs
// everything on the caller). Close it when the fit ends.
func newPool(procs int) *pool {
	p := &pool{extra: max(procs-1, 0)}
	if p.extra > 0 {
		p.tasks = make(chan *task)
		for range p.extra {
			go p.work()
		}
	}
	return p
}

// size returns the number of goroutines the pool runs loops on.
func (p *pool) size() int { return p.extra + 1 }

// defaultProcs is the number of goroutines a fit uses.
func defaultProcs() int { return runtime.GOMAXPROCS(0) }

func (p *pool) work() {
	for t := range p.tasks {
		t.run()
		t.wg.Done()
	}
}

// watch makes the pool's loops skip their remaining blocks once ctx is
// done, so that a long pass ends within a block of its work; whoever reads
// the results must check ctx after the pass and discard them if it is done.
// It returns the function that stops watching.
func (p *pool) watch(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, func() { p.stopped.Store(true) })
}

// close stops the pool's goroutines.
func (p *pool) close() {
	if p.tasks != nil {
		close(p.tasks)
	}
}

// numBlocks is the number of blocks [0, n) is cut into with the given grain.
func numBlocks(n, grain int) int { return (n + grain - 1) / grain }

// run calls fn(lo, hi) for the blocks [b·grain, min((b+1)·grain, n)) of
// [0, n), on the caller and the pool's goroutines, and returns when all are
// done. fn must write only to outputs owned by its block.
func (p *pool) run(t *task, n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	grain = max(grain, 1)
	blocks := numBlocks(n, grain)
	if blocks == 1 || p.extra == 0 {
		for lo := 0; lo < n && !p.stopped.Load(); lo += grain {
			fn(lo, min(lo+grain, n))
		}
		return
	}
	t.fn, t.n, t.grain, t.blocks, t.stopped = fn, n, grain, blocks, &p.stopped
	t.next.Store(0)
	helpers := min(p.extra, blocks-1)
	t.wg.Add(helpers)
	for range helpers {
		p.tasks <- t
	}
	t.run()
	t.wg.Wait()
	t.fn = nil
}

// run takes blocks until none is left.
func (t *task) run() {
	for {
		b := int(t.next.Add(1) - 1)
		if b >= t.blocks || t.stopped.Load() {
			return
		}
		lo := b * t.grain
		t.fn(lo, min(lo+t.grain, t.n))
	}
}

// grainFor returns a block size of rows for a loop whose rows cost about
// perRow floating-point operations each: large enough to amortize dispatch,
// small enough to balance the load. It depends only on the problem size.
func grainFor(perRow int) int {
	const target = 1 << 15
	return max(1, target/max(perRow, 1))
}

// workspaces hands out per-goroutine scratch space to the blocks of a pool's
// loops without allocating: one workspace for each goroutine the pool runs,
// taken by a block when it starts and given back when it ends, so that no
// two blocks running at once share one.
type workspaces[T any] struct{ free chan *T }

// newWorkspaces makes one workspace for each of p's goroutines.
func newWorkspaces[T any](p *pool, alloc func() *T) workspaces[T] {
	w := workspaces[T]{free: make(chan *T, p.size())}
	for range p.size() {
		w.free <- alloc()
	}
	return w
}

// get takes a workspace; put gives it back.
func (w workspaces[T]) get() *T  { return <-w.free }
func (w workspaces[T]) put(t *T) { w.free <- t }
