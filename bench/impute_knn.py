#!/usr/bin/python3
"""Scores scikit-learn's imputers on the entries internal/cmd/impute hides.

  go run ./internal/cmd/impute -mask /tmp/mask.csv      # factor's table, and the mask
  /usr/bin/python3 bench/impute_knn.py testdata/digits.csv /tmp/mask.csv

The mask holds 0 for a hidden entry, 2 for an observed one held out for
validation and 1 for the other observed ones. It prints the root mean square
error at the hidden entries of SimpleImputer (column means) and of KNNImputer
for several numbers of neighbours, chosen as impute chooses k and alpha: on the
validation entries, fitted to the others, then refitted on all observed
entries. Needs python3-sklearn (Debian).
"""
import sys
import numpy as np
from sklearn.impute import KNNImputer, SimpleImputer


def rmse(Y, X, where):
    return float(np.sqrt(((Y - X)[where] ** 2).mean()))


def main():
    X = np.loadtxt(sys.argv[1], delimiter=",")
    M = np.loadtxt(sys.argv[2], delimiter=",")
    hidden = M == 0
    valid = M == 2
    Xo = np.where(M > 0, X, np.nan)
    Xt = np.where(valid, np.nan, Xo)
    print("| imputer | validation RMSE | hidden RMSE |")
    print("| --- | --- | --- |")
    mean = SimpleImputer().fit_transform
    print("| column means (SimpleImputer) | %.3f | %.3f |" % (rmse(mean(Xt), X, valid), rmse(mean(Xo), X, hidden)))
    best = None
    for k in [1, 3, 5, 10, 20, 40]:
        knn = KNNImputer(n_neighbors=k).fit_transform
        v, h = rmse(knn(Xt), X, valid), rmse(knn(Xo), X, hidden)
        print("| KNNImputer, %d neighbours | %.3f | %.3f |" % (k, v, h))
        if best is None or v < best[1]:
            best = (k, v, h)
    print("\nchosen on validation: KNNImputer %d neighbours, hidden RMSE %.3f" % (best[0], best[2]))


if __name__ == "__main__":
    main()
