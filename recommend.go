package factor

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// W returns a copy of the user factors W (n×k), or nil before a
// successful Fit.
func (m *ImplicitALS) W() *mat.Dense {
	if m.fit == nil {
		return nil
	}
	return mat.DenseCopyOf(m.fit.w)
}

// H returns a copy of the item factors H (k×m), or nil before a
// successful Fit.
func (m *ImplicitALS) H() *mat.Dense {
	if m.fit == nil {
		return nil
	}
	return mat.DenseCopyOf(m.fit.h)
}

// NIter returns the number of iterations of the fit (0 before Fit).
func (m *ImplicitALS) NIter() int {
	if m.fit == nil {
		return 0
	}
	return len(m.fit.history)
}

// Objective returns the final value of the objective (see ImplicitALS);
// NaN before Fit.
func (m *ImplicitALS) Objective() float64 {
	if m.fit == nil {
		return math.NaN()
	}
	return m.fit.objective
}

// History returns a copy of the objective after each iteration; its
// length is NIter and its last value is Objective.
func (m *ImplicitALS) History() []float64 {
	if m.fit == nil {
		return nil
	}
	return append([]float64(nil), m.fit.history...)
}

// Transform folds in new users: for the rows of X (n'×m, interactions
// r ≥ 0 as Fit reads them) it returns their factors W (n'×k), each row
// the exact solution of its normal equations with the fitted H fixed,
// (HHᵀ + Σ_j (c_j − 1)·h_j·h_jᵀ + λ·I)·w = Σ_j c_j·h_j over its
// interactions: O(L·k² + k³) for a row of L interactions (exact even for a
// model fitted WithCGSteps).
func (m *ImplicitALS) Transform(x mat.Matrix) (*mat.Dense, error) {
	return m.TransformContext(context.Background(), x)
}

// TransformContext is Transform with a context, checked between blocks of
// rows. A nil ctx is refused with an error wrapping ErrInvalidOption.
func (m *ImplicitALS) TransformContext(ctx context.Context, x mat.Matrix) (*mat.Dense, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if m.fit == nil {
		return nil, ErrNotFitted
	}
	in, err := m.fit.newRows(x)
	if err != nil {
		return nil, err
	}
	return m.fit.foldIn(ctx, in)
}

// newRows reads new users' interactions against the fitted items.
func (f *implicitFit) newRows(x mat.Matrix) (*input, error) {
	in, err := newInteractions(x, "X", f.conf)
	if err != nil {
		return nil, err
	}
	if _, m := f.h.Dims(); in.m != m {
		return nil, shapeError("X has %d columns, the model was fitted on %d items", in.m, m)
	}
	return in, nil
}

// foldIn solves the rows of in against the fitted H.
func (f *implicitFit) foldIn(ctx context.Context, in *input) (*mat.Dense, error) {
	k, _ := f.h.Dims()
	if err := checkMemory(implicitMemory(in, k), fmt.Sprintf("a transform of a %d×%d matrix with k = %d", in.n, in.m, k)); err != nil {
		return nil, err
	}
	p := newPool(defaultProcs())
	defer p.close()
	defer p.watch(ctx)()
	s := in.csr
	w := make([]float64, in.n*k)
	pr := rowProblem{base: f.gramH, lambda: f.lambda}
	row := func(rs *rowSolver, i int) (float64, float64, bool) {
		cols, r := s.RowNNZ(i)
		g, q := rs.weights(len(cols))
		confidences(g, q, r, f.conf)
		return 0, 0, rs.solve(w[i*k:i*k+k], cols, g, q, f.ht, pr)
	}
	_, _, failed := newRowPass(p, k, s.longestRow(), row).run(in.n, rowCost(s, k))
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("factor: transform stopped: %w", err)
	}
	if failed >= 0 {
		return nil, fmt.Errorf("%w: the system of row %d is singular; the model's WithAlpha is %g", ErrRank, failed, f.lambda)
	}
	out := mat.NewDense(in.n, k, w)
	return out, finiteRows(out) // confidences near float64's limit can overflow a row's system
}

// Recommend returns the n items with the highest scores w_user·h_j among
// the items the user has no interaction with in the fitted data, best
// first (a tie goes to the lower item index), with their scores; fewer
// when fewer are left. It costs O(m·k + m·log n) for m items. A user outside the
// fitted rows or n < 0 is an error wrapping ErrShape or ErrInvalidOption.
func (m *ImplicitALS) Recommend(user, n int) (items []int, scores []float64, err error) {
	f := m.fit
	if f == nil {
		return nil, nil, ErrNotFitted
	}
	users, k := f.w.Dims()
	if user < 0 || user >= users {
		return nil, nil, shapeError("user %d is not a row of the fitted %d users", user, users)
	}
	if n < 0 {
		return nil, nil, optionError("Recommend of %d items: want n ≥ 0", n)
	}
	seen, _ := f.seen.RowNNZ(user)
	items, scores = f.best(f.w.RawRowView(user)[:k], seen, n)
	return items, scores, nil
}

