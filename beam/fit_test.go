package factorbeam

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/factorgo/factor"
	"github.com/factorgo/factor/internal/csvmat"
	"gonum.org/v1/gonum/mat"
)

// TestMain initializes Beam, with the runner's log hidden.
func TestMain(m *testing.M) {
	beamlog.LogLevel = "error"
	beam.Init()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

// The test data of the library, in the repository's root.
const (
	digitsCSV = "../testdata/digits.csv"
	tfidfMTX  = "../testdata/debian6_tfidf.mtx"
)

// runFit runs the fit c on Prism, in this process, with the input pattern.
func runFit(t testing.TB, c Config, pattern string) error {
	t.Helper()
	in, err := ListInput(context.Background(), pattern)
	if err != nil {
		t.Fatal(err)
	}
	c.Input = in
	p, s := beam.NewPipelineWithRoot()
	if err := Fit(s, c); err != nil {
		return err
	}
	_, err = prism.Execute(context.Background(), p)
	return err
}

// readX reads a test file as the library's in-memory fit takes it.
func readX(t testing.TB, path string) mat.Matrix {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if strings.HasSuffix(path, ".mtx") {
		x, err := factor.ReadMatrixMarket(f)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	m, err := csvmat.Read(path, f)
	if err != nil {
		t.Fatal(err)
	}
	return m.X
}

// fitted is what the comparison reads of a fitted model.
type fitted interface {
	W() *mat.Dense
	H() *mat.Dense
	History() []float64
	Objective() float64
	ReconstructionErr() float64
}

// saveStart fits x with WithMaxIter(0), which keeps the start, and saves
// the model in dir: the start both fits begin from.
func saveStart(t testing.TB, dir string, x mat.Matrix, als bool, k int) (path string, start fitted) {
	t.Helper()
	var m interface {
		fitted
		Fit(mat.Matrix) error
		MarshalBinary() ([]byte, error)
	}
	if als {
		m = factor.NewVanillaALS(factor.WithK(k), factor.WithMaxIter(0), factor.WithSeed(5))
	} else {
		m = factor.NewNMF(factor.WithK(k), factor.WithMaxIter(0))
	}
	if err := m.Fit(x); err != nil {
		t.Fatal(err)
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "start.model")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, m
}

// inMemory returns the library's fit of x with the settings from the
// start's factors.
func inMemory(t testing.TB, s Settings, x mat.Matrix, start fitted) fitted {
	t.Helper()
	var fit interface {
		fitted
		Fit(mat.Matrix) error
	}
	opts := []factor.Option{factor.WithK(s.K), factor.WithAlpha(s.Alpha), factor.WithTol(s.Tol), factor.WithMaxIter(s.MaxIter),
		factor.WithInitialFactors(start.W(), start.H())}
	switch s.solver() {
	case ALS:
		fit = factor.NewVanillaALS(opts...)
	case MU:
		fit = factor.NewNMF(append(opts, factor.WithL1Ratio(s.L1Ratio), factor.WithSolver(factor.MU))...)
	default:
		fit = factor.NewNMF(append(opts, factor.WithL1Ratio(s.L1Ratio))...)
	}
	if err := fit.Fit(x); err != nil {
		t.Fatal(err)
	}
	return fit
}

// loadModel reads a model file that the pipeline saved.
func loadModel(t testing.TB, path string) fitted {
	t.Helper()
	m, err := ReadModel(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return m.Model.(fitted)
}

// normDiff returns ‖a − b‖_F / ‖b‖_F.
func normDiff(a, b mat.Matrix) float64 {
	var d mat.Dense
	d.Sub(a, b)
	return mat.Norm(&d, 2) / mat.Norm(b, 2)
}

// compare fails unless got agrees with want to 1e-9 relative: W, H, every
// objective of the history, the final objective and the reconstruction
// error. It returns the largest relative difference.
func compare(t *testing.T, got, want fitted) float64 {
	t.Helper()
	const tol = 1e-9
	gh, wh := got.History(), want.History()
	if len(gh) != len(wh) {
		t.Fatalf("%d iterations, the in-memory fit %d", len(gh), len(wh))
	}
	worst := 0.0
	check := func(what string, d float64) {
		if !(d <= tol) {
			t.Errorf("%s differs by %.3g relative", what, d)
		}
		worst = max(worst, d)
	}
	check("W", normDiff(got.W(), want.W()))
	check("H", normDiff(got.H(), want.H()))
	for i := range wh {
		check(fmt.Sprintf("objective %d", i+1), math.Abs(gh[i]-wh[i])/wh[i])
	}
	check("the objective", math.Abs(got.Objective()-want.Objective())/want.Objective())
	check("the reconstruction error", math.Abs(got.ReconstructionErr()-want.ReconstructionErr())/want.ReconstructionErr())
	return worst
}

// shards writes the rows of the test file path into files of the given
// rows each, in dir, as CSV (the first with no header) or as MatrixMarket
// files of their own, and returns their glob.
func shards(t *testing.T, dir, path string, sizes ...int) string {
	t.Helper()
	x := readX(t, path)
	_, m := x.Dims()
	first := 0
	for i, n := range sizes {
		part := mat.NewDense(n, m, nil)
		for r := range n {
			for j := range m {
				part.Set(r, j, x.At(first+r, j))
			}
		}
		first += n
		name := filepath.Join(dir, fmt.Sprintf("part-%03d", i))
		f, err := os.Create(name + map[bool]string{true: ".mtx", false: ".csv"}[strings.HasSuffix(path, ".mtx")])
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(path, ".mtx") {
			err = factor.WriteMatrixMarket(f, sparse(t, part))
		} else {
			err = csvmat.Write(f, part, nil)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if r, _ := x.Dims(); first != r {
		t.Fatalf("shards of %d rows of %d", first, r)
	}
	return filepath.Join(dir, "part-*")
}

// sparse returns a dense matrix as CSR.
func sparse(t *testing.T, d *mat.Dense) *factor.CSR {
	t.Helper()
	r, c := d.Dims()
	var is, js []int
	var vs []float64
	for i := range r {
		for j := range c {
			if v := d.At(i, j); v != 0 {
				is, js, vs = append(is, i), append(js, j), append(vs, v)
			}
		}
	}
	x, err := factor.NewCSRFromTriplets(r, c, is, js, vs)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestMatchInMemory runs the pipeline on Prism from a saved start and
// holds its W, H and objectives to the library's in-memory fit from the
// same start, to 1e-9 relative: the digits (dense CSV) and the Debian
// tf-idf matrix (sparse MatrixMarket) in several blocks, whole files and
// shards whose boundaries cut blocks, HALS (also with the stopping rule
// ending the fit before -max-iter), MU and ridge ALS.
func TestMatchInMemory(t *testing.T) {
	cases := []struct {
		name      string
		data      string
		shards    []int // rows of each shard; none for the file as it is
		blockRows int
		s         Settings
	}{
		{"digits/hals", digitsCSV, nil, 500, Settings{K: 16, MaxIter: 30, Alpha: 0.001, L1Ratio: 0.5}},
		{"digits/als/shards", digitsCSV, []int{600, 450, 747}, 400, Settings{Solver: ALS, K: 10, Alpha: 1, MaxIter: 25}},
		{"digits/mu", digitsCSV, nil, 500, Settings{Solver: MU, K: 8, MaxIter: 15}},
		{"tfidf/hals/tol", tfidfMTX, nil, 400, Settings{K: 6, Tol: 1e-3, MaxIter: 30}},
		{"tfidf/als/shards", tfidfMTX, []int{700, 781}, 300, Settings{Solver: ALS, K: 6, Alpha: 0.1, MaxIter: 20}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			x := readX(t, c.data)
			startPath, start := saveStart(t, dir, x, c.s.Solver == ALS, c.s.K)
			want := inMemory(t, c.s, x, start)
			if c.s.Tol > 0 && len(want.History()) >= c.s.MaxIter {
				t.Fatalf("the stopping rule did not stop the in-memory fit before %d iterations", c.s.MaxIter)
			}
			pattern := c.data
			if c.shards != nil {
				pattern = shards(t, dir, c.data, c.shards...)
			}
			if n, _ := x.Dims(); n/c.blockRows < 3 {
				t.Fatalf("%d rows in blocks of %d: want several blocks", n, c.blockRows)
			}
			saved := filepath.Join(dir, "fit.model")
			cfg := Config{Settings: c.s, BlockRows: c.blockRows, InitFrom: startPath, Out: filepath.Join(dir, "out"), Save: saved}
			if err := runFit(t, cfg, pattern); err != nil {
				t.Fatal(Message(err))
			}
			got := loadModel(t, saved)
			worst := compare(t, got, want)
			t.Logf("%d iterations; largest relative difference %.2g", len(want.History()), worst)

			// The CSV outputs hold the model's bits.
			w := readX(t, filepath.Join(dir, "out", "W.csv"))
			h := readX(t, filepath.Join(dir, "out", "H.csv"))
			if !mat.Equal(w, got.W()) || !mat.Equal(h, got.H()) {
				t.Error("W.csv or H.csv differ from the saved model")
			}
		})
	}
}
