#!/usr/bin/python3
"""Generate the reference cases in testdata/reference/ from scikit-learn 1.2,
SciPy and NumPy.

    /usr/bin/python3 tools/refgen/make_reference.py OUT_DIR

writes one OUT_DIR/<name>.json per row of CASES. See README.md in this
directory for the fields, and compare.py to check a regenerated set.
"""
import json
import os
import sys
import warnings

import numpy as np
from scipy.optimize import nnls
from sklearn.decomposition import NMF
from sklearn.decomposition._nmf import _beta_divergence, _initialize_nmf
from sklearn.exceptions import ConvergenceWarning

SEED = 20261123


class Rand:
    """A fresh rows×cols matrix of uniform [0, scale) entries, drawn when its
    case is made (not shared with other cases)."""

    def __init__(self, rows, cols, scale=1.0):
        self.shape, self.scale = (rows, cols), scale

    def draw(self, rng):
        return rng.random(self.shape) * self.scale


def shared_inputs(rng):
    """The matrices several cases share, drawn before any case:
    toy: 6×2, rank 2; A: 20×15 uniform; S: 25×30 with about 60% zeros and
    column 0 raised by 0.5 so no row is empty; P: 12×9, entries ≥ 0.05, for
    the Itakura-Saito case, which needs X > 0."""
    toy = np.array([[1, 1], [2, 1], [3, 1.2], [4, 1], [5, 0.8], [6, 1]])
    A = rng.random((20, 15))
    S = rng.random((25, 30)) * (rng.random((25, 30)) < 0.4)
    S[:, 0] += 0.5
    P = rng.random((12, 9)) + 0.05
    return {"toy": toy, "A": A, "S": S, "P": P}


def rows(M):
    """M as a list of rows of Python floats, for JSON."""
    return [[float(v) for v in row] for row in np.asarray(M)]


def random_start(rng, X, k):
    """Starting factors W0 (n×k) then H0 (k×m), uniform in [0.1, 1.1) times
    sqrt(mean(X)/k), the scale of scikit-learn's random init, kept off zero."""
    scale = np.sqrt(X.mean() / k)
    W0 = scale * (rng.random((X.shape[0], k)) + 0.1)
    H0 = scale * (rng.random((k, X.shape[1])) + 0.1)
    return W0, H0


def penalty(M, weight, l1_ratio):
    """weight·(l1_ratio·‖M‖₁ + ½(1 − l1_ratio)·‖M‖²_F)."""
    return weight * (l1_ratio * np.abs(M).sum() + 0.5 * (1 - l1_ratio) * (M ** 2).sum())


def nmf_case(rng, X, k, solver, beta, max_iter, alpha_w=0.0, alpha_h=None, l1_ratio=0.0, sparse=False):
    """scikit-learn's NMF from a random start with tol=0, so it runs exactly
    max_iter iterations (n_iter = model.n_iter_; one iteration updates W,
    then H). solver "hals" is sklearn's "cd", "mu" is its multiplicative
    update. The objective, as sklearn 1.2 scales it, for X n×m:
        D_β(X ‖ WH) + penalty(W, alpha_w·m) + penalty(H, alpha_h·n)
    with D_2 = ½‖X − WH‖²_F, D_1 the KL divergence, D_0 Itakura-Saito.
    alpha_h defaults to alpha_w. sparse=True only marks the case for a CSR
    run as well: sklearn is always given the dense X."""
    alpha_h = alpha_w if alpha_h is None else alpha_h
    W0, H0 = random_start(rng, X, k)
    model = NMF(k, init="custom", solver={"hals": "cd", "mu": "mu"}[solver], beta_loss=beta,
                tol=0, max_iter=max_iter, alpha_W=alpha_w, alpha_H=alpha_h, l1_ratio=l1_ratio)
    W = model.fit_transform(X, W=W0.copy(), H=H0.copy())
    H = model.components_
    n, m = X.shape
    regularization = penalty(W, alpha_w * m, l1_ratio) + penalty(H, alpha_h * n, l1_ratio)
    objective = _beta_divergence(X, W, H, beta) + regularization
    return dict(solver=solver, beta=beta, k=k, alpha_w=alpha_w, alpha_h=alpha_h, l1_ratio=l1_ratio,
                max_iter=max_iter, n_iter=int(model.n_iter_), sparse=sparse,
                X=rows(X), W0=rows(W0), H0=rows(H0), W=rows(W), H=rows(H), objective=float(objective))


def als_case(rng, X, k, alpha, max_iter):
    """Ridge ALS from a random start, minimising
        ‖X − WH‖²_F + alpha·(‖W‖²_F + ‖H‖²_F)
    (no ½). One iteration is the exact ridge solve for W with H fixed,
    W = X Hᵀ (H Hᵀ + αI)⁻¹, then for H with the new W,
    H = (WᵀW + αI)⁻¹ Wᵀ X; n_iter = max_iter."""
    W0, H0 = random_start(rng, X, k)
    W, H, ridge = W0, H0, alpha * np.eye(k)
    for _ in range(max_iter):
        W = np.linalg.solve(H @ H.T + ridge, H @ X.T).T
        H = np.linalg.solve(W.T @ W + ridge, W.T @ X)
    objective = ((X - W @ H) ** 2).sum() + alpha * ((W ** 2).sum() + (H ** 2).sum())
    return dict(k=k, alpha=alpha, max_iter=max_iter, n_iter=max_iter,
                X=rows(X), W0=rows(W0), H0=rows(H0), W=rows(W), H=rows(H), objective=float(objective))


