#!/usr/bin/python3
"""Times one iteration of implicit-feedback ALS (Hu, Koren & Volinsky 2008) in
plain NumPy, the same normal equations ImplicitALS solves exactly:

    (YᵀY + Yᵀ(C_u − I)Y + λI)·x_u = YᵀC_u·p_u

for every row u of X (Y = Hᵀ), then for every column against Y = W: a Python
loop over the rows with np.linalg.solve, YᵀY computed once a half-iteration,
c = 1 + a·r on the interactions. This is the textbook implementation, the one
BenchmarkImplicit (bench_test.go) is compared with:

  /usr/bin/python3 bench/implicit_numpy.py [testdata/debian_relations.mtx.gz] [-k 32] [-iters 3] [-cg 0]
  go test -run XXX -bench 'Implicit/exact' -benchmem .

-cg s replaces the solve by s conjugate-gradient steps from the current row
(as the implicit package does) without forming the row's matrix. It prints
the seconds of each timed iteration (after one untimed), wall clock and CPU
time of the process, their minima, and NumPy's BLAS and thread settings. Needs python3-numpy and python3-scipy.
"""
import argparse
import time

import numpy as np
import scipy.io
import scipy.sparse as sp


def half(X, Y, lam, a, out, cg):
    """Solves every row of out (rows of the CSR X) against Y (cols × k)."""
    k = Y.shape[1]
    YtY = Y.T @ Y
    reg = lam * np.eye(k)
    indptr, indices, data = X.indptr, X.indices, X.data
    for u in range(X.shape[0]):
        lo, hi = indptr[u], indptr[u + 1]
        idx = indices[lo:hi]
        g = a * data[lo:hi]           # c − 1
        Yu = Y[idx]
        b = Yu.T @ (1.0 + g)           # YᵀC_u p_u
        if cg == 0:
            A = YtY + (Yu.T * g) @ Yu + reg
            out[u] = np.linalg.solve(A, b)
            continue
        x = out[u]
        r = b - (YtY @ x + Yu.T @ (g * (Yu @ x)) + lam * x)
        p = r.copy()
        rr = r @ r
        for _ in range(cg):
            if rr == 0:
                break
            Ap = YtY @ p + Yu.T @ (g * (Yu @ p)) + lam * p
            step = rr / (p @ Ap)
            x += step * p
            r -= step * Ap
            nxt = r @ r
            p = r + (nxt / rr) * p
            rr = nxt
        out[u] = x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("path", nargs="?", default="testdata/debian_relations.mtx.gz")
    ap.add_argument("-k", type=int, default=32)
    ap.add_argument("-iters", type=int, default=3)
    ap.add_argument("-cg", type=int, default=0)
    ap.add_argument("-lam", type=float, default=0.1)
    ap.add_argument("-conf", type=float, default=10.0)
    args = ap.parse_args()
    X = sp.csr_matrix(scipy.io.mmread(args.path))
    XT = sp.csr_matrix(X.T)
    n, m = X.shape
    rng = np.random.default_rng(1)
    W = 0.01 * rng.standard_normal((n, args.k))
    Ht = 0.01 * rng.standard_normal((m, args.k))

    def iteration():
        half(X, Ht, args.lam, args.conf, W, args.cg)
        half(XT, W, args.lam, args.conf, Ht, args.cg)

    iteration()  # untimed, as the Go benchmark
    times, cpu = [], []
    for _ in range(args.iters):
        t, c = time.perf_counter(), time.process_time()
        iteration()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    try:
        from threadpoolctl import threadpool_info
        blas = "; ".join("%s %s, %s threads" % (i.get("internal_api"), i.get("version"), i.get("num_threads"))
                         for i in threadpool_info())
    except ImportError:
        blas = "threadpoolctl not installed"
    print("numpy %s (%s): %d×%d, nnz %d, k %d, %s: iterations %s s, min %.3f s; CPU %s s, min %.3f s"
          % (np.__version__, blas, n, m, X.nnz, args.k, "exact" if args.cg == 0 else "CG %d" % args.cg,
             " ".join("%.3f" % v for v in times), min(times), " ".join("%.3f" % v for v in cpu), min(cpu)))


if __name__ == "__main__":
    main()
