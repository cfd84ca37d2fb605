package factor_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// The 3×4 matrix
//
//	[1 0 2 0]
//	[0 0 0 0]
//	[0 3 0 4]
//
// in CSR form.
func exampleCSR(t *testing.T) *factor.CSR {
	t.Helper()
	c, err := factor.NewCSR(3, 4, []int{0, 2, 2, 4}, []int{0, 2, 1, 3}, []float64{1, 2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCSRMatrix(t *testing.T) {
	c := exampleCSR(t)
	want := mat.NewDense(3, 4, []float64{1, 0, 2, 0, 0, 0, 0, 0, 0, 3, 0, 4})
	if r, cols := c.Dims(); r != 3 || cols != 4 || c.NNZ() != 4 {
		t.Fatalf("Dims %d×%d, NNZ %d", r, cols, c.NNZ())
	}
	if !mat.Equal(c, want) {
		t.Errorf("At disagrees:\n%v", mat.Formatted(c))
	}
	if !mat.Equal(c.T(), want.T()) {
		t.Error("T disagrees with the transpose")
	}
	var seen []float64
	c.DoNonZero(func(i, j int, v float64) {
		if want.At(i, j) != v {
			t.Errorf("DoNonZero gave %g at (%d, %d)", v, i, j)
		}
		seen = append(seen, v)
	})
	if len(seen) != 4 || seen[0] != 1 || seen[3] != 4 {
		t.Errorf("DoNonZero visited %v, want 1 2 3 4 in row order", seen)
	}
	idx, vals := c.RowNNZ(2)
	if len(idx) != 2 || idx[0] != 1 || vals[1] != 4 {
		t.Errorf("RowNNZ(2) = %v, %v", idx, vals)
	}
	for _, at := range [][2]int{{-1, 0}, {3, 0}, {0, 4}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("At(%d, %d) did not panic", at[0], at[1])
				}
			}()
			c.At(at[0], at[1])
		}()
	}
}

func TestNewCSRRejects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rows    int
		indptr  []int
		indices []int
		data    []float64
		want    error
	}{
		{"no rows", 0, []int{0}, nil, nil, factor.ErrShape},
		{"short indptr", 3, []int{0, 2, 4}, []int{0, 2, 1, 3}, []float64{1, 2, 3, 4}, factor.ErrShape},
		{"indptr not from 0", 3, []int{1, 2, 2, 4}, []int{0, 2, 1, 3}, []float64{1, 2, 3, 4}, factor.ErrShape},
		{"indptr decreasing", 3, []int{0, 3, 2, 4}, []int{0, 2, 1, 3}, []float64{1, 2, 3, 4}, factor.ErrShape},
		{"indptr past the data", 3, []int{0, 2, 2, 5}, []int{0, 2, 1, 3}, []float64{1, 2, 3, 4}, factor.ErrShape},
		{"more indices than values", 3, []int{0, 2, 2, 4}, []int{0, 2, 1, 3}, []float64{1, 2, 3}, factor.ErrShape},
		{"column out of range", 3, []int{0, 2, 2, 4}, []int{0, 4, 1, 3}, []float64{1, 2, 3, 4}, factor.ErrShape},
		{"negative column", 3, []int{0, 2, 2, 4}, []int{-1, 2, 1, 3}, []float64{1, 2, 3, 4}, factor.ErrShape},
		{"repeated column", 3, []int{0, 2, 2, 4}, []int{2, 2, 1, 3}, []float64{1, 2, 3, 4}, factor.ErrShape},
		{"decreasing columns", 3, []int{0, 2, 2, 4}, []int{2, 0, 1, 3}, []float64{1, 2, 3, 4}, factor.ErrShape},
		{"NaN", 3, []int{0, 2, 2, 4}, []int{0, 2, 1, 3}, []float64{1, 2, math.NaN(), 4}, factor.ErrNotFinite},
		{"Inf", 3, []int{0, 2, 2, 4}, []int{0, 2, 1, 3}, []float64{1, math.Inf(1), 3, 4}, factor.ErrNotFinite},
	} {
		if _, err := factor.NewCSR(tc.rows, 4, tc.indptr, tc.indices, tc.data); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestNewCSRFromTriplets(t *testing.T) {
	// (0,2) given twice: 2 + 0.5; the entries arrive out of order.
	c, err := factor.NewCSRFromTriplets(3, 4,
		[]int{2, 0, 0, 2, 0},
		[]int{3, 2, 0, 1, 2},
		[]float64{4, 2, 1, 3, 0.5})
	if err != nil {
		t.Fatal(err)
	}
	want := mat.NewDense(3, 4, []float64{1, 0, 2.5, 0, 0, 0, 0, 0, 0, 3, 0, 4})
	if !mat.Equal(c, want) || c.NNZ() != 4 {
		t.Errorf("got\n%v\nwith %d entries", mat.Formatted(c), c.NNZ())
	}
	if _, err := factor.NewCSRFromTriplets(3, 4, []int{3}, []int{0}, []float64{1}); !errors.Is(err, factor.ErrShape) {
		t.Errorf("row out of range: %v", err)
	}
	if _, err := factor.NewCSRFromTriplets(3, 4, []int{0, 1}, []int{0}, []float64{1}); !errors.Is(err, factor.ErrShape) {
		t.Errorf("ragged triplets: %v", err)
	}
}

// FuzzNewCSR builds CSR matrices from arbitrary arrays: NewCSR must return
// an error or a matrix whose DoNonZero visits exactly the given entries, in
// storage order, and whose At finds them.
func FuzzNewCSR(f *testing.F) {
	f.Add(uint8(3), uint8(4), []byte{0, 2, 2, 4}, []byte{0, 2, 1, 3})
	f.Add(uint8(1), uint8(1), []byte{0, 1}, []byte{0})
	f.Add(uint8(2), uint8(2), []byte{0, 3, 1}, []byte{1, 0, 1})
	f.Fuzz(func(t *testing.T, rows, cols uint8, indptrB, indicesB []byte) {
		indptr := make([]int, len(indptrB))
		for i, b := range indptrB {
			indptr[i] = int(int8(b))
		}
		indices := make([]int, len(indicesB))
		data := make([]float64, len(indicesB))
		for i, b := range indicesB {
			indices[i] = int(int8(b))
			data[i] = float64(i) + 1
		}
		// NewCSR keeps its arguments: compare with copies.
		c, err := factor.NewCSR(int(rows%8), int(cols%8), slices.Clone(indptr), slices.Clone(indices), slices.Clone(data))
		if err != nil {
			return
		}
		// The p-th call must be entry p of the arrays, in the row whose
		// indptr range holds p.
		p := 0
		c.DoNonZero(func(i, j int, v float64) {
			switch {
			case p >= len(data):
				t.Fatalf("DoNonZero visited more than the %d stored entries", len(data))
			case i < 0 || i+1 >= len(indptr) || !(indptr[i] <= p && p < indptr[i+1]):
				t.Fatalf("entry %d visited in row %d; indptr %v", p, i, indptr)
			case j != indices[p] || v != data[p]:
				t.Fatalf("entry %d visited as (%d, %d) = %g, given column %d, value %g", p, i, j, v, indices[p], data[p])
			}
			if got := c.At(i, j); got != data[p] {
				t.Fatalf("At(%d, %d) = %g, given %g", i, j, got, data[p])
			}
			p++
		})
		if p != len(data) {
			t.Fatalf("DoNonZero visited %d of %d entries", p, len(data))
		}
	})
}
