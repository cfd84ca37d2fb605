#!/usr/bin/python3
"""Times factor against scikit-learn on the cases of issues 3 and 15 and prints the README's table.

  /usr/bin/python3 bench/compare.py DATA_DIR [--reps N] [--only CASE,...] [--no-openblas]

DATA_DIR holds digits.csv and debian_all_tfidf.mtx, as written by
../shared/tools/make_corpora.py DATA_DIR --large; the dense 2000x1000 matrix is
generated there on first use. Each case runs scikit-learn (../shared/tools/
sklearn_bench.py) and factor (internal/cmd/benchcmp: pure Go with its vector
kernels, the default build; pure Go with the portable kernels, -tags purego;
and, for the small cases, with OpenBLAS through -tags netlib) alternately N
times (default 3; three times as often for the small digits and dense cases)
and reports medians, so that all see the same machine. Needs python3-sklearn
and libopenblas-dev (Debian); --no-openblas leaves OpenBLAS out.
"""
import argparse, os, re, statistics, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SKLEARN = os.path.join(ROOT, "..", "shared", "tools", "sklearn_bench.py")


def run(cmd, env=None):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), out.stderr))
    fields = out.stdout.split()
    return {fields[i]: fields[i + 1] for i in range(0, len(fields) - 1, 2)}


def build(openblas=True):
    bins = {}
    builds = [("pure", [], None), ("purego", ["-tags", "purego"], None)]
    if openblas:
        builds.append(("openblas", ["-tags", "netlib"], dict(os.environ, CGO_LDFLAGS="-lopenblas")))
    for name, tags, env in builds:
        path = "/tmp/benchcmp-" + name
        subprocess.run(["go", "build", *tags, "-o", path, "./internal/cmd/benchcmp"], check=True, cwd=ROOT, env=env)
        bins[name] = path
    return bins


def median(xs):
    return statistics.median(xs)


def per_iter_case(bins, reps, path, k, solver, beta, iters, backends=("pure",), dense=False):
    """Seconds per iteration (initialization included, as sklearn_bench.py reports)."""
    extra = ["dense"] if dense else []
    sk, ours = [], {b: [] for b in backends}
    for _ in range(reps):
        sk.append(float(run([sys.executable, SKLEARN, path, str(k), solver, str(beta), str(iters), "0", *extra])["per_iter"]))
        for b in backends:
            ours[b].append(float(run([bins[b], path, str(k), solver, str(beta), str(iters), "0", *extra])["per_iter"]))
    return median(sk), {b: median(v) for b, v in ours.items()}


def to_objective_case(bins, reps, path, k, backends=("pure",)):
    """Seconds for factor's accelerated HALS to reach scikit-learn's final objective at tol 1e-4."""
    sk_s, ours = [], {b: [] for b in backends}
    target = None
    for _ in range(reps):
        r = run([sys.executable, SKLEARN, path, str(k), "hals", "2", "1000", "1e-4"])
        sk_s.append(float(r["seconds"]))
        target = float(r["objective"]) if target is None else min(target, float(r["objective"]))
    for _ in range(reps):
        for b in backends:
            r = run([bins[b], "-target", repr(target), path, str(k), "ahals", "2", "1000", "0"])
            # A fit that never reaches the target (another local optimum)
            # counts as infinitely slow, and the table says so.
            reach = r.get("reach", "never")
            ours[b].append(float("inf") if reach == "never" else float(reach))
    return median(sk_s), target, {b: median(v) for b, v in ours.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", default="")
    ap.add_argument("--no-openblas", action="store_true")
    a = ap.parse_args()
    only = set(a.only.split(",")) - {""}
    bins = build(not a.no_openblas)
    small_backends = ("pure", "purego") if a.no_openblas else ("pure", "purego", "openblas")
    large = os.path.join(a.data, "debian_all_tfidf.mtx")
    digits = os.path.join(a.data, "digits.csv")
    dense = os.path.join(a.data, "dense2000x1000.csv")
    if not os.path.exists(dense):
        subprocess.run([bins["pure"], "-gen", "2000", "1000", "30", dense], check=True)
    rows = []

    def want(name):
        return not only or name in only

    large_backends = ("pure", "purego")
    if want("large-hals"):
        sk, o = per_iter_case(bins, a.reps, large, 20, "hals", 2, 100, backends=large_backends)
        rows.append(("large tf-idf, k=20, HALS, 100 iterations", "s/iteration", sk, o, 0.25))
    if want("large-kl"):
        sk, o = per_iter_case(bins, a.reps, large, 20, "mu", 1, 50, backends=large_backends)
        rows.append(("large tf-idf, k=20, MU KL, 50 iterations", "s/iteration", sk, o, 0.15))
    if want("large-obj"):
        sk, target, o = to_objective_case(bins, a.reps, large, 20, backends=large_backends)
        rows.append(("large tf-idf, k=20, to scikit-learn's objective %.6g (accelerated HALS)" % target, "s", sk, o, 0.3))
    small = 3 * a.reps  # the small cases take a fraction of a second: more runs steady their medians
    if want("digits"):
        for solver, target in (("hals", 0.8), ("mu", 1.0)):
            sk, o = per_iter_case(bins, small, digits, 16, solver, 2, 200, backends=small_backends)
            rows.append(("digits 1797×64, k=16, %s, 200 iterations" % solver.upper(), "s/iteration", sk, o, target))
    if want("dense"):
        sk, target, o = to_objective_case(bins, small, dense, 30, backends=small_backends)
        rows.append(("dense 2000×1000, k=30, to scikit-learn's objective %.6g (accelerated HALS)" % target, "s", sk, o, 0.8))

    def cell(o, b, sk):
        return ("%.4g | %.2f×" % (o[b], o[b] / sk)) if b in o else "– | –"

    print("| case | unit | scikit-learn 1.2 | factor, vector kernels | ratio | factor, portable kernels | ratio | factor, OpenBLAS | ratio | target (vector) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, unit, sk, o, target in rows:
        print("| %s | %s | %.4g | %s | %s | %s | ≤ %.2g× |" % (name, unit, sk, cell(o, "pure", sk), cell(o, "purego", sk), cell(o, "openblas", sk), target))


if __name__ == "__main__":
    main()
