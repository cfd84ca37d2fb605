package factorbeam

import (
	"bytes"
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

// TestRandomStart checks the random start drawn without -init-from: the
// library's scale (√(mean(X)/k) times |N(0, 1)|, whose mean is √(2/π), for
// NMF; √(mean(|X|)/k) times U[0, 1), of mean ½, for ALS) in W and H, the
// same draws for the same seed and others for another.
func TestRandomStart(t *testing.T) {
	x := readX(t, digitsCSV)
	n, m := x.Dims()
	meanX := mat.Sum(x) / float64(n*m)
	const k = 16
	start := func(solver Solver, seed uint64) fitted {
		dir := t.TempDir()
		save := filepath.Join(dir, "start.model")
		cfg := Config{Settings: Settings{Solver: solver, K: k, Seed: seed}, BlockRows: 500, Out: filepath.Join(dir, "out"), Save: save}
		if err := runFit(t, cfg, digitsCSV); err != nil {
			t.Fatal(Message(err))
		}
		return loadModel(t, save)
	}
	for _, c := range []struct {
		solver Solver
		mean   float64 // of the distribution times the scale
	}{
		{HALS, math.Sqrt(meanX/k) * math.Sqrt(2/math.Pi)},
		{ALS, math.Sqrt(meanX/k) / 2},
	} {
		a, b, other := start(c.solver, 1), start(c.solver, 1), start(c.solver, 2)
		for name, f := range map[string]*mat.Dense{"W": a.W(), "H": a.H()} {
			r, cols := f.Dims()
			if got := mat.Sum(f) / float64(r*cols); math.Abs(got-c.mean) > 0.05*c.mean {
				t.Errorf("%s: the mean of the random %s is %.4g, want %.4g", c.solver, name, got, c.mean)
			}
			if mat.Min(f) < 0 {
				t.Errorf("%s: the random %s has negative entries", c.solver, name)
			}
		}
		if !mat.Equal(a.W(), b.W()) || !mat.Equal(a.H(), b.H()) {
			t.Errorf("%s: two random starts of seed 1 differ", c.solver)
		}
		if mat.Equal(a.W(), other.W()) || mat.Equal(a.H(), other.H()) {
			t.Errorf("%s: the random starts of seeds 1 and 2 are equal", c.solver)
		}
		if len(a.History()) != 0 {
			t.Errorf("%s: a fit of 0 iterations has a history of %d", c.solver, len(a.History()))
		}
	}
}

// TestErrors checks that bad settings fail when the pipeline is built and
// bad data when it runs, with messages that say what is wrong and where.
func TestErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	digits := readX(t, digitsCSV)
	startPath, _ := saveStart(t, dir, digits, false, 16)
	negative := write("negative.csv", "1,2,3\n4,5,6\n7,8,9\n1,-3,2\n")
	small := write("small.csv", "1,2,3\n4,5,6\n7,8,9\n1,3,2\n")
	fewerRows, _ := saveStart(t, t.TempDir(), mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6}), false, 2)
	unordered := write("unordered.mtx", "%%MatrixMarket matrix coordinate real general\n3 2 3\n2 1 1\n1 2 1\n3 1 1\n")
	damaged := write("damaged.model", "FACTORMF and then nothing a model needs")
	write("ragged/a.csv", "1,2,3\n4,5,6\n")
	write("ragged/b.csv", "1,2\n")
	out := filepath.Join(dir, "out")

	for _, c := range []struct {
		name  string
		cfg   Config
		input string
		want  string
	}{
		{"negative X", Config{Settings: Settings{K: 2}}, negative, "X row 4, column 2: negative entry -3 (NMF needs non-negative data"},
		{"model of other data", Config{Settings: Settings{K: 16}, InitFrom: startPath}, small, "was fitted to 1797×64 data, but X is 4×3"},
		{"model of fewer rows", Config{Settings: Settings{K: 2}, InitFrom: fewerRows, BlockRows: 1}, small, "was fitted to 2×3 data, but X is 4×3"},
		{"model of other k", Config{Settings: Settings{K: 3}, InitFrom: startPath}, digitsCSV, "has k = 16, not 3"},
		{"damaged model", Config{Settings: Settings{K: 3}, InitFrom: damaged}, small, "damaged.model: malformed file"},
		{"ragged shards", Config{Settings: Settings{K: 1}}, filepath.Join(dir, "ragged", "*.csv"), "rows of 2 and of 3 columns"},
		{"unordered", Config{Settings: Settings{K: 1}}, unordered, "unordered.mtx: malformed file: line 4: entry (1, 2) comes after an entry of row 2"},
		{"rank", Config{Settings: Settings{Solver: ALS, K: 4}}, small, "k = 4 must not exceed min(n, m) = 3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.Out = out
			err := runFit(t, c.cfg, c.input)
			if err == nil || !strings.Contains(Message(err), c.want) {
				t.Errorf("error %v; want a message with %q", err, c.want)
			} else if strings.Contains(Message(err), "\n") {
				t.Errorf("Message %q has more than a line", Message(err))
			}
		})
	}
	if _, err := os.Stat(filepath.Join(out, "W.csv")); err == nil {
		t.Error("a failed fit wrote W.csv")
	}

	// Refused when the pipeline is built.
	for _, c := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"k", Config{Settings: Settings{K: 0}, Out: out}, "WithK(0)"},
		{"als l1", Config{Settings: Settings{Solver: ALS, K: 2, L1Ratio: 0.5}, Out: out}, "VanillaALS takes no L1 ratio"},
		{"solver", Config{Settings: Settings{Solver: "kl", K: 2}, Out: out}, `unknown solver "kl"`},
		{"alpha", Config{Settings: Settings{K: 2, Alpha: -1}, Out: out}, "WithAlpha(-1)"},
		{"block rows", Config{Settings: Settings{K: 2}, Out: out, BlockRows: -1}, "-1 rows a block"},
		{"out", Config{Settings: Settings{K: 2}}, "no output directory"},
	} {
		in, err := ListInput(context.Background(), small)
		if err != nil {
			t.Fatal(err)
		}
		c.cfg.Input = in
		_, s := beam.NewPipelineWithRoot()
		if err := Fit(s, c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}

	// Refused when the input is listed.
	write("mixed/a.csv", "1,2\n")
	write("mixed/b.mtx", "%%MatrixMarket matrix coordinate real general\n1 2 1\n1 1 1\n")
	write("headers/a.csv", "x,y\n1,2\n")
	write("headers/b.csv", "x,z\n1,2\n")
	for pattern, want := range map[string]string{
		filepath.Join(dir, "none*.csv"):        "no such file",
		filepath.Join(dir, "mixed", "*"):       "one is MatrixMarket and the other CSV",
		filepath.Join(dir, "headers", "*.csv"): "its CSV header differs",
	} {
		if _, err := ListInput(context.Background(), pattern); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ListInput(%s): %v, want an error with %q", pattern, err, want)
		}
	}
}

