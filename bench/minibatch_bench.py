#!/usr/bin/python3
"""Times scikit-learn 1.2's MiniBatchNMF on a matrix file, for side-by-side runs with
`go run ./internal/cmd/benchcmp -minibatch B FILE K mu BETA EPOCHS TOL`.

  /usr/bin/python3 bench/minibatch_bench.py FILE K BATCH BETA EPOCHS TOL

FILE is MatrixMarket (kept sparse) or CSV. Init nndsvda, random_state 0, max_no_improvement off
so that both run every epoch. Prints one line:
  seconds S iters N per_iter P relerr R steps T
with relerr = ||X - WH||_F / ||X||_F.
Needs: apt-get install python3-sklearn
"""
import sys, time
import numpy as np, scipy.io, scipy.sparse as sp
from sklearn.decomposition import MiniBatchNMF

path, k, batch, beta, epochs, tol = sys.argv[1:7]
X = scipy.io.mmread(path) if path.endswith(".mtx") else np.loadtxt(path, delimiter=",")
X = X.tocsr() if sp.issparse(X) else np.asarray(X, dtype=float)
m = MiniBatchNMF(int(k), init="nndsvda", batch_size=int(batch), beta_loss=float(beta),
                 max_iter=int(epochs), tol=float(tol), max_no_improvement=None, random_state=0)
t = time.perf_counter()
W = m.fit_transform(X)
seconds = time.perf_counter() - t
H = m.components_
num = 0.0
for s in range(0, X.shape[0], 2000):
    block = X[s:s + 2000]
    block = block.toarray() if sp.issparse(block) else block
    num += ((block - W[s:s + 2000] @ H) ** 2).sum()
den = X.multiply(X).sum() if sp.issparse(X) else (X ** 2).sum()
print("seconds %.4f iters %d per_iter %.5f relerr %.6f steps %d"
      % (seconds, m.n_iter_, seconds / max(m.n_iter_, 1), np.sqrt(num / den), m.n_steps_))
