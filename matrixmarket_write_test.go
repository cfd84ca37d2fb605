package factor_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// TestWriteMatrixMarketNil: nil matrices of every kind are an ErrShape
// error, not a panic, and write nothing.
func TestWriteMatrixMarketNil(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    mat.Matrix
	}{
		{"nil", nil},
		{"a nil *CSR", (*factor.CSR)(nil)},
		{"a nil *mat.Dense", (*mat.Dense)(nil)},
		{"the transpose of a nil *CSR", mat.Transpose{Matrix: (*factor.CSR)(nil)}},
	} {
		var buf bytes.Buffer
		err := noPanic(t, tc.name, func() error { return factor.WriteMatrixMarket(&buf, tc.m) })
		if !errors.Is(err, factor.ErrShape) {
			t.Errorf("WriteMatrixMarket of %s: %v, want an error wrapping ErrShape", tc.name, err)
		}
		if buf.Len() != 0 {
			t.Errorf("WriteMatrixMarket of %s wrote %q", tc.name, buf.String())
		}
	}
}

// capWriter fails once more than n bytes have been written to it, so that
// writing a dense array of a large matrix stops early.
type capWriter struct {
	buf bytes.Buffer
	n   int
}

func (w *capWriter) Write(p []byte) (int, error) {
	if w.buf.Len()+len(p) > w.n {
		return 0, io.ErrShortWrite
	}
	return w.buf.Write(p)
}

// TestWriteMatrixMarketTransposedCSR: the transpose of a CSR is written as
// a coordinate file of its entries, never as the dense array of its
// rows×cols values (18 MB for two entries of a 3000×3000), and reads back
// as the transpose.
func TestWriteMatrixMarketTransposedCSR(t *testing.T) {
	c, err := factor.NewCSRFromTriplets(3000, 2000, []int{0, 2999}, []int{1999, 5}, []float64{1.5, -2})
	if err != nil {
		t.Fatal(err)
	}
	w := &capWriter{n: 1 << 12}
	if err := factor.WriteMatrixMarket(w, c.T()); err != nil {
		t.Fatalf("WriteMatrixMarket of a 2000×3000 transpose with 2 entries: %v (after %d bytes)", err, w.buf.Len())
	}
	want := "%%MatrixMarket matrix coordinate real general\n2000 3000 2\n6 3000 -2\n2000 1 1.5\n"
	if got := w.buf.String(); got != want {
		t.Fatalf("wrote\n%s\nwant\n%s", got, want)
	}
	back, err := factor.ReadMatrixMarket(&w.buf)
	if err != nil {
		t.Fatal(err)
	}
	if !sameBits(back, c.T()) {
		t.Error("read back differs from the transpose")
	}
}

// TestWriteMatrixMarketTransposedCSRFailingWriter: the coordinate path
// returns the writer's error too.
func TestWriteMatrixMarketTransposedCSRFailingWriter(t *testing.T) {
	c, err := factor.NewCSRFromTriplets(3, 2, []int{0, 2}, []int{1, 0}, []float64{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := factor.WriteMatrixMarket(&capWriter{n: 10}, c.T()); !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("got %v, want the writer's error", err)
	}
}
