package factor_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
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

// TestModelTruncated: every proper prefix of a model file, the empty one
// included, is an error wrapping ErrFormat, and leaves the model it was
// read into as it was.
func TestModelTruncated(t *testing.T) {
	b, orig := smallModel(t)
	m := factor.NewNMF(factor.WithK(2))
	for n := range len(b) {
		if err := m.UnmarshalBinary(b[:n]); !errors.Is(err, factor.ErrFormat) {
			t.Fatalf("first %d of %d bytes: %v, want ErrFormat", n, len(b), err)
		}
		if _, err := new(factor.NMF).ReadFrom(bytes.NewReader(b[:n])); !errors.Is(err, factor.ErrFormat) {
			t.Fatalf("ReadFrom of the first %d of %d bytes: %v, want ErrFormat", n, len(b), err)
		}
	}
	if m.W() != nil {
		t.Error("a failed UnmarshalBinary changed the model")
	}
	if err := m.UnmarshalBinary(append(slices.Clone(b), 0)); !errors.Is(err, factor.ErrFormat) {
		t.Errorf("a byte after the model: %v, want ErrFormat", err)
	}
	if err := m.UnmarshalBinary(b); err != nil || !sameBits(m.W(), orig.W()) {
		t.Errorf("the whole file: %v", err)
	}
}

// TestModelBytesChanged: every single-byte change of a model file (each
// byte xor-ed with 1, 0x80 and a seeded random value) is an error wrapping
// ErrFormat: CRC-32C detects every change of up to 32 bits.
func TestModelBytesChanged(t *testing.T) {
	b, _ := smallModel(t)
	rng := rand.New(rand.NewPCG(7, 8))
	changed := 0
	for i := range b {
		for _, x := range []byte{1, 0x80, byte(1 + rng.IntN(255))} {
			c := slices.Clone(b)
			c[i] ^= x
			if err := new(factor.NMF).UnmarshalBinary(c); !errors.Is(err, factor.ErrFormat) {
				t.Fatalf("byte %d xor %#x: %v, want ErrFormat", i, x, err)
			}
			changed++
		}
	}
	t.Logf("%d changed files of %d bytes refused", changed, len(b))
}

// header returns a model file whose fields are those of b up to the shape,
// with n, m, k and the history length replaced, and a valid checksum of
// whatever follows: a hostile file that only its declared sizes make large.
func hostile(b []byte, n, m, k, history uint64) []byte {
	c := slices.Clone(b)
	const kAt, nAt = 14, 88 // offsets of k and of n (see modelfile.go)
	binary.LittleEndian.PutUint64(c[kAt:], k)
	binary.LittleEndian.PutUint64(c[nAt:], n)
	binary.LittleEndian.PutUint64(c[nAt+8:], m)
	binary.LittleEndian.PutUint64(c[nAt+32:], history)
	sum := crc32.Checksum(c[:len(c)-4], crc32.MakeTable(crc32.Castagnoli))
	binary.LittleEndian.PutUint32(c[len(c)-4:], sum)
	return c
}

// TestModelHostileHeaders: files that declare 10¹² rows, a huge k or
// history, or sizes that overflow, are errors wrapping ErrFormat, and
// decoding them allocates less than a few MB (as UnmarshalBinary and as
// ReadFrom, which cannot know the file's length).
func TestModelHostileHeaders(t *testing.T) {
	b, _ := smallModel(t)
	if err := new(factor.NMF).UnmarshalBinary(hostile(b, 6, 5, 2, 20)); err != nil {
		t.Fatalf("the untouched sizes must load (offsets wrong?): %v", err)
	}
	for _, h := range []struct {
		name          string
		n, m, k, hist uint64
	}{
		{"1e12 rows", 1e12, 5, 2, 20},
		{"1e12 columns", 6, 1e12, 2, 20},
		{"k = 2^62", 6, 5, 1 << 62, 20},
		{"history of 2^40", 6, 5, 2, 1 << 40},
		{"rows × k past the limit", 1 << 39, 5, 1 << 20, 20},
		{"zero rows", 0, 5, 2, 20},
		// Within the bounds, but not backed by the file's bytes: refused
		// by the length check, or, streamed, when the bytes run out.
		{"2^30 rows", 1 << 30, 5, 2, 20},
	} {
		file := hostile(b, h.n, h.m, h.k, h.hist)
		for _, how := range []string{"UnmarshalBinary", "ReadFrom"} {
			var err error
			allocated := bytesAllocated(func() {
				if how == "ReadFrom" {
					_, err = new(factor.NMF).ReadFrom(bytes.NewReader(file))
				} else {
					err = new(factor.NMF).UnmarshalBinary(file)
				}
			})
			if !errors.Is(err, factor.ErrFormat) {
				t.Errorf("%s, %s: %v, want ErrFormat", h.name, how, err)
			}
			if allocated > 4<<20 {
				t.Errorf("%s, %s: allocated %d bytes", h.name, how, allocated)
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
	binary.LittleEndian.PutUint32(c[len(c)-4:], crc32.Checksum(c[:len(c)-4], crc32.MakeTable(crc32.Castagnoli)))
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
	binary.LittleEndian.PutUint32(d[len(d)-4:], crc32.Checksum(d[:len(d)-4], crc32.MakeTable(crc32.Castagnoli)))
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
	if !errors.Is(err, factor.ErrFormat) || !strings.Contains(err.Error(), "version 7") || !strings.Contains(err.Error(), "version 1") {
		t.Errorf("newer version: %v, want ErrFormat naming versions 7 and 1", err)
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
// same settings marshals to the same bytes. go test -run TestModelGolden
// -update rewrites them.
func TestModelGolden(t *testing.T) {
	for _, c := range modelCases(t) {
		if c.name != "nmf-hals" && c.name != "als" {
			continue
		}
		path := filepath.Join("testdata", "models", c.name+".model")
		b, err := c.fitted(t).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		golden, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOARCH == "amd64" && !bytes.Equal(b, golden) {
			t.Errorf("%s: the model file differs from %s (a format change? then -update)", c.name, path)
		}
		loaded := c.empty()
		if err := loaded.UnmarshalBinary(golden); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if again, err := loaded.MarshalBinary(); err != nil || !bytes.Equal(again, golden) {
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
	f.Fuzz(func(t *testing.T, data []byte) {
		var m factor.NMF
		if err := m.UnmarshalBinary(data); err == nil {
			again, err := m.MarshalBinary()
			if err != nil || !bytes.Equal(again, data) {
				t.Fatalf("accepted a file that marshals back to other bytes (%v)", err)
			}
		} else if !errors.Is(err, factor.ErrFormat) {
			t.Fatalf("error %v does not wrap ErrFormat", err)
		}
		var als factor.VanillaALS
		if err := als.UnmarshalBinary(data); err != nil && !errors.Is(err, factor.ErrFormat) {
			t.Fatalf("error %v does not wrap ErrFormat", err)
		}
	})
}
