"""Reference cases for ImplicitALS (issue 11), written independently of the
package and of ../shared/tools/make_reference_next.py.

Objective (Hu, Koren & Volinsky 2008), over ALL n*m entries:

    sum_ij c_ij (p_ij - w_i . h_j)^2 + lam (||W||^2 + ||H||^2),
    c_ij = 1 + conf * r_ij,  p_ij = 1[r_ij > 0]

Each iteration minimizes it exactly over every row w_i with H fixed, then
over every column h_j with the new W fixed. A row's problem is the weighted
ridge least squares problem

    min_w || sqrt(c_i) * (p_i - H^T w) ||^2 + lam ||w||^2,

solved here as an ordinary least squares problem on the stacked system
[diag(sqrt c_i) H^T ; sqrt(lam) I] w = [sqrt(c_i) p_i ; 0] with
numpy.linalg.lstsq (an SVD), not through the normal equations that the Go
code forms and factors, so that the two share no numerical path.

Usage: /usr/bin/python3 tools/refgen/make_implicit.py OUT_DIR
(see tools/refgen/README.md; needs only NumPy).
"""
import json
import os
import sys

import numpy as np


def dense(a):
    return [[float(v) for v in row] for row in np.asarray(a)]


def solve_rows(R, B, lam, conf):
    """Rows of the factor A (rows of R) minimizing the objective with the
    other factor B (k x cols of R) fixed."""
    k = B.shape[0]
    A = np.zeros((R.shape[0], k))
    for i in range(R.shape[0]):
        c = 1.0 + conf * R[i]
        p = (R[i] > 0).astype(float)
        s = np.sqrt(c)
        M = np.vstack([s[:, None] * B.T, np.sqrt(lam) * np.eye(k)])
        y = np.concatenate([s * p, np.zeros(k)])
        A[i] = np.linalg.lstsq(M, y, rcond=None)[0]
    return A


def objective(R, W, H, lam, conf):
    C = 1.0 + conf * R
    P = (R > 0).astype(float)
    return float((C * (P - W @ H) ** 2).sum() + lam * ((W ** 2).sum() + (H ** 2).sum()))


def case(name, R, k, lam, conf, iters, rng, scale=0.1, note=""):
    W0 = scale * rng.standard_normal((R.shape[0], k))
    H0 = scale * rng.standard_normal((k, R.shape[1]))
    W, H = W0.copy(), H0.copy()
    history = []
    for _ in range(iters):
        W = solve_rows(R, H, lam, conf)
        H = solve_rows(R.T, W.T, lam, conf).T
        history.append(objective(R, W, H, lam, conf))
    return dict(name=name, kind="implicit", note=note, k=k, alpha=lam, confidence=conf,
                n_iter=iters, X=dense(R), W0=dense(W0), H0=dense(H0), W=dense(W), H=dense(H),
                objective=history[-1], history=history)


def interactions(rng, n, m, density, high=4, integer=True):
    """r > 0 at a random share density of the entries: counts 1..high, or
    uniform (0, high] when not integer."""
    mask = rng.random((n, m)) < density
    vals = rng.integers(1, high + 1, (n, m)).astype(float) if integer else high * (1 - rng.random((n, m)))
    return mask * vals


def cases():
    rng = np.random.default_rng(20261211)

    R = interactions(rng, 80, 12, 0.25, high=5)
    R[[3, 17, 40]] = 0         # users with no interaction
    R[:, [2, 9]] = 0           # items nobody has
    yield case("imp_tall", R, 3, 0.1, 5.0, 8, rng,
               note="80x12, three empty rows and two empty columns, counts 1..5")

    R = interactions(rng, 10, 70, 0.2, high=3)
    R[:, 5] = 0
    R[4] = 0
    yield case("imp_wide_k10", R, 10, 0.5, 2.0, 6, rng,
               note="10x70 with k = 10 (= n), an empty row and column")

    R = interactions(rng, 30, 20, 0.3, high=1)
    yield case("imp_k1_binary", R, 1, 1.0, 1.0, 10, rng, note="k = 1 on 0/1 data")

    R = interactions(rng, 40, 35, 0.15, high=9)
    yield case("imp_k7_conf40", R, 7, 0.02, 40.0, 8, rng, scale=0.01,
               note="k = 7, confidence 40 as the implicit package's default, counts 1..9, start 0.01 N(0,1)")

    R = interactions(rng, 25, 18, 0.3, high=3)
    yield case("imp_conf0", R, 4, 0.3, 0.0, 8, rng,
               note="confidence 0: every c = 1, plain ALS on the 0/1 preferences")

    R = interactions(rng, 36, 24, 0.25, high=2.5, integer=False)
    yield case("imp_real_r", R, 5, 0.05, 3.0, 8, rng, note="real-valued r in (0, 2.5]")

    R = interactions(rng, 1, 15, 0.5, high=4)
    yield case("imp_one_row", R, 2, 0.2, 1.5, 5, rng, note="a single user")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for c in cases():
        with open(os.path.join(out, c["name"] + ".json"), "w") as f:
            json.dump(c, f, separators=(",", ":"))
            f.write("\n")
        print(c["name"], np.shape(c["X"]), "k", c["k"], "objective", c["objective"])


if __name__ == "__main__":
    main()
