#!/usr/bin/python3
"""Generate the reference cases in testdata/reference_weighted/: NMF and ridge
ALS on weighted and incomplete data (issue 10), computed by a few lines of
NumPy and SciPy's NNLS written from the definitions below.

    /usr/bin/python3 tools/refgen/make_weighted.py OUT_DIR

writes one OUT_DIR/<name>.json per row of CASES, in the format of the
"weighted" and "als_weighted" cases of testdata/reference_next/ (README.md in
this directory lists the fields). Each case runs exactly n_iter iterations
from (W0, H0), W then H each iteration.

weighted (NMF):  minimise  sum_ij M_ij d_beta(x_ij | (WH)_ij)
                           + alpha_w m (l1 |W|_1 + 1/2 (1 - l1) ||W||^2)
                           + alpha_h n (l1 |H|_1 + 1/2 (1 - l1) ||H||^2),  W, H >= 0
  solver "mu":   scikit-learn 1.2's multiplicative update with M inside both
                 sums: W <- W * (num / den)^gamma with
                   num = (M * X * (WH)^(beta-2)) H^T
                   den = (M * (WH)^(beta-1)) H^T  (+ l1 + l2 W)
                 where (WH) = 0 is replaced by EPSILON (float32 eps) in the
                 numerator for beta < 2 and in the denominator for beta < 1, a
                 zero denominator by EPSILON, gamma = 1/(2-beta) for beta < 1,
                 1/(beta-1) for beta > 2, else 1; after W's update entries of W
                 below float64 eps are set to 0 when beta < 1, after H's update
                 entries of H when beta <= 1 (scikit-learn 1.2's rules).
  solver "hals": exact coordinate descent on the weighted Frobenius loss: for
                 column t of W, with R = X - WH at the observed entries,
                   d_i = sum_j M_ij H_tj^2,  g_i = sum_j M_ij H_tj R_ij,
                   W_it <- max(0, (g_i + d_i W_it - l1) / (d_i + l2)),
                 R updated, then the next column; then H row by row the same
                 way. An entry with d_i + l2 = 0 is set to 0: the promise for
                 a row with no observed entry; the script refuses any other
                 such entry (a row whose observed entries all meet zeros of H).
als_weighted (VanillaALS): minimise
                 sum_ij M_ij (x_ij - (WH)_ij)^2 + alpha (sum_i c_i ||w_i||^2 + sum_j c_j ||h_j||^2)
                 with c = 1, or with count_scaled c_i = n_i and c_j = n_j, the
                 numbers of entries with M > 0 of row i and column j (ALS-WR).
                 Each row solve is exact: (sum_j M_ij h_j h_j^T + lam_i I) w_i =
                 sum_j M_ij x_ij h_j, or SciPy's NNLS on the stacked system with
                 nonnegative. A row with no observed entry is set to 0 (the
                 promise; with count_scaled its system is 0 = 0).

Missing entries (M = 0) of X are never used by the math. In the files, X holds
junk there (1000 max|X|) unless "observed" is true, when M is the stored
pattern of a sparse X (a stored entry may be 0) and X holds 0 off it. The
objective is summed over the entries with M > 0 only.

Needs NumPy and SciPy (Debian 12: apt-get install python3-sklearn brings both).
"""
import json
import os
import sys

import numpy as np
from scipy.optimize import nnls

SEED = 20261207
EPSILON = np.finfo(np.float32).eps
TINY = np.finfo(np.float64).eps


def rows(A):
    """A as a list of rows of Python floats, for JSON."""
    return [[float(v) for v in r] for r in np.asarray(A)]


def gamma_for(beta):
    return 1.0 / (2.0 - beta) if beta < 1 else (1.0 / (beta - 1.0) if beta > 2 else 1.0)


def divergence(x, y, beta):
    """d_beta(x | y) entry by entry, x = 0 contributing its limit."""
    if beta == 2:
        return 0.5 * (x - y) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        if beta == 1:
            return np.where(x > 0, x * np.log(x / y), 0.0) - x + y
        if beta == 0:
            return x / y - np.log(x / y) - 1
        return (np.where(x > 0, x ** beta, 0.0) + (beta - 1) * y ** beta - beta * x * y ** (beta - 1)) / (beta * (beta - 1))


