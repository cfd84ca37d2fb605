package factor_test

import (
	"bytes"
	"encoding"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
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
		return func() modelFile {
			return factor.NewNMF(append([]factor.Option{factor.WithK(3), factor.WithSeed(4)}, opts...)...)
		}
	}
	emptyNMF := func() modelFile { return new(factor.NMF) }
	emptyALS := func() modelFile { return new(factor.VanillaALS) }
	mb := func(opts ...factor.Option) func() modelFile {
		return func() modelFile {
			return miniBatchFile{factor.NewMiniBatchNMF(append([]factor.Option{factor.WithK(3), factor.WithSeed(4), factor.WithBatchSize(7)}, opts...)...)}
		}
	}
	emptyMB := func() modelFile { return miniBatchFile{new(factor.MiniBatchNMF)} }
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
		{"nmf-observed", nmf(factor.WithObservedOnly()), emptyNMF, sparseOf(t, withZeros), sparseOf(t, newZeros)},
		{"nmf-observed-kl-nan", nmf(factor.WithObservedOnly(), factor.WithBeta(factor.KullbackLeibler)), emptyNMF, withNaN(withZeros, 0.2, 37), withNaN(newZeros, 0.3, 38)},
		{"als-observed-wr-nonneg", func() modelFile {
			return factor.NewVanillaALS(factor.WithK(3), factor.WithAlpha(0.1), factor.WithSeed(4), factor.WithObservedOnly(),
				factor.WithCountScaledAlpha(), factor.WithNonNegative())
		}, emptyALS, sparseOf(t, withZeros), sparseOf(t, newZeros)},
		{"minibatch", mb(factor.WithAlpha(0.01), factor.WithL1Ratio(0.3), factor.WithForgetFactor(0.5), factor.WithMaxNoImprovement(3), factor.WithTransformMaxIter(40)), emptyMB, withZeros, newZeros},
		{"minibatch-csr", mb(factor.WithMaxIter(5), factor.WithTol(0)), emptyMB, sparseOf(t, withZeros), sparseOf(t, newZeros)},
		{"minibatch-kl", mb(factor.WithBeta(factor.KullbackLeibler), factor.WithFreshRestarts(), factor.WithFreshRestartsMaxIter(9)), emptyMB, withZeros, newZeros},
		{"minibatch-kl-csr", mb(factor.WithBeta(factor.KullbackLeibler), factor.WithAlphaH(0.02), factor.WithMaxNoImprovement(0)), emptyMB, sparseOf(t, withZeros), sparseOf(t, newZeros)},
	}
}

// miniBatchFile is a MiniBatchNMF as a modelFile: it has no objective
// and no feature names.
type miniBatchFile struct{ *factor.MiniBatchNMF }