// TestOutputs checks what the fit writes: H.csv headed by the CSV header,
// which the saved model holds as its feature names, and nothing at all
// when an output cannot be written (here -out is a file), an earlier
// model file left as it was.
func TestOutputs(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "named.csv")
	if err := os.WriteFile(data, []byte("red,green,blue\n1,0,2\n0,3,1\n2,2,0\n1,1,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, save := filepath.Join(dir, "out"), filepath.Join(dir, "m.model")
	cfg := Config{Settings: Settings{K: 2, MaxIter: 5}, BlockRows: 2, Out: out, Save: save}
	if err := runFit(t, cfg, data); err != nil {
		t.Fatal(Message(err))
	}
	f, err := os.Open(filepath.Join(out, "H.csv"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := csvmat.Read("H.csv", f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(h.Header, ",") != "red,green,blue" {
		t.Errorf("H.csv header %q, want the input's", h.Header)
	}
	var m factor.NMF
	if err := m.UnmarshalBinary(must(os.ReadFile(save))); err != nil {
		t.Fatal(err)
	}
	if strings.Join(m.FeatureNames(), ",") != "red,green,blue" {
		t.Errorf("the model's feature names %q, want the input's", m.FeatureNames())
	}

	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := must(os.ReadFile(save))
	cfg.Out = notDir
	if err := runFit(t, cfg, data); err == nil || !strings.Contains(Message(err), "writing "+notDir+"/W.csv") {
		t.Errorf("-out a file: %v, want an error writing W.csv", err)
	}
	if !bytes.Equal(must(os.ReadFile(save)), before) {
		t.Error("a failed write changed the model file")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("a failed write left %s", e.Name())
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
