package factor

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// nnqp solves the non-negative quadratic program
//
//	minimize ½·wᵀG·w − bᵀw  subject to w ≥ 0
//
// for a symmetric positive semi-definite k×k matrix G, which is the
// non-negative least squares problem min ‖x − Hᵀw‖² (plus L1/L2 penalties)
// in Gram form: G = H·Hᵀ + l2·I, b = H·x − l1. It uses the active-set method
// of Lawson & Hanson as Bro & de Jong's FNNLS arranges it on G, which ends
// at the exact solution after finitely many steps; if a passive subsystem
// is singular or the steps cycle, it finishes by coordinate descent.
type nnqp struct {
	k       int
	passive []bool
	idx     []int
	sub     []float64 // the passive part of G, factorized
	s       []float64 // the passive solution
	rhs     []float64 // scratch for the triangular solves
	grad    []float64 // b − G·w
}

func newNNQP(k int) *nnqp {
	return &nnqp{
		k:       k,
		passive: make([]bool, k),
		idx:     make([]int, 0, k),
		sub:     make([]float64, k*k),
		s:       make([]float64, k),
		rhs:     make([]float64, k),
		grad:    make([]float64, k),
	}
}

// solve writes the solution into w.
func (q *nnqp) solve(w, g, b []float64) {
	if !q.activeSet(w, g, b) {
		q.coordinateDescent(w, g, b)
	}
}

// activeSet runs FNNLS from w = 0. It reports false if it could not finish.
func (q *nnqp) activeSet(w, g, b []float64) bool {
	k := q.k
	clear(w[:k])
	clear(q.passive)
	scale := math.SmallestNonzeroFloat64
	for _, v := range g[:k*k] {
		scale = max(scale, math.Abs(v))
	}
	for _, v := range b[:k] {
		scale = max(scale, math.Abs(v))
	}
	tol := 1e-13 * scale
	copy(q.grad, b[:k])
	for outer := 0; outer < 3*k+3; outer++ {
		j, best := -1, tol
		for t := 0; t < k; t++ {
			if !q.passive[t] && q.grad[t] > best {
				j, best = t, q.grad[t]
			}
		}
		if j < 0 {
			return true
		}
		q.passive[j] = true
		if !q.innerLoop(w, g, b) {
			return false
		}
		for t := 0; t < k; t++ {
			q.grad[t] = b[t] - dot(g[t*k:t*k+k], w[:k])
		}
	}
	return false
}

// innerLoop solves on the passive set and, while the solution has entries
// ≤ 0, steps from w towards it as far as feasibility allows and drops the
// entries that reach zero.
func (q *nnqp) innerLoop(w, g, b []float64) bool {
	for inner := 0; inner <= 3*q.k; inner++ {
		if !q.solvePassive(g, b) {
			return false
		}
		alpha, blocker := 1.0, -1
		for _, t := range q.idx {
			if s := q.s[t]; s <= 0 {
				if a := w[t] / (w[t] - s); blocker < 0 || a < alpha {
					alpha, blocker = a, t
				}
			}
		}
		if blocker < 0 {
			for _, t := range q.idx {
				w[t] = q.s[t]
			}
			return true
		}
		for _, t := range q.idx {
			w[t] += alpha * (q.s[t] - w[t])
			if t == blocker || w[t] <= 0 {
				w[t] = 0
				q.passive[t] = false
			}
		}
	}
	return false
}

// solvePassive solves G_PP·s_P = b_P for the passive set P by Cholesky.
func (q *nnqp) solvePassive(g, b []float64) bool {
	k := q.k
	q.idx = q.idx[:0]
	for t := 0; t < k; t++ {
		if q.passive[t] {
			q.idx = append(q.idx, t)
		}
	}
	p := len(q.idx)
	if p == 0 {
		return true
	}
	for r, tr := range q.idx {
		for c, tc := range q.idx {
			q.sub[r*p+c] = g[tr*k+tc]
		}
	}
	tri, ok := lapack64.Potrf(blas64.Symmetric{N: p, Stride: p, Data: q.sub[:p*p], Uplo: blas.Upper})
	if !ok {
		return false
	}
	sol := blas64.Vector{N: p, Inc: 1, Data: q.rhs[:p]}
	for r, t := range q.idx {
		sol.Data[r] = b[t]
	}
	blas64.Trsv(blas.Trans, tri, sol)
	blas64.Trsv(blas.NoTrans, tri, sol)
	for r, t := range q.idx {
		q.s[t] = sol.Data[r]
	}
	return true
}

// coordinateDescent minimizes from the current w by cyclic exact coordinate
// steps (HALS sweeps) until a sweep moves w by less than 1e-15 of its norm,
// for a semi-definite G where the active set cannot factorize.
func (q *nnqp) coordinateDescent(w, g, b []float64) {
	for sweep := 0; sweep < 100000; sweep++ {
		moved := halsSweep(w[:q.k], b, g, 0)
		if moved <= 1e-30*sqNorm(w[:q.k]) {
			return
		}
	}
}