def penalty(A, weight, l1):
    return weight * (l1 * A.sum() + 0.5 * (1 - l1) * (A ** 2).sum())


def nmf_objective(X, M, W, H, beta, alpha_w, alpha_h, l1):
    n, m = X.shape
    obs = M > 0
    Y = W @ H
    loss = (M[obs] * divergence(X[obs], Y[obs], beta)).sum()
    return float(loss + penalty(W, alpha_w * m, l1) + penalty(H, alpha_h * n, l1))


def mu_side(X, M, W, H, beta, l1, l2, gamma):
    """One multiplicative update of W (n×k) for X ≈ WH, X n×m, weights M."""
    WH = W @ H
    if beta == 2:
        num = (M * X) @ H.T
        den = (M * WH) @ H.T
    else:
        WHn = WH.copy()
        if beta < 2:
            WHn[WHn == 0] = EPSILON
        num = (M * X * WHn ** (beta - 2)) @ H.T
        if beta == 1:
            den = M @ H.T
        else:
            WHd = WH.copy()
            if beta < 1:
                WHd[WHd == 0] = EPSILON
            den = (M * WHd ** (beta - 1)) @ H.T
    if l1 > 0:
        den = den + l1
    if l2 > 0:
        den = den + l2 * W
    den[den == 0] = EPSILON
    step = num / den
    if gamma != 1:
        step **= gamma
    return W * step


def hals_side(X, M, W, H, l1, l2):
    """Exact weighted coordinate descent over W (n×k), column by column."""
    W = W.copy()
    R = X - W @ H  # read only where M > 0
    empty = ~(M > 0).any(axis=1)
    for t in range(W.shape[1]):
        h = H[t]
        d = M @ h ** 2
        g = (M * R) @ h
        flat = d + l2 == 0
        if np.any(flat & ~empty):
            raise ValueError("an observed row with a zero Hessian: the library's choice is not documented")
        new = np.maximum(0.0, (g + d * W[:, t] - l1) / np.where(flat, 1.0, d + l2))
        new[flat] = 0.0
        R -= np.outer(new - W[:, t], h)
        W[:, t] = new
    return W


def nmf_case(rng, name, X, M, k, solver, beta, iters, alpha_w=0.0, alpha_h=None, l1=0.0, observed=False):
    alpha_h = alpha_w if alpha_h is None else alpha_h
    X = np.where(M > 0, X, 0.0)  # the math never sees the missing entries
    n, m = X.shape
    W0, H0 = start(rng, X, M, k)
    W, H = W0.copy(), H0.copy()
    l1W, l2W = alpha_w * m * l1, alpha_w * m * (1 - l1)
    l1H, l2H = alpha_h * n * l1, alpha_h * n * (1 - l1)
    g = gamma_for(beta)
    for _ in range(iters):
        if solver == "mu":
            W = mu_side(X, M, W, H, beta, l1W, l2W, g)
            if beta < 1:
                W[W < TINY] = 0.0
            H = mu_side(X.T, M.T, H.T, W.T, beta, l1H, l2H, g).T
            if beta <= 1:
                H[H < TINY] = 0.0
        else:
            W = hals_side(X, M, W, H, l1W, l2W)
            H = hals_side(X.T, M.T, H.T, W.T, l1H, l2H).T
    return dict(name=name, kind="weighted", solver=solver, beta=beta, k=k, alpha_w=alpha_w, alpha_h=alpha_h,
                l1_ratio=l1, max_iter=iters, n_iter=iters, observed=observed, X=rows(stored(X, M, observed)),
                M=rows(M), W0=rows(W0), H0=rows(H0), W=rows(W), H=rows(H),
                objective=nmf_objective(X, M, W, H, beta, alpha_w, alpha_h, l1))