def init_case(rng, X, k, init):
    """scikit-learn's NNDSVD start ("nndsvd": small entries left at zero;
    "nndsvda": zeros filled with mean(X)), with its randomized SVD at
    random_state=0. Draws nothing from rng."""
    W, H = _initialize_nmf(X, k, init=init, random_state=0)
    return dict(init=init, k=k, X=rows(X), W=rows(W), H=rows(H))


def transform_case(rng, X, H):
    """W for a fixed H: each row w of W solves the non-negative least squares
    problem min ‖x − wH‖₂ over w ≥ 0 for the same row x of X (SciPy's nnls)."""
    W = np.array([nnls(H.T, x)[0] for x in X])
    return dict(k=H.shape[0], X=rows(X), H=rows(H), W=rows(W))


# The JSON "kind" of each case function. Every case function takes the
# generator first; init_case and transform_case draw nothing from it.
KINDS = {nmf_case: "nmf", als_case: "als", init_case: "init", transform_case: "transform"}

# One row per case, made in this order from one generator seeded with SEED:
# after shared_inputs, each case draws its Rand inputs in the order written,
# then (nmf, als) its starting factors. Add new rows at the end so the draws
# of the existing cases, and with them their files, stay the same.
CASES = [
    ("toy_hals",              nmf_case, dict(X="toy", k=2, solver="hals", beta=2, max_iter=40)),
    ("toy_mu",                nmf_case, dict(X="toy", k=2, solver="mu", beta=2, max_iter=40)),
    ("dense_hals",            nmf_case, dict(X="A", k=4, solver="hals", beta=2, max_iter=60)),
    ("dense_hals_l2",         nmf_case, dict(X="A", k=4, solver="hals", beta=2, max_iter=60, alpha_w=0.01)),
    ("dense_hals_elastic",    nmf_case, dict(X="A", k=4, solver="hals", beta=2, max_iter=60, alpha_w=0.01, alpha_h=0.003, l1_ratio=0.5)),
    ("dense_hals_lasso",      nmf_case, dict(X="A", k=4, solver="hals", beta=2, max_iter=60, alpha_w=0.02, l1_ratio=1.0)),
    ("dense_mu_frobenius",    nmf_case, dict(X="A", k=4, solver="mu", beta=2, max_iter=50)),
    ("dense_mu_kl",           nmf_case, dict(X="A", k=4, solver="mu", beta=1, max_iter=50)),
    ("dense_mu_is",           nmf_case, dict(X="P", k=4, solver="mu", beta=0, max_iter=50)),
    ("dense_mu_b0.5",         nmf_case, dict(X="A", k=4, solver="mu", beta=0.5, max_iter=50)),
    ("dense_mu_b1.5",         nmf_case, dict(X="A", k=4, solver="mu", beta=1.5, max_iter=50)),
    ("dense_mu_b3",           nmf_case, dict(X="A", k=4, solver="mu", beta=3, max_iter=50)),
    ("dense_mu_kl_elastic",   nmf_case, dict(X="A", k=4, solver="mu", beta=1, max_iter=50, alpha_w=0.02, l1_ratio=0.3)),
    ("dense_mu_frobenius_l2", nmf_case, dict(X="A", k=4, solver="mu", beta=2, max_iter=50, alpha_w=0.01, alpha_h=0.02)),
    ("sparse_hals",           nmf_case, dict(X="S", k=5, solver="hals", beta=2, max_iter=60, sparse=True)),
    ("sparse_mu_frobenius",   nmf_case, dict(X="S", k=5, solver="mu", beta=2, max_iter=50, sparse=True)),
    ("sparse_mu_kl",          nmf_case, dict(X="S", k=5, solver="mu", beta=1, max_iter=50, sparse=True)),
    ("sparse_mu_b1.5",        nmf_case, dict(X="S", k=5, solver="mu", beta=1.5, max_iter=50, sparse=True)),
    ("als_ridge",             als_case, dict(X="A", k=4, alpha=0.1, max_iter=25)),
    ("als_plain",             als_case, dict(X=Rand(18, 11), k=3, alpha=0.0, max_iter=25)),
    ("init_nndsvd",           init_case, dict(X="A", k=4, init="nndsvd")),
    ("init_nndsvda",          init_case, dict(X="A", k=4, init="nndsvda")),
    ("transform_nnls",        transform_case, dict(H=Rand(4, 15), X=Rand(10, 15, scale=2))),
]


def make_cases():
    """Yield (name, case dict) for every row of CASES, in order."""
    rng = np.random.default_rng(SEED)
    shared = shared_inputs(rng)
    for name, make, args in CASES:
        inputs = {}
        for key, v in args.items():  # in written order: Rand draws happen here
            if isinstance(v, Rand):
                v = v.draw(rng)
            elif key in ("X", "H") and isinstance(v, str):
                v = shared[v]
            inputs[key] = v
        yield name, dict(name=name, kind=KINDS[make], **make(rng, **inputs))


def main(out_dir):
    """Write every case to out_dir/<name>.json, printing a line for each."""
    os.makedirs(out_dir, exist_ok=True)
    warnings.simplefilter("ignore", ConvergenceWarning)  # tol=0 always hits max_iter
    for name, case in make_cases():
        with open(os.path.join(out_dir, name + ".json"), "w") as f:
            json.dump(case, f)
        print(name, case["kind"], case.get("n_iter", ""), case.get("objective", ""))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
