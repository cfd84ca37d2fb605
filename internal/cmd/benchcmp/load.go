package main

import (
	"bufio"
	"os"
	"strings"

	"github.com/factorgo/factor"
	"github.com/factorgo/factor/internal/csvmat"
	"gonum.org/v1/gonum/mat"
)

// load reads a MatrixMarket (.mtx) file or, for any other name, a CSV file
// as the factor command reads it (package csvmat: a header line is skipped,
// NaN and Inf are errors); dense makes a sparse file dense.
func load(path string, dense bool) (mat.Matrix, error) {
	if !strings.HasSuffix(path, ".mtx") {
		m, err := csvmat.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return m.X, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	x, err := factor.ReadMatrixMarket(bufio.NewReader(f))
	if err != nil {
		return nil, err
	}
	if dense {
		return mat.DenseCopyOf(x), nil
	}
	return x, nil
}