// RecommendRow is Recommend for a new user, given as a 1×m row of
// interactions r ≥ 0 (dense or *CSR), folded in as Transform does; the
// items of the row's interactions are left out.
func (m *ImplicitALS) RecommendRow(row mat.Matrix, n int) (items []int, scores []float64, err error) {
	f := m.fit
	if f == nil {
		return nil, nil, ErrNotFitted
	}
	if n < 0 {
		return nil, nil, optionError("RecommendRow of %d items: want n ≥ 0", n)
	}
	in, err := f.newRows(row)
	if err != nil {
		return nil, nil, err
	}
	if in.n != 1 {
		return nil, nil, shapeError("the row is %d×%d, want 1×%d", in.n, in.m, in.m)
	}
	w, err := f.foldIn(context.Background(), in)
	if err != nil {
		return nil, nil, err
	}
	seen, _ := in.csr.RowNNZ(0)
	items, scores = f.best(w.RawRowView(0), seen, n)
	return items, scores, nil
}

// SimilarItems returns the n items most similar to item by the cosine of
// their factors, h_item·h_j / (‖h_item‖·‖h_j‖) (0 when either is zero),
// best first (a tie goes to the lower index), leaving the item itself out.
func (m *ImplicitALS) SimilarItems(item, n int) (items []int, scores []float64, err error) {
	f := m.fit
	if f == nil {
		return nil, nil, ErrNotFitted
	}
	k, count := f.h.Dims()
	if item < 0 || item >= count {
		return nil, nil, shapeError("item %d is not a column of the fitted %d items", item, count)
	}
	if n < 0 {
		return nil, nil, optionError("SimilarItems of %d items: want n ≥ 0", n)
	}
	q := f.ht[item*k : item*k+k]
	top := newTopN(min(n, count-1))
	for j := 0; j < count; j++ {
		if j == item {
			continue
		}
		s := 0.0
		if d := f.norms[item] * f.norms[j]; d > 0 {
			s = dot(q, f.ht[j*k:j*k+k]) / d
		}
		top.offer(j, s)
	}
	items, scores = top.sorted()
	return items, scores, nil
}

// best returns the n items of the highest w·h_j, leaving out the items in
// seen (increasing).
func (f *implicitFit) best(w []float64, seen []int, n int) ([]int, []float64) {
	k, count := f.h.Dims()
	top := newTopN(min(n, count-len(seen)))
	next := 0
	for j := 0; j < count; j++ {
		if next < len(seen) && seen[next] == j {
			next++
			continue
		}
		top.offer(j, dot(w, f.ht[j*k:j*k+k]))
	}
	return top.sorted()
}

// topN keeps the n best of the (item, score) pairs offered: the higher
// score, and on a tie the lower item. It is a heap with the worst kept pair
// at the root: O(log n) an offer.
type topN struct {
	items  []int
	scores []float64
	n      int
}

func newTopN(n int) *topN {
	n = max(n, 0)
	return &topN{items: make([]int, 0, n), scores: make([]float64, 0, n), n: n}
}

// worse reports whether pair a of the heap ranks below pair b.
func (t *topN) worse(a, b int) bool {
	if t.scores[a] != t.scores[b] {
		return t.scores[a] < t.scores[b]
	}
	return t.items[a] > t.items[b]
}

func (t *topN) swap(a, b int) {
	t.items[a], t.items[b] = t.items[b], t.items[a]
	t.scores[a], t.scores[b] = t.scores[b], t.scores[a]
}

func (t *topN) offer(item int, score float64) {
	if t.n == 0 {
		return
	}
	if len(t.items) < t.n {
		t.items, t.scores = append(t.items, item), append(t.scores, score)
		for c := len(t.items) - 1; c > 0; {
			p := (c - 1) / 2
			if !t.worse(c, p) {
				break
			}
			t.swap(c, p)
			c = p
		}
		return
	}
	// Replace the root, the worst kept, if the new pair ranks above it.
	if score < t.scores[0] || score == t.scores[0] && item > t.items[0] {
		return
	}
	t.items[0], t.scores[0] = item, score
	t.down(0, len(t.items))
}

// down restores the heap below position p among the first size pairs.
func (t *topN) down(p, size int) {
	for {
		c := 2*p + 1
		if c >= size {
			return
		}
		if c+1 < size && t.worse(c+1, c) {
			c++
		}
		if !t.worse(c, p) {
			return
		}
		t.swap(c, p)
		p = c
	}
}

// sorted returns the kept pairs, best first.
func (t *topN) sorted() ([]int, []float64) {
	for size := len(t.items); size > 1; size-- {
		t.swap(0, size-1) // the worst to the end
		t.down(0, size-1)
	}
	return t.items, t.scores
}
