package factor_test

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

var update = flag.Bool("update", false, "rewrite the golden model files in testdata/models")

// modelCase is a fitted model and a fresh zero value of its type.
type modelCase struct {
	name  string
	model func() modelFile
	empty func() modelFile
	x     mat.Matrix
	xNew  mat.Matrix
}

// modelFile is the part of the model types the file tests use.
type modelFile interface {
	Fit(mat.Matrix) error
	W() *mat.Dense
	H() *mat.Dense
	NIter() int
	Objective() float64
	ReconstructionErr() float64
	History() []float64
	FeatureNames() []string
	Transform(mat.Matrix) (*mat.Dense, error)
	InverseTransform(mat.Matrix) (*mat.Dense, error)
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
	io.WriterTo
	io.ReaderFrom
}

func names(m int) []string {
	out := make([]string, m)
	for j := range out {
		out[j] = fmt.Sprintf("feature %d", j)
	}
	return out
}

func modelCases(t *testing.T) []modelCase {
	t.Helper()
	withZeros := randomMatrix(25, 12, 0.05, 0.3, 31)
	positive := randomMatrix(25, 12, 0.05, 0, 32)
	signed := randomMatrix(25, 12, -0.5, 0, 33)
	newZeros, newPositive, newSigned := randomMatrix(4, 12, 0.05, 0.3, 34), randomMatrix(4, 12, 0.05, 0, 35), randomMatrix(4, 12, -0.5, 0, 36)
	nmf := func(opts ...factor.Option) func() modelFile {
		return func() modelFile { return factor.NewNMF(append([]factor.Option{factor.WithK(3), factor.WithSeed(4)}, opts...)...) }
	}
	emptyNMF := func() modelFile { return new(factor.NMF) }
	emptyALS := func() modelFile { return new(factor.VanillaALS) }
	return []modelCase{
		{"nmf-hals", nmf(factor.WithAlpha(0.01), factor.WithL1Ratio(0.3), factor.WithFeatureNames(names(12))), emptyNMF, withZeros, newZeros},
		{"nmf-hals-csr", nmf(factor.WithSolver(factor.AcceleratedHALS)), emptyNMF, sparseOf(t, withZeros), sparseOf(t, newZeros)},
		{"nmf-kl", nmf(factor.WithBeta(factor.KullbackLeibler), factor.WithRestarts(2)), emptyNMF, withZeros, newZeros},
		{"nmf-kl-csr", nmf(factor.WithBeta(factor.KullbackLeibler)), emptyNMF, sparseOf(t, withZeros), sparseOf(t, newZeros)},
		{"nmf-is", nmf(factor.WithBeta(factor.ItakuraSaito), factor.WithMaxIter(50)), emptyNMF, positive, newPositive},
		{"nmf-b1.5", nmf(factor.WithBeta(1.5), factor.WithAlphaH(0.02), factor.WithInit(factor.InitNNDSVDAR)), emptyNMF, withZeros, newZeros},
		{"nmf-start", nmf(factor.WithMaxIter(0)), emptyNMF, withZeros, newZeros},
		{"als", func() modelFile {
			return factor.NewVanillaALS(factor.WithK(3), factor.WithAlpha(0.1), factor.WithSeed(4), factor.WithFeatureNames(names(12)))
		}, emptyALS, signed, newSigned},
	}
}

// fitted fits a case's model.
func (c modelCase) fitted(t *testing.T) modelFile {
	t.Helper()
	m := c.model()
	if err := m.Fit(c.x); err != nil {
		t.Fatal(err)
	}
	return m
}

// sameModel fails unless b is a, bit for bit, in everything a caller can
// read of it, Transform and InverseTransform of xNew included.
func sameModel(t *testing.T, a, b modelFile, xNew mat.Matrix) {
	t.Helper()
	if !sameBits(a.W(), b.W()) || !sameBits(a.H(), b.H()) {
		t.Error("W or H differ")
	}
	if a.NIter() != b.NIter() || !sameFloats(a.History(), b.History()) ||
		!sameFloats([]float64{a.Objective(), a.ReconstructionErr()}, []float64{b.Objective(), b.ReconstructionErr()}) {
		t.Error("NIter, History, Objective or ReconstructionErr differ")
	}
	if fa, fb := a.FeatureNames(), b.FeatureNames(); strings.Join(fa, "\x00") != strings.Join(fb, "\x00") || len(fa) != len(fb) {
		t.Errorf("feature names %q and %q", fa, fb)
	}
	wa, errA := a.Transform(xNew)
	wb, errB := b.Transform(xNew)
	if errA != nil || errB != nil || !sameBits(wa, wb) {
		t.Errorf("Transform differs (%v, %v)", errA, errB)
		return
	}
	ia, _ := a.InverseTransform(wa)
	ib, _ := b.InverseTransform(wb)
	if !sameBits(ia, ib) {
		t.Error("InverseTransform differs")
	}
}

func sameFloats(a, b []float64) bool {
	return len(a) == len(b) && sameBits(mat.NewDense(1, len(a)+1, append(a, 0)), mat.NewDense(1, len(b)+1, append(b, 0)))
}

// TestModelRoundTrip: every model type, dense and CSR, every kind of beta,
// loads back from its MarshalBinary, into a zero value, as the same model;
// the loaded model marshals to the same bytes; WriteTo writes them too, and
// ReadFrom reads two files from one stream, each to its end.
func TestModelRoundTrip(t *testing.T) {
	for _, c := range modelCases(t) {
		t.Run(c.name, func(t *testing.T) {
			m := c.fitted(t)
			b, err := m.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			loaded := c.empty()
			if err := loaded.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			sameModel(t, m, loaded, c.xNew)
			again, err := loaded.MarshalBinary()
			if err != nil || !bytes.Equal(again, b) {
				t.Errorf("the loaded model marshals to other bytes (%v)", err)
			}
			var stream bytes.Buffer
			for range 2 {
				if n, err := m.WriteTo(&stream); err != nil || n != int64(len(b)) {
					t.Fatalf("WriteTo: %d bytes, %v; want %d", n, err, len(b))
				}
			}
			if !bytes.Equal(stream.Bytes()[:len(b)], b) {
				t.Error("WriteTo wrote other bytes than MarshalBinary")
			}
			for r := range 2 {
				next := c.empty()
				if n, err := next.ReadFrom(&stream); err != nil || n != int64(len(b)) {
					t.Fatalf("ReadFrom of file %d: %d bytes, %v; want %d", r, n, err, len(b))
				}
				sameModel(t, m, next, c.xNew)
			}
		})
	}
}
