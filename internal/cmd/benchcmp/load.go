package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// load reads a MatrixMarket (.mtx) or CSV file; dense makes a sparse file
// dense.
func load(path string, dense bool) (mat.Matrix, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if strings.HasSuffix(path, ".mtx") {
		x, err := factor.ReadMatrixMarket(bufio.NewReader(f))
		if err != nil {
			return nil, err
		}
		if dense {
			return mat.DenseCopyOf(x), nil
		}
		return x, nil
	}
	var data []float64
	rows, cols := 0, -1
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<26)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ",")
		if cols >= 0 && len(fields) != cols {
			return nil, fmt.Errorf("%s:%d: %d fields, want %d", path, rows+1, len(fields), cols)
		}
		cols = len(fields)
		for _, s := range fields {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %v", path, rows+1, err)
			}
			data = append(data, v)
		}
		rows++
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if rows == 0 {
		return nil, fmt.Errorf("%s: no data", path)
	}
	return mat.NewDense(rows, cols, data), nil
}