def ridge_rows(X, M, B, alpha, count_scaled, nonneg):
    """Each row a of min sum_j M_ij (x_ij - a.b_j)^2 + lam_i ||a||^2, B k×m."""
    k = B.shape[0]
    out = np.zeros((X.shape[0], k))
    for i in range(X.shape[0]):
        w = M[i]
        count = np.count_nonzero(w > 0)
        if count == 0:
            continue  # the promised zero row
        lam = alpha * (count if count_scaled else 1.0)
        if nonneg:
            s = np.sqrt(w)
            A = np.vstack([(B * s).T, np.sqrt(lam) * np.eye(k)])
            b = np.concatenate([X[i] * s, np.zeros(k)])
            out[i] = nnls(A, b, maxiter=100 * k)[0]
        else:
            G = (B * w) @ B.T + lam * np.eye(k)
            out[i] = np.linalg.solve(G, (B * w) @ X[i])
    return out


def als_case(rng, name, X, M, k, alpha, iters, count_scaled=False, nonneg=False, observed=False):
    X = np.where(M > 0, X, 0.0)
    W0, H0 = start(rng, X, M, k)
    W, H = W0.copy(), H0.copy()
    for _ in range(iters):
        W = ridge_rows(X, M, H, alpha, count_scaled, nonneg)
        H = ridge_rows(X.T, M.T, W.T, alpha, count_scaled, nonneg).T
    cW = np.count_nonzero(M > 0, axis=1) if count_scaled else np.ones(M.shape[0])
    cH = np.count_nonzero(M > 0, axis=0) if count_scaled else np.ones(M.shape[1])
    obs = M > 0
    loss = (M[obs] * (X - W @ H)[obs] ** 2).sum()
    obj = loss + alpha * ((cW[:, None] * W ** 2).sum() + (cH[None, :] * H ** 2).sum())
    return dict(name=name, kind="als_weighted", k=k, alpha=alpha, max_iter=iters, n_iter=iters,
                count_scaled=count_scaled, nonnegative=nonneg, observed=observed, X=rows(stored(X, M, observed)),
                M=rows(M), W0=rows(W0), H0=rows(H0), W=rows(W), H=rows(H), objective=float(obj))


def stored(X, M, observed):
    """X as the file holds it: 0 off the pattern of an observed case, junk
    (1000 max|X|) at the missing entries of any other."""
    return X if observed else np.where(M > 0, X, 1000.0 * np.abs(X).max())


def start(rng, X, M, k):
    """W0 (n×k) then H0 (k×m), uniform in [0.1, 1.1) times
    sqrt(mean of the observed |x| / k)."""
    scale = np.sqrt(np.abs(X[M > 0]).mean() / k)
    return scale * (rng.random((X.shape[0], k)) + 0.1), scale * (rng.random((k, X.shape[1])) + 0.1)


def mask(rng, shape, keep, per_line=1, empty_rows=(), empty_cols=()):
    """A 0/1 mask keeping about a fraction keep, with at least per_line
    entries in every row and column except empty_rows and empty_cols, which
    have none."""
    n, m = shape
    M = (rng.random(shape) < keep).astype(float)
    live_r = [i for i in range(n) if i not in empty_rows]
    live_c = [j for j in range(m) if j not in empty_cols]
    for i in live_r:
        M[i, rng.choice(live_c, per_line, replace=False)] = 1.0
    for j in live_c:
        M[rng.choice(live_r, per_line, replace=False), j] = 1.0
    M[list(empty_rows), :] = 0.0
    M[:, list(empty_cols)] = 0.0
    return M


def uniform(rng, n, m, lo=0.0, zeros=0.0):
    """n×m uniform [lo, lo + 1), each entry 0 with probability zeros."""
    return (lo + rng.random((n, m))) * (rng.random((n, m)) >= zeros)


def real_weights(rng, M, lo=0.2):
    """The mask M times weights uniform in [lo, lo + 1.5)."""
    return M * (lo + 1.5 * rng.random(M.shape))