func (miniBatchFile) Objective() float64     { return math.NaN() }
func (miniBatchFile) FeatureNames() []string { return nil }

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
	if sa, ok := a.(miniBatchFile); ok && sa.NSteps() != b.(miniBatchFile).NSteps() {
		t.Error("NSteps differ")
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

// smallModel returns the model file of a small fitted NMF with feature
// names, for the corruption tests, and the model.
func smallModel(t testing.TB) ([]byte, *factor.NMF) {
	t.Helper()
	m := factor.NewNMF(factor.WithK(2), factor.WithSeed(1), factor.WithMaxIter(20), factor.WithFeatureNames([]string{"a", "b", "c", "d", "e"}))
	if err := m.Fit(randomMatrix(6, 5, 0.1, 0.2, 40)); err != nil {
		t.Fatal(err)
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b, m
}

// smallMiniBatch returns the model file of a small MiniBatchNMF after a
// Fit and a PartialFit, and the model.
func smallMiniBatch(t testing.TB) ([]byte, *factor.MiniBatchNMF) {
	t.Helper()
	m := factor.NewMiniBatchNMF(factor.WithK(2), factor.WithSeed(1), factor.WithMaxIter(4), factor.WithBatchSize(4), factor.WithBeta(factor.KullbackLeibler))
	x := randomMatrix(9, 5, 0.1, 0.2, 43)
	if err := m.Fit(x); err != nil {
		t.Fatal(err)
	}
	if err := m.PartialFit(rowsOf(x, 2, 6)); err != nil {
		t.Fatal(err)
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b, m
}

// smallFile is a small model file for the corruption tests, with a zero
// value of its type and the offsets of k and n in it.
type smallFile struct {
	name     string
	b        []byte
	orig     modelFile
	empty    func() modelFile
	kAt, nAt int
}

func smallFiles(t testing.TB) []smallFile {
	b, m := smallModel(t)
	mb, mm := smallMiniBatch(t)
	ib, im := smallImplicit(t)
	return []smallFile{
		{"NMF", b, m, func() modelFile { return new(factor.NMF) }, 14, 88},
		// Kind 3's options take 4 bytes, and its own settings 40 more.
		{"MiniBatchNMF", mb, miniBatchFile{mm}, func() modelFile { return miniBatchFile{new(factor.MiniBatchNMF)} }, 16, 130},
		// Kind 4's own settings, confidence and CG steps, take 16 bytes.
		{"ImplicitALS", ib, implicitFile{im}, func() modelFile { return implicitFile{new(factor.ImplicitALS)} }, 16, 106},
	}
}

// implicitFile is an ImplicitALS as a modelFile: it has no reconstruction
// error, feature names or inverse transform.
type implicitFile struct{ *factor.ImplicitALS }

func (implicitFile) ReconstructionErr() float64 { return math.NaN() }
func (implicitFile) FeatureNames() []string     { return nil }
func (implicitFile) InverseTransform(mat.Matrix) (*mat.Dense, error) {
	return nil, errors.New("ImplicitALS has no inverse transform")
}

// smallImplicit returns the model file of a small fitted ImplicitALS, and
// the model.
func smallImplicit(t testing.TB) ([]byte, *factor.ImplicitALS) {
	t.Helper()
	m := factor.NewImplicitALS(factor.WithK(2), factor.WithSeed(1), factor.WithConfidence(3), factor.WithCGSteps(2))
	if err := m.Fit(sparseOf(t, randomMatrix(7, 5, 0.5, 0.5, 44))); err != nil {
		t.Fatal(err)
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b, m
}

// TestImplicitModelRoundTrip: a loaded ImplicitALS is the fitted one: the
// same factors, record and settings, the same recommendations (which leave
// out the fitted interactions the file carries), similar items and
// fold-ins, bit for bit, and it marshals to the same bytes, also through
// WriteTo and ReadFrom.
func TestImplicitModelRoundTrip(t *testing.T) {
	x := sparseOf(t, randomMatrix(30, 12, 0.5, 0.7, 45))
	m := factor.NewImplicitALS(factor.WithK(3), factor.WithAlpha(0.1), factor.WithConfidence(5), factor.WithSeed(2), factor.WithMaxIter(8))
	if err := m.Fit(x); err != nil {
		t.Fatal(err)
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil || !bytes.Equal(buf.Bytes(), b) {
		t.Fatalf("WriteTo differs from MarshalBinary (%v)", err)
	}
	var loaded factor.ImplicitALS
	if err := loaded.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !sameBits(m.W(), loaded.W()) || !sameBits(m.H(), loaded.H()) || m.NIter() != loaded.NIter() ||
		math.Float64bits(m.Objective()) != math.Float64bits(loaded.Objective()) || !slices.Equal(m.History(), loaded.History()) {
		t.Error("factors or record differ")
	}
	for user := range 30 {
		ia, sa, errA := m.Recommend(user, 4)
		ib, sb, errB := loaded.Recommend(user, 4)
		if errA != nil || errB != nil || !slices.Equal(ia, ib) || !slices.Equal(sa, sb) {
			t.Fatalf("user %d: recommendations differ: %v %v, %v %v (%v, %v)", user, ia, sa, ib, sb, errA, errB)
		}
	}
	for item := range 12 {
		ia, sa, _ := m.SimilarItems(item, 3)
		ib, sb, _ := loaded.SimilarItems(item, 3)
		if !slices.Equal(ia, ib) || !slices.Equal(sa, sb) {
			t.Fatalf("item %d: similar items differ", item)
		}
	}
	fresh := sparseOf(t, randomMatrix(3, 12, 0.5, 0.6, 46))
	wa, errA := m.Transform(fresh)
	wb, errB := loaded.Transform(fresh)
	if errA != nil || errB != nil || !sameBits(wa, wb) {
		t.Errorf("Transform differs (%v, %v)", errA, errB)
	}
	if again, err := loaded.MarshalBinary(); err != nil || !bytes.Equal(again, b) {
		t.Errorf("the loaded model marshals to other bytes (%v)", err)
	}
	var two bytes.Buffer
	two.Write(b)
	two.Write(b)
	var r1, r2 factor.ImplicitALS
	n1, err1 := r1.ReadFrom(&two)
	n2, err2 := r2.ReadFrom(&two)
	if err1 != nil || err2 != nil || n1 != int64(len(b)) || n2 != int64(len(b)) || !sameBits(r2.W(), m.W()) {
		t.Errorf("ReadFrom of two files in a stream: %d %v, %d %v", n1, err1, n2, err2)
	}
	if err := new(factor.NMF).UnmarshalBinary(b); !errors.Is(err, factor.ErrFormat) || !strings.Contains(err.Error(), "ImplicitALS") {
		t.Errorf("an ImplicitALS file as an NMF: %v, want ErrFormat naming the kind", err)
	}
	if _, err := new(factor.ImplicitALS).MarshalBinary(); !errors.Is(err, factor.ErrNotFitted) {
		t.Errorf("zero ImplicitALS: %v, want ErrNotFitted", err)
	}
}

// TestModelTruncated: every proper prefix of a model file, the empty one
// included, is an error wrapping ErrFormat, and leaves the model it was
// read into as it was.
func TestModelTruncated(t *testing.T) {
	for _, f := range smallFiles(t) {
		b, m := f.b, f.empty()
		for n := range len(b) {
			if err := m.UnmarshalBinary(b[:n]); !errors.Is(err, factor.ErrFormat) {
				t.Fatalf("%s: first %d of %d bytes: %v, want ErrFormat", f.name, n, len(b), err)
			}
			if _, err := f.empty().ReadFrom(bytes.NewReader(b[:n])); !errors.Is(err, factor.ErrFormat) {
				t.Fatalf("%s: ReadFrom of the first %d of %d bytes: %v, want ErrFormat", f.name, n, len(b), err)
			}
		}
		if m.W() != nil {
			t.Errorf("%s: a failed UnmarshalBinary changed the model", f.name)
		}
		if err := m.UnmarshalBinary(append(slices.Clone(b), 0)); !errors.Is(err, factor.ErrFormat) {
			t.Errorf("%s: a byte after the model: %v, want ErrFormat", f.name, err)
		}
		if err := m.UnmarshalBinary(b); err != nil || !sameBits(m.W(), f.orig.W()) {
			t.Errorf("%s: the whole file: %v", f.name, err)
		}
	}
}

// TestModelBytesChanged: every single-byte change of a model file (each
// byte xor-ed with 1, 0x80 and a seeded random value) is an error wrapping
// ErrFormat: CRC-32C detects every change of up to 32 bits.
func TestModelBytesChanged(t *testing.T) {
	for _, f := range smallFiles(t) {
		b := f.b
		rng := rand.New(rand.NewPCG(7, 8))
		changed := 0
		for i := range b {
			for _, x := range []byte{1, 0x80, byte(1 + rng.IntN(255))} {
				c := slices.Clone(b)
				c[i] ^= x
				if err := f.empty().UnmarshalBinary(c); !errors.Is(err, factor.ErrFormat) {
					t.Fatalf("%s: byte %d xor %#x: %v, want ErrFormat", f.name, i, x, err)
				}
				changed++
			}
		}
		t.Logf("%s: %d changed files of %d bytes refused", f.name, changed, len(b))
	}
}

// resum returns c with its checksum made valid again.
func resum(c []byte) []byte {
	binary.LittleEndian.PutUint32(c[len(c)-4:], crc32.Checksum(c[:len(c)-4], crc32.MakeTable(crc32.Castagnoli)))
	return c
}

// hostile returns the model file f with n, m, k and the history length
// replaced, and a valid checksum of whatever follows: a hostile file that
// only its declared sizes make large.
func hostile(f smallFile, n, m, k, history uint64) []byte {
	c := slices.Clone(f.b)
	kAt, nAt := f.kAt, f.nAt
	binary.LittleEndian.PutUint64(c[kAt:], k)
	binary.LittleEndian.PutUint64(c[nAt:], n)
	binary.LittleEndian.PutUint64(c[nAt+8:], m)
	binary.LittleEndian.PutUint64(c[nAt+32:], history)
	return resum(c)
}

// TestModelHostileHeaders: files that declare 10¹² rows, a huge k or
// history, or sizes that overflow, are errors wrapping ErrFormat, and
// decoding them allocates less than a few MB (as UnmarshalBinary and as
// ReadFrom, which cannot know the file's length).
func TestModelHostileHeaders(t *testing.T) {
	for _, f := range smallFiles(t) {
		n, m, k := f.orig.W().RawMatrix().Rows, f.orig.H().RawMatrix().Cols, uint64(2)
		hist := uint64(len(f.orig.History()))
		rows, cols := uint64(n), uint64(m)
		if err := f.empty().UnmarshalBinary(hostile(f, rows, cols, k, hist)); err != nil {
			t.Fatalf("%s: the untouched sizes must load (offsets wrong?): %v", f.name, err)
		}
		for _, h := range []struct {
			name          string
			n, m, k, hist uint64
		}{
			{"1e12 rows", 1e12, cols, k, hist},
			{"1e12 columns", rows, 1e12, k, hist},
			{"k = 2^62", rows, cols, 1 << 62, hist},
			{"history of 2^40", rows, cols, k, 1 << 40},
			{"rows × k past the limit", 1 << 39, cols, 1 << 20, hist},
			{"zero rows", 0, cols, k, hist},
			// Within the bounds, but not backed by the file's bytes: refused
			// by the length check, or, streamed, when the bytes run out.
			{"2^30 rows", 1 << 30, cols, k, hist},
			{"2^30 columns", rows, 1 << 30, k, hist},
		} {
			file := hostile(f, h.n, h.m, h.k, h.hist)
			for _, how := range []string{"UnmarshalBinary", "ReadFrom"} {
				var err error
				allocated := bytesAllocated(func() {
					if how == "ReadFrom" {
						_, err = f.empty().ReadFrom(bytes.NewReader(file))
					} else {
						err = f.empty().UnmarshalBinary(file)
					}
				})
				if !errors.Is(err, factor.ErrFormat) {
					t.Errorf("%s, %s, %s: %v, want ErrFormat", f.name, h.name, how, err)
				}
				if allocated > 4<<20 {
					t.Errorf("%s, %s, %s: allocated %d bytes", f.name, h.name, how, allocated)
				}
			}
		}
	}
}

// TestModelHostileName: a feature name declared 1 MiB long in a file of a
// few hundred bytes is refused before it is allocated (UnmarshalBinary),
// or grown only as far as its bytes go (ReadFrom).
func TestModelHostileName(t *testing.T) {
	b, _ := smallModel(t)
	hist := int(binary.LittleEndian.Uint64(b[120:]))
	first := 128 + 8*hist + 8*(6*2+2*5) + 8 // the first name's length
	c := slices.Clone(b)
	binary.LittleEndian.PutUint32(c[first:], 1<<20)
	resum(c)
	var err error
	if n := bytesAllocated(func() { err = new(factor.NMF).UnmarshalBinary(c) }); !errors.Is(err, factor.ErrFormat) || n > 1<<19 {
		t.Errorf("UnmarshalBinary: %v after %d bytes allocated; want ErrFormat and less than the name", err, n)
	}
	if n := bytesAllocated(func() { _, err = new(factor.NMF).ReadFrom(bytes.NewReader(c)) }); !errors.Is(err, factor.ErrFormat) || n > 1<<19 {
		t.Errorf("ReadFrom: %v after %d bytes allocated; want ErrFormat", err, n)
	}
	// The name count must agree with the option set.
	d := slices.Clone(b)
	binary.LittleEndian.PutUint16(d[12:], binary.LittleEndian.Uint16(d[12:])&^(1<<13))
	resum(d)
	if err := new(factor.NMF).UnmarshalBinary(d); !errors.Is(err, factor.ErrFormat) {
		t.Errorf("names without WithFeatureNames among the options: %v, want ErrFormat", err)
	}
}

// bytesAllocated returns the bytes f allocates.
func bytesAllocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestModelVersionAndKind: a file of a newer format version is a clear
// error naming both versions, a file of the other model type an error
// naming both types, an unfitted model's marshal ErrNotFitted.
func TestModelVersionAndKind(t *testing.T) {
	b, _ := smallModel(t)
	newer := slices.Clone(b)
	binary.LittleEndian.PutUint16(newer[8:], 7)
	err := new(factor.NMF).UnmarshalBinary(newer)
	if !errors.Is(err, factor.ErrFormat) || !strings.Contains(err.Error(), "version 7") || !strings.Contains(err.Error(), "versions 1 to 2") {
		t.Errorf("newer version: %v, want ErrFormat naming version 7 and the versions read, 1 to 2", err)
	}
	if err := new(factor.VanillaALS).UnmarshalBinary(b); !errors.Is(err, factor.ErrFormat) || !strings.Contains(err.Error(), "NMF") {
		t.Errorf("an NMF file as a VanillaALS: %v, want ErrFormat naming the kinds", err)
	}
	if _, err := factor.NewNMF(factor.WithK(2)).MarshalBinary(); !errors.Is(err, factor.ErrNotFitted) {
		t.Errorf("unfitted NMF: %v, want ErrNotFitted", err)
	}
	if _, err := new(factor.VanillaALS).MarshalBinary(); !errors.Is(err, factor.ErrNotFitted) {
		t.Errorf("zero VanillaALS: %v, want ErrNotFitted", err)
	}
}

// TestModelGolden holds the format to committed files, one per model type,
// so that a change of the format is a visible diff: the files load and
// marshal back to their bytes, and on amd64 (where they were made; other
// architectures may fuse multiply-adds) a fit of the same data with the
// same settings marshals to the same bytes. There is a set of files for
// each of amd64's kernel paths, as their fits differ in the last bits:
// testdata/models for the portable kernels (-tags purego, or no AVX2 and
// FMA), testdata/models/avx2 for the assembly ones, whose multiply-adds
// are fused. A fit is held to the bytes of its own path's file; the files
// of both paths load and marshal back on either. go test -run
// TestModelGolden -update rewrites the files of the path in use.
func TestModelGolden(t *testing.T) {
	for _, c := range modelCases(t) {
		if c.name != "nmf-hals" && c.name != "als" && c.name != "minibatch" {
			continue
		}
		b, err := c.fitted(t).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		checkGolden(t, c.name, b, c.empty())
	}
	b, _ := smallImplicit(t)
	checkGolden(t, "implicit", b, implicitFile{new(factor.ImplicitALS)})
}

// checkGolden holds the model file b of a fit to testdata/models/NAME.model
// (rewriting it with -update), and checks that the file loads into empty
// and marshals back to its bytes.
func checkGolden(t *testing.T, name string, b []byte, empty modelFile) {
	t.Helper()
	paths := map[string]string{
		"go":   filepath.Join("testdata", "models", name+".model"),
		"avx2": filepath.Join("testdata", "models", "avx2", name+".model"),
	}
	own := paths[factor.KernelPath()]
	if *update {
		if err := os.WriteFile(own, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range paths {
		golden, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if path == own && runtime.GOARCH == "amd64" && !bytes.Equal(b, golden) {
			t.Errorf("%s: the model file differs from %s (a format change? then -update)", name, path)
		}
		if err := empty.UnmarshalBinary(golden); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if again, err := empty.MarshalBinary(); err != nil || !bytes.Equal(again, golden) {
			t.Errorf("%s loads, but marshals back to other bytes (%v)", path, err)
		}
	}
}

// TestLoadedModelConcurrentTransform: a loaded model, like a fitted one,
// may be used from many goroutines at once (run under -race).
func TestLoadedModelConcurrentTransform(t *testing.T) {
	b, orig := smallModel(t)
	var m factor.NMF
	if err := m.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	x := randomMatrix(8, 5, 0.1, 0.2, 41)
	want, err := orig.Transform(x)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, err := m.Transform(x); err != nil || !sameBits(got, want) {
				t.Errorf("concurrent Transform of a loaded model: %v", err)
			}
		}()
	}
	wg.Wait()
}

// FuzzUnmarshal: no input makes UnmarshalBinary panic; what it accepts
// marshals back to the same bytes (so nothing loads that differs from its
// file).
func FuzzUnmarshal(f *testing.F) {
	b, _ := smallModel(f)
	f.Add(b)
	for _, n := range []int{0, 8, 11, 20, 90, len(b) / 2, len(b) - 1} {
		f.Add(b[:n])
	}
	a := factor.NewVanillaALS(factor.WithK(2), factor.WithAlpha(0.1))
	if err := a.Fit(randomMatrix(6, 5, -0.5, 0, 42)); err != nil {
		f.Fatal(err)
	}
	ab, _ := a.MarshalBinary()
	f.Add(ab)
	mb, _ := smallMiniBatch(f)
	for _, n := range []int{0, 12, 16, 90, 140, len(mb) / 2, len(mb) - 1, len(mb)} {
		f.Add(mb[:n])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, m := range []interface {
			encoding.BinaryMarshaler
			encoding.BinaryUnmarshaler
		}{new(factor.NMF), new(factor.VanillaALS), new(factor.MiniBatchNMF)} {
			if err := m.UnmarshalBinary(data); err == nil {
				again, err := m.MarshalBinary()
				if err != nil || !bytes.Equal(again, data) {
					t.Fatalf("%T accepted a file that marshals back to other bytes (%v)", m, err)
				}
			} else if !errors.Is(err, factor.ErrFormat) {
				t.Fatalf("%T: error %v does not wrap ErrFormat", m, err)
			}
		}
	})
}

// TestMiniBatchModelMidStream: a PartialFit stream cut after any chunk,
// saved, loaded into a zero value (by UnmarshalBinary or ReadFrom) and
// continued with the remaining chunks ends in the same bits as the stream
// that was not cut: the same model file, A, B and ρ included, so the same
// W, H, NSteps, NIter and History. A stream that starts from a Fit
// continues the same way.
func TestMiniBatchModelMidStream(t *testing.T) {
	x := randomMatrix(40, 12, 0.05, 0.3, 51)
	xNew := randomMatrix(5, 12, 0.05, 0.3, 52)
	const chunk = 8
	for _, c := range []struct {
		name   string
		sparse bool
		opts   []factor.Option
		fit    bool
	}{
		{"frobenius", false, nil, false},
		{"frobenius-csr", true, []factor.Option{factor.WithAlpha(0.01), factor.WithL1Ratio(0.5)}, false},
		{"kl", false, []factor.Option{factor.WithBeta(factor.KullbackLeibler), factor.WithForgetFactor(0.3)}, false},
		{"kl-csr", true, []factor.Option{factor.WithBeta(factor.KullbackLeibler), factor.WithFreshRestartsMaxIter(5)}, false},
		{"after-fit", false, []factor.Option{factor.WithMaxIter(3)}, true},
		{"after-fit-kl-csr", true, []factor.Option{factor.WithBeta(factor.KullbackLeibler), factor.WithMaxIter(3)}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			chunks := make([]mat.Matrix, 0, 5)
			for lo := 0; lo < 40; lo += chunk {
				d := rowsOf(x, lo, lo+chunk)
				if c.sparse {
					d = sparseOf(t, d.(*mat.Dense))
				}
				chunks = append(chunks, d)
			}
			newModel := func() *factor.MiniBatchNMF {
				m := factor.NewMiniBatchNMF(append([]factor.Option{factor.WithK(3), factor.WithSeed(5), factor.WithBatchSize(10)}, c.opts...)...)
				if c.fit {
					var all mat.Matrix = x
					if c.sparse {
						all = sparseOf(t, x)
					}
					if err := m.Fit(all); err != nil {
						t.Fatal(err)
					}
				}
				return m
			}
			partial := func(m *factor.MiniBatchNMF, from []mat.Matrix) {
				for _, d := range from {
					if err := m.PartialFit(d); err != nil {
						t.Fatal(err)
					}
				}
			}
			whole := newModel()
			partial(whole, chunks)
			want, err := whole.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			for cut := range len(chunks) {
				first := newModel()
				partial(first, chunks[:cut])
				saved, err := first.MarshalBinary()
				if cut == 0 && !c.fit {
					if !errors.Is(err, factor.ErrNotFitted) {
						t.Errorf("a model before any Fit or PartialFit marshals with %v, want ErrNotFitted", err)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				var loaded factor.MiniBatchNMF
				if cut%2 == 0 {
					err = loaded.UnmarshalBinary(saved)
				} else {
					_, err = loaded.ReadFrom(bytes.NewReader(saved))
				}
				if err != nil {
					t.Fatal(err)
				}
				sameModel(t, miniBatchFile{first}, miniBatchFile{&loaded}, xNew)
				partial(&loaded, chunks[cut:])
				got, err := loaded.MarshalBinary()
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("cut after %d chunks: the continued stream differs from the whole (%v)", cut, err)
				}
				sameModel(t, miniBatchFile{whole}, miniBatchFile{&loaded}, xNew)
			}
		})
	}
}

// TestMiniBatchModelChecks: a MiniBatchNMF file is refused as another
// type and another type's file as a MiniBatchNMF, naming both; a zero
// MiniBatchNMF marshals with ErrNotFitted; a file whose option set has a
// bit no model file keeps (here WithProgress) or whose record disagrees
// with its online state (more steps than history entries) is refused,
// even with a valid checksum.
func TestMiniBatchModelChecks(t *testing.T) {
	mb, _ := smallMiniBatch(t)
	nmf, _ := smallModel(t)
	if err := new(factor.NMF).UnmarshalBinary(mb); !errors.Is(err, factor.ErrFormat) || !strings.Contains(err.Error(), "MiniBatchNMF") {
		t.Errorf("a MiniBatchNMF file as an NMF: %v, want ErrFormat naming the kinds", err)
	}
	if err := new(factor.MiniBatchNMF).UnmarshalBinary(nmf); !errors.Is(err, factor.ErrFormat) || !strings.Contains(err.Error(), "NMF") {
		t.Errorf("an NMF file as a MiniBatchNMF: %v, want ErrFormat naming the kinds", err)
	}
	if _, err := new(factor.MiniBatchNMF).MarshalBinary(); !errors.Is(err, factor.ErrNotFitted) {
		t.Errorf("zero MiniBatchNMF: %v, want ErrNotFitted", err)
	}
	if _, err := factor.NewMiniBatchNMF(factor.WithK(2)).WriteTo(new(bytes.Buffer)); !errors.Is(err, factor.ErrNotFitted) {
		t.Errorf("unfitted MiniBatchNMF's WriteTo: %v, want ErrNotFitted", err)
	}
	const progress = 1 << 12
	withProgress := slices.Clone(nmf)
	binary.LittleEndian.PutUint16(withProgress[12:], binary.LittleEndian.Uint16(nmf[12:])|progress)
	if err := new(factor.NMF).UnmarshalBinary(resum(withProgress)); !errors.Is(err, factor.ErrFormat) || !strings.Contains(err.Error(), "options") {
		t.Errorf("an NMF file with WithProgress's bit: %v, want ErrFormat about the options", err)
	}
	withProgress = slices.Clone(mb)
	binary.LittleEndian.PutUint32(withProgress[12:], binary.LittleEndian.Uint32(mb[12:])|progress)
	if err := new(factor.MiniBatchNMF).UnmarshalBinary(resum(withProgress)); !errors.Is(err, factor.ErrFormat) || !strings.Contains(err.Error(), "options") {
		t.Errorf("a MiniBatchNMF file with WithProgress's bit: %v, want ErrFormat about the options", err)
	}
	// The steps count follows W and H: after the history (at 170), W (4×2)
	// and H (2×5), and the epochs.
	hist := int(binary.LittleEndian.Uint64(mb[162:]))
	stepsAt := 170 + 8*hist + 8*(4*2+2*5) + 8
	if got := binary.LittleEndian.Uint64(mb[stepsAt:]); got != uint64(hist) {
		t.Fatalf("steps %d at %d, want %d (offsets wrong?)", got, stepsAt, hist)
	}
	c := slices.Clone(mb)
	binary.LittleEndian.PutUint64(c[stepsAt:], uint64(hist+1))
	if err := new(factor.MiniBatchNMF).UnmarshalBinary(resum(c)); !errors.Is(err, factor.ErrFormat) {
		t.Errorf("more steps than history entries: %v, want ErrFormat", err)
	}
	// After the steps come ρ, then A and B (2×5 each): an online state the
	// update cannot use (B = 0, A < 0), and a negative H, are refused.
	aAt := stepsAt + 16
	for _, bad := range []struct {
		name string
		at   int
		v    float64
	}{{"B = 0", aAt + 8*10, 0}, {"A < 0", aAt, -1}, {"H < 0", 170 + 8*hist + 8*(4*2), -1}} {
		c := slices.Clone(mb)
		binary.LittleEndian.PutUint64(c[bad.at:], math.Float64bits(bad.v))
		if err := new(factor.MiniBatchNMF).UnmarshalBinary(resum(c)); !errors.Is(err, factor.ErrFormat) {
			t.Errorf("%s: %v, want ErrFormat", bad.name, err)
		}
	}
}

// TestModelFlags: a model fitted WithObservedOnly (or, for VanillaALS,
// WithCountScaledAlpha or WithNonNegative) is written as format version 2
// with its flags at byte 11, so that a reader before version 2 refuses it
// rather than transform it another way; the flags come back on loading,
// and a version-1 file with flags, or an unknown flag, is refused.
func TestModelFlags(t *testing.T) {
	x := sparseOf(t, randomMatrix(12, 6, 0.1, 0.3, 41))
	cases := []struct {
		name  string
		model modelFile
		empty modelFile
		flags byte
	}{
		{"nmf", factor.NewNMF(factor.WithK(2), factor.WithObservedOnly()), new(factor.NMF), 1},
		{"als", factor.NewVanillaALS(factor.WithK(2), factor.WithAlpha(0.1), factor.WithObservedOnly(), factor.WithCountScaledAlpha(), factor.WithNonNegative()), new(factor.VanillaALS), 7},
		{"als-nonneg", factor.NewVanillaALS(factor.WithK(2), factor.WithAlpha(0.1), factor.WithNonNegative()), new(factor.VanillaALS), 4},
	}
	for _, c := range cases {
		if err := c.model.Fit(x); err != nil {
			t.Fatal(err)
		}
		b, err := c.model.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if v := binary.LittleEndian.Uint16(b[8:]); v != 2 || b[11] != c.flags {
			t.Errorf("%s: version %d flags %#x, want 2 and %#x", c.name, v, b[11], c.flags)
		}
		if err := c.empty.UnmarshalBinary(b); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		// A new row with all of its entries missing but one: the loaded
		// model reads the unstored entries as missing, as the fitted one.
		row, err := factor.NewCSR(1, 6, []int{0, 1}, []int{2}, []float64{0.7})
		if err != nil {
			t.Fatal(err)
		}
		a, errA := c.model.Transform(row)
		l, errL := c.empty.Transform(row)
		if errA != nil || errL != nil || !sameBits(a, l) {
			t.Errorf("%s: Transform of the loaded model differs (%v, %v)", c.name, errA, errL)
		}
		v1 := slices.Clone(b)
		binary.LittleEndian.PutUint16(v1[8:], 1)
		unknown := slices.Clone(b)
		unknown[11] |= 0x80
		for what, bad := range map[string][]byte{"version 1 with flags": v1, "unknown flag": unknown} {
			if err := c.empty.UnmarshalBinary(resum(bad)); !errors.Is(err, factor.ErrFormat) || !strings.Contains(err.Error(), "flags") {
				t.Errorf("%s, %s: %v, want ErrFormat about the flags", c.name, what, err)
			}
		}
	}
	plain, _ := smallModel(t)
	if v := binary.LittleEndian.Uint16(plain[8:]); v != 1 || plain[11] != 0 {
		t.Errorf("a model without flags: version %d flags %#x, want version 1 as before", v, plain[11])
	}
}