def sparse_observed(rng, n, m, density, zero_frac=0.0):
    """A sparse X with every row and column stored somewhere, and the stored
    pattern M; a fraction zero_frac of the stored entries hold exactly 0."""
    M = mask(rng, (n, m), density)
    X = M * (0.1 + rng.random((n, m)))
    X[(M > 0) & (rng.random((n, m)) < zero_frac)] = 0.0
    return X, M


def cases(rng):
    """Every case, in a fixed order of draws from rng."""
    # NMF, multiplicative updates, beta in {2, 1, 0, 0.5, 1.5, 3}.
    X = uniform(rng, 40, 6)
    yield nmf_case(rng, "wmu_b2_tall", X, mask(rng, X.shape, 0.6), 3, "mu", 2, 20)
    X = uniform(rng, 8, 35)
    yield nmf_case(rng, "wmu_b1_wide_weights_elastic", X, real_weights(rng, mask(rng, X.shape, 0.6)), 5, "mu", 1, 25,
                   alpha_w=0.02, l1=0.3)
    X = uniform(rng, 15, 12, lo=0.05)
    yield nmf_case(rng, "wmu_b0", X, mask(rng, X.shape, 0.7), 2, "mu", 0, 20)
    X = uniform(rng, 20, 10, zeros=0.2)
    yield nmf_case(rng, "wmu_b0.5_weights_l2", X, real_weights(rng, mask(rng, X.shape, 0.6)), 4, "mu", 0.5, 15,
                   alpha_w=0.01, alpha_h=0.03)
    X = uniform(rng, 12, 18)
    yield nmf_case(rng, "wmu_b1.5_l1", X, mask(rng, X.shape, 0.5), 6, "mu", 1.5, 25, alpha_w=0.01, l1=1.0)
    X = uniform(rng, 18, 14)
    yield nmf_case(rng, "wmu_b3_k7", X, mask(rng, X.shape, 0.7), 7, "mu", 3, 20)
    X = uniform(rng, 16, 12)
    yield nmf_case(rng, "wmu_b1_empty_row_col", X, mask(rng, X.shape, 0.6, empty_rows=(4,), empty_cols=(7,)), 3, "mu", 1, 10)
    X = uniform(rng, 14, 10, lo=0.05)
    yield nmf_case(rng, "wmu_b0_empty_row_col_3iter", X, mask(rng, X.shape, 0.7, empty_rows=(0,), empty_cols=(9,)),
                   2, "mu", 0, 3)
    X = uniform(rng, 10, 9)
    yield nmf_case(rng, "wmu_b2_k1_1iter", X, real_weights(rng, mask(rng, X.shape, 0.5)), 1, "mu", 2, 1)
    X = uniform(rng, 11, 13)
    yield nmf_case(rng, "wmu_b3_empty_row_weights_2iter", X,
                   real_weights(rng, mask(rng, X.shape, 0.6, empty_rows=(10,), empty_cols=(0, 5))), 3, "mu", 3, 2,
                   alpha_w=0.005, l1=0.5)
    X, M = sparse_observed(rng, 30, 16, 0.3, zero_frac=0.15)
    yield nmf_case(rng, "wmu_observed_b1.5_zeros", X, M, 4, "mu", 1.5, 20, observed=True)
    X, M = sparse_observed(rng, 14, 32, 0.35, zero_frac=0.1)
    yield nmf_case(rng, "wmu_observed_b2_elastic_zeros", X, M, 3, "mu", 2, 20, alpha_w=0.01, alpha_h=0.02, l1=0.4,
                   observed=True)
    X, M = sparse_observed(rng, 25, 20, 0.3, zero_frac=0.1)
    yield nmf_case(rng, "wmu_observed_b1_zeros", X, M, 5, "mu", 1, 20, observed=True)

    # NMF, weighted HALS (Frobenius), L1 and L2 penalties.
    X = uniform(rng, 45, 5)
    yield nmf_case(rng, "whals_tall_l2", X, mask(rng, X.shape, 0.6), 2, "hals", 2, 20, alpha_w=0.05)
    X = uniform(rng, 6, 40)
    yield nmf_case(rng, "whals_wide_l1", X, mask(rng, X.shape, 0.6), 3, "hals", 2, 20, alpha_w=0.0005, l1=1.0)
    X = uniform(rng, 20, 16)
    yield nmf_case(rng, "whals_k7_weights_elastic", X, real_weights(rng, mask(rng, X.shape, 0.7)), 7, "hals", 2, 20,
                   alpha_w=0.02, alpha_h=0.01, l1=0.5)
    X = uniform(rng, 15, 11, zeros=0.2)
    yield nmf_case(rng, "whals_empty_row_col", X, mask(rng, X.shape, 0.6, empty_rows=(3, 9), empty_cols=(2,)), 3,
                   "hals", 2, 10)
    X = uniform(rng, 9, 12)
    yield nmf_case(rng, "whals_k1_2iter", X, real_weights(rng, mask(rng, X.shape, 0.5)), 1, "hals", 2, 2)
    X, M = sparse_observed(rng, 30, 20, 0.3, zero_frac=0.15)
    yield nmf_case(rng, "whals_observed_zeros", X, M, 5, "hals", 2, 25, observed=True)
    X, M = sparse_observed(rng, 12, 28, 0.4)
    yield nmf_case(rng, "whals_observed_wide_l2", X, M, 3, "hals", 2, 15, alpha_w=0.01, alpha_h=0.03, observed=True)

    # VanillaALS: ridge, count-scaled (ALS-WR), non-negative.
    X = uniform(rng, 40, 7, lo=-0.5)
    yield als_case(rng, "als_ridge_tall", X, mask(rng, X.shape, 0.6, per_line=3), 3, 0.1, 8)
    X = uniform(rng, 7, 30, lo=-0.5)
    yield als_case(rng, "als_ridge_wide_weights", X, real_weights(rng, mask(rng, X.shape, 0.6)), 4, 0.2, 8)
    X, M = sparse_observed(rng, 30, 18, 0.3, zero_frac=0.1)
    yield als_case(rng, "als_wr_observed_zeros", X, M, 5, 0.05, 8, count_scaled=True, observed=True)
    X = uniform(rng, 14, 12, lo=-0.3)
    yield als_case(rng, "als_wr_empty_row_col", X, mask(rng, X.shape, 0.6, empty_rows=(5,), empty_cols=(11,)), 3, 0.1, 5,
                   count_scaled=True)
    X = uniform(rng, 16, 10, lo=-0.3)
    yield als_case(rng, "als_ridge_empty_row_col", X, mask(rng, X.shape, 0.6, empty_rows=(0,), empty_cols=(4,)), 3, 0.1, 5)
    X = uniform(rng, 20, 9, lo=-0.3)
    yield als_case(rng, "als_nonneg_signed", X, mask(rng, X.shape, 0.7), 3, 0.1, 8, nonneg=True)
    X, M = sparse_observed(rng, 24, 15, 0.35)
    yield als_case(rng, "als_nonneg_wr_observed", X, M, 4, 0.05, 8, count_scaled=True, nonneg=True, observed=True)
    X = uniform(rng, 12, 10)
    yield als_case(rng, "als_nonneg_empty_row_weights", X,
                   real_weights(rng, mask(rng, X.shape, 0.7, empty_rows=(6,), empty_cols=(3,))), 2, 0.2, 5, nonneg=True)
    X = uniform(rng, 15, 8, lo=-0.5)
    yield als_case(rng, "als_alpha0", X, mask(rng, X.shape, 0.8, per_line=3), 2, 0.0, 5)
    X = uniform(rng, 10, 6, lo=-0.5)
    yield als_case(rng, "als_k1_1iter_weights", X, real_weights(rng, mask(rng, X.shape, 0.6)), 1, 0.3, 1)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for case in cases(np.random.default_rng(SEED)):
        with open(os.path.join(out, case["name"] + ".json"), "w") as f:
            json.dump(case, f)
        print(f'{case["name"]:34s} {case["n_iter"]:3d} {case["objective"]:.12g}')
