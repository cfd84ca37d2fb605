package factorbeam

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/factorgo/factor"
	"github.com/factorgo/factor/internal/modelfile"
	"gonum.org/v1/gonum/mat"
)

// DefaultBlockRows is the rows of a block unless Config says otherwise.
const DefaultBlockRows = 4096

// Config is a fit to run as a Beam pipeline.
type Config struct {
	Settings
	// Input is the input files, as ListInput returns them.
	Input *Input
	// BlockRows is the rows of a block: block g holds X's rows g·B to
	// (g+1)·B − 1, and its sums are an m×k and a k×k matrix. 0 means
	// DefaultBlockRows.
	BlockRows int
	// InitFrom is a model file (factor -save, factor-beam -save, or the
	// library's MarshalBinary) whose W and H start the fit, or "" for a
	// random start.
	InitFrom string
	// Out is the directory of the outputs W.csv, H.csv and history.csv.
	Out string
	// Save is the model file to write, or "" for none.
	Save string
}

// Fit adds a fit of the settings to the pipeline of s: it reads the input
// into blocks of rows, runs the rounds of factor.RowBlocks on them (the
// start, the iterations and the exact rounds, unrolled: a state that is
// done passes the later rounds unchanged), and writes the outputs. The
// settings are checked here, by the library, and so are the paths; the
// data, the model of InitFrom and the outputs are read and written when
// the pipeline runs, whose errors Message words.
func Fit(s beam.Scope, c Config) error {
	if c.Input == nil || len(c.Input.Shards) == 0 {
		return errors.New("no input files")
	}
	if c.BlockRows == 0 {
		c.BlockRows = DefaultBlockRows
	}
	switch {
	case c.BlockRows < 1:
		return fmt.Errorf("%d rows a block: want at least 1", c.BlockRows)
	case c.Out == "":
		return errors.New("no output directory")
	}
	if c.FeatureNames == nil {
		c.FeatureNames = c.Input.Header
	}
	_, rb, err := c.newModel()
	if err != nil {
		return err
	}
	for _, p := range []string{c.Out, c.Save, c.InitFrom} {
		if p != "" {
			if _, err := filesystem.New(context.Background(), p); err != nil {
				return err
			}
		}
	}
	s = s.Scope("factor")
	shards := make([]shard, len(c.Input.Shards))
	for i, p := range c.Input.Shards {
		shards[i] = shard{Index: i, Path: p}
	}
	files := beam.Reshuffle(s, beam.CreateList(s, shards))
	pieces := beam.ParDo(s, &readFn{BlockRows: c.BlockRows, MatrixMarket: c.Input.MatrixMarket}, files)
	data := beam.Combine(s, &factsFn{}, beam.ParDo(s, pieceFacts, pieces))
	keyed := beam.ParDo(s, &rekeyFn{BlockRows: c.BlockRows}, pieces, beam.SideInput{Input: data})
	var start beam.PCollection
	if c.InitFrom != "" {
		var w0 beam.PCollection
		w0, start = beam.ParDo2(s, &loadFn{Path: c.InitFrom, BlockRows: c.BlockRows, K: c.K}, beam.Impulse(s))
		keyed = beam.Flatten(s, keyed, w0)
	} else {
		start = beam.ParDo(s, noStart, beam.Impulse(s))
	}
	blocks := beam.ParDo(s, &assembleFn{Settings: c.Settings, BlockRows: c.BlockRows, Random: c.InitFrom == ""},
		beam.GroupByKey(s, keyed), beam.SideInput{Input: data})
	state := beam.ParDo(s, &initFn{Settings: c.Settings, InitFrom: c.InitFrom}, beam.Impulse(s),
		beam.SideInput{Input: data}, beam.SideInput{Input: start})
	for r := range rb.Rounds() {
		rs := s.Scope(fmt.Sprintf("round%d", r))
		var sums beam.PCollection
		blocks, sums = beam.ParDo2(rs, &roundFn{Settings: c.Settings}, blocks, beam.SideInput{Input: state})
		state = beam.Combine(rs, &stepFn{Settings: c.Settings}, beam.Flatten(rs, state, sums))
	}
	ws := beam.GroupByKey(s, beam.AddFixedKey(s, beam.ParDo(s, wOf, blocks)))
	beam.ParDo0(s, &writeFn{Settings: c.Settings, Out: c.Out, Save: c.Save}, ws, beam.SideInput{Input: state})
	return nil
}

// facts are what the pipeline learns of X from its pieces: the rows of
// each shard, the columns, and Σx and Σ|x| for the random start.
type facts struct {
	Rows             []int // by shard
	Pieces           int
	MinCols, MaxCols int
	Sum, AbsSum      float64
}

// pieceFacts returns the facts of one piece.
func pieceFacts(p piece) facts {
	f := facts{Rows: make([]int, p.Shard+1), Pieces: 1, MinCols: p.X.cols, MaxCols: p.X.cols}
	f.Rows[p.Shard] = p.X.n
	f.Sum, f.AbsSum = p.X.sums()
	return f
}

// n returns the rows of X.
func (f *facts) n() int {
	n := 0
	for _, r := range f.Rows {
		n += r
	}
	return n
}

// check fails unless X has rows and its files agree on the columns.
func (f *facts) check() error {
	switch {
	case f.MinCols != f.MaxCols:
		return fail("the input files have rows of %d and of %d columns; want one number", f.MinCols, f.MaxCols)
	case f.n() == 0 || f.MaxCols == 0:
		return fail("the input holds no rows of X")
	}
	return nil
}

// factsFn combines the facts of the pieces.
type factsFn struct{}

// MergeAccumulators adds b's facts to a's.
func (factsFn) MergeAccumulators(a, b facts) facts {
	switch {
	case b.Pieces == 0:
		return a
	case a.Pieces == 0:
		return b
	}
	if len(b.Rows) > len(a.Rows) {
		a.Rows = append(a.Rows, make([]int, len(b.Rows)-len(a.Rows))...)
	}
	for i, r := range b.Rows {
		a.Rows[i] += r
	}
	a.Pieces += b.Pieces
	a.MinCols, a.MaxCols = min(a.MinCols, b.MinCols), max(a.MaxCols, b.MaxCols)
	a.Sum += b.Sum
	a.AbsSum += b.AbsSum
	return a
}

// rekeyFn cuts the pieces of the shards at the blocks' boundaries and
// keys each part by its block.
type rekeyFn struct{ BlockRows int }

// ProcessElement keys the parts of p, given the facts of all pieces.
func (f *rekeyFn) ProcessElement(p piece, data facts, emit func(int, piece)) {
	first := p.First
	for _, r := range data.Rows[:p.Shard] {
		first += r
	}
	for lo := 0; lo < p.X.n; {
		g := (first + lo) / f.BlockRows
		hi := min(p.X.n, (g+1)*f.BlockRows-first)
		emit(g, piece{First: first + lo, X: p.X.slice(lo, hi)})
		lo = hi
	}
}

// modelStart is the H and the rows of W of the model a fit starts from.
type modelStart struct {
	N, K, M int
	H       []float64 // k×m
}

// noStart emits no start, for a random start.
func noStart(_ []byte, _ func(modelStart)) {}

// loadFn reads the model file Path and emits its W, in pieces keyed by
// block, and its H.
type loadFn struct {
	Path      string
	BlockRows int
	K         int
}

// ProcessElement reads the model.
func (f *loadFn) ProcessElement(ctx context.Context, _ []byte, emitW func(int, piece), emitStart func(modelStart)) error {
	m, err := ReadModel(ctx, f.Path)
	if err != nil {
		return fail("%v", err)
	}
	w, h := m.Model.W(), m.Model.H()
	n, k := w.Dims()
	_, cols := h.Dims()
	if k != f.K {
		return fail("the model %s has k = %d, not %d", f.Path, k, f.K)
	}
	raw := w.RawMatrix().Data
	for lo := 0; lo < n; lo += f.BlockRows {
		hi := min(lo+f.BlockRows, n)
		emitW(lo/f.BlockRows, piece{First: lo, W: raw[lo*k : hi*k]})
	}
	emitStart(modelStart{N: n, K: k, M: cols, H: h.RawMatrix().Data})
	return nil
}

// ReadModel reads a model file of any kind (factor.NMF, VanillaALS or
// MiniBatchNMF) from path, on any file system Beam has registered.
func ReadModel(ctx context.Context, path string) (*modelfile.Model, error) {
	var m *modelfile.Model
	err := ReadFile(ctx, path, func(r io.Reader) (err error) {
		m, err = modelfile.Read(path, r)
		return err
	})
	return m, err
}

// block is block G of X and W: rows First to First+X.n−1.
type block struct {
	G, First int
	X        rows
	W        []float64 // X.n×k, row-major
}

// assembleFn makes block g of its keyed pieces: the parts of X and, from
// a model, of W; without a model (Random) it draws W.
type assembleFn struct {
	Settings
	BlockRows int
	Random    bool
}

// ProcessElement assembles block g.
func (f *assembleFn) ProcessElement(g int, parts func(*piece) bool, data facts, emit func(block)) error {
	var xs []piece
	var w []float64
	var p piece
	for parts(&p) {
		if p.W != nil {
			w = p.W
		} else {
			xs = append(xs, p)
		}
		p = piece{}
	}
	first := g * f.BlockRows
	if len(xs) == 0 || w == nil && !f.Random || w != nil && len(w) != rowsOf(xs)*f.K {
		// The model's W has other rows than X: initFn reports it.
		return nil
	}
	slices.SortFunc(xs, func(a, b piece) int { return a.First - b.First })
	b := block{G: g, First: first}
	for _, x := range xs {
		if x.First != first+b.X.n {
			return fail("block %d: rows from %d, want %d (the input changed while read?)", g, x.First+1, first+b.X.n+1)
		}
		if err := b.X.appendRows(&x.X); err != nil {
			return fail("block %d: %v", g, err)
		}
	}
	b.W = w
	if f.Random {
		b.W = randomW(&f.Settings, g, b.X.n, &data)
	}
	emit(b)
	return nil
}

// rowsOf returns the rows of X in the pieces.
func rowsOf(xs []piece) int {
	n := 0
	for _, x := range xs {
		n += x.X.n
	}
	return n
}

// The random start: with the library's distributions, but drawn per block
// (from the seed's stream g+1 for block g, stream 0 for H) so that no
// process draws all of W, and so not the library's draws.

// randomScale returns the scale of the random start of the settings for
// X: NMF's √(mean(X)/k), scikit-learn's; VanillaALS's √(mean(|X|)/k),
// numpy-ml's.
func randomScale(s *Settings, data *facts) float64 {
	sum := data.Sum
	if s.solver() == ALS {
		sum = data.AbsSum
	}
	return math.Sqrt(sum / float64(data.n()) / float64(data.MaxCols) / float64(s.K))
}

// randomFill fills f with the random start's entries: |N(0, 1)|·scale for
// NMF, U[0, 1)·scale for VanillaALS.
func randomFill(s *Settings, f []float64, scale float64, rng *rand.Rand) {
	for i := range f {
		if s.solver() == ALS {
			f[i] = scale * rng.Float64()
		} else {
			f[i] = scale * math.Abs(rng.NormFloat64())
		}
	}
}

// randomW returns the random rows of W of block g.
func randomW(s *Settings, g, rows int, data *facts) []float64 {
	w := make([]float64, rows*s.K)
	randomFill(s, w, randomScale(s, data), rand.New(rand.NewPCG(s.Seed, uint64(g)+1)))
	return w
}

// initFn makes the state of the fit from the model's H or a random one.
type initFn struct {
	Settings
	InitFrom string
}

// ProcessElement emits the starting state.
func (f *initFn) ProcessElement(_ []byte, data facts, start func(*modelStart) bool, emit func(roundAcc)) error {
	if err := data.check(); err != nil {
		return err
	}
	n, m := data.n(), data.MaxCols
	h := mat.NewDense(f.K, m, nil)
	var ms modelStart
	if start(&ms) {
		if ms.N != n || ms.M != m {
			return fail("the model %s was fitted to %d×%d data, but X is %d×%d", f.InitFrom, ms.N, ms.M, n, m)
		}
		h = mat.NewDense(ms.K, ms.M, ms.H)
	} else {
		randomFill(&f.Settings, h.RawMatrix().Data, randomScale(&f.Settings, &data), rand.New(rand.NewPCG(f.Seed, 0)))
	}
	_, rb, err := f.newModel()
	if err != nil {
		return fail("%v", err)
	}
	st, err := rb.Start(n, h)
	if err != nil {
		return fail("the start: %s", libMessage(err))
	}
	emit(roundAcc{st: st})
	return nil
}

// roundAcc is the state of a fit between rounds, or the sums of blocks in
// a round: the elements of a round's combine, whose output is the next
// state.
type roundAcc struct {
	st   *factor.RowBlockState
	sums *factor.RowBlockSums
}

// roundFn is a round's work on a block.
type roundFn struct {
	Settings
	rb *factor.RowBlocks
}

// Setup makes the row-block fit of the settings.
func (f *roundFn) Setup() error {
	_, rb, err := f.newModel()
	f.rb = rb
	return err
}

// ProcessElement does the round's part of block b and emits it, changed,
// with its sums.
func (f *roundFn) ProcessElement(b block, state roundAcc, emit func(block), emitSums func(roundAcc)) error {
	x, err := b.X.matrix()
	if err != nil {
		return fail("block %d: %v", b.G, err)
	}
	b.W = slices.Clone(b.W) // elements are not to be changed
	sums, err := f.rb.Block(state.st, x, b.W)
	if err != nil {
		var ee *factor.EntryError
		if errors.As(err, &ee) {
			hint := ""
			if errors.Is(err, factor.ErrNegative) && ee.Matrix == "X" {
				hint = " (NMF needs non-negative data; -solver als takes any sign)"
			}
			return fail("%s row %d, column %d: %s %g%s", ee.Matrix, b.First+ee.Row+1, ee.Col+1, libMessage(ee.Err), ee.Value, hint)
		}
		return fail("rows %d to %d: %s", b.First+1, b.First+b.X.n, libMessage(err))
	}
	emit(b)
	if sums != nil {
		emitSums(roundAcc{sums: sums})
	}
	return nil
}

// stepFn is a round's combine: it adds the blocks' sums to the state and
// steps the state with them.
type stepFn struct {
	Settings
}

// MergeAccumulators adds b to a.
func (f *stepFn) MergeAccumulators(a, b roundAcc) (roundAcc, error) {
	if b.st != nil {
		if a.st != nil {
			return a, fail("two states in one round")
		}
		a.st = b.st
	}
	switch {
	case b.sums == nil:
	case a.sums == nil:
		a.sums = b.sums
	default:
		if err := a.sums.Add(b.sums); err != nil {
			return a, fail("%v", err)
		}
	}
	return a, nil
}

// ExtractOutput steps the state with the sums of all blocks.
func (f *stepFn) ExtractOutput(a roundAcc) (roundAcc, error) {
	if a.st == nil {
		return a, fail("a round without its state")
	}
	_, rb, err := f.newModel()
	if err != nil {
		return a, fail("%v", err)
	}
	if err := rb.Step(a.st, a.sums); err != nil {
		return a, fail("%s", libMessage(err))
	}
	return roundAcc{st: a.st}, nil
}

// wOf returns the rows of W of a block.
func wOf(b block) piece { return piece{First: b.First, W: b.W} }

func init() {
	beam.RegisterType(reflect.TypeOf((*shard)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*facts)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*modelStart)(nil)).Elem())
	beam.RegisterCoder(reflect.TypeOf((*piece)(nil)).Elem(), encodePiece, decodePiece)
	beam.RegisterCoder(reflect.TypeOf((*block)(nil)).Elem(), encodeBlock, decodeBlock)
	beam.RegisterCoder(reflect.TypeOf((*roundAcc)(nil)).Elem(), encodeAcc, decodeAcc)

	register.DoFn3x1[context.Context, shard, func(piece), error](&readFn{})
	register.Function1x1(pieceFacts)
	register.Combiner1[facts](&factsFn{})
	register.DoFn3x0[piece, facts, func(int, piece)](&rekeyFn{})
	register.Function2x0(noStart)
	register.DoFn4x1[context.Context, []byte, func(int, piece), func(modelStart), error](&loadFn{})
	register.DoFn4x1[int, func(*piece) bool, facts, func(block), error](&assembleFn{})
	register.DoFn4x1[[]byte, facts, func(*modelStart) bool, func(roundAcc), error](&initFn{})
	register.DoFn4x1[block, roundAcc, func(block), func(roundAcc), error](&roundFn{})
	register.Combiner1[roundAcc](&stepFn{})
	register.Function1x1(wOf)
	register.DoFn4x1[context.Context, int, func(*piece) bool, roundAcc, error](&writeFn{})
	register.Emitter1[piece]()
	register.Emitter2[int, piece]()
	register.Emitter1[modelStart]()
	register.Emitter1[block]()
	register.Emitter1[roundAcc]()
	register.Iter1[piece]()
	register.Iter1[modelStart]()
}

// encodePiece and the other coders write the fields of the pipeline's
// elements with the encoder of rows.go.
func encodePiece(p piece) []byte { return encodeRows(p.Shard, p.First, &p.X, p.W) }

func decodePiece(b []byte) (piece, error) {
	shard, first, x, w, err := decodeRows(b)
	return piece{Shard: shard, First: first, X: x, W: w}, err
}

func encodeBlock(b block) []byte { return encodeRows(b.G, b.First, &b.X, b.W) }

func decodeBlock(b []byte) (block, error) {
	g, first, x, w, err := decodeRows(b)
	return block{G: g, First: first, X: x, W: w}, err
}

// encodeRows encodes the fields that pieces and blocks share: a key (the
// shard, or the block), the first row, rows of X and rows of W.
func encodeRows(key, first int, x *rows, w []float64) []byte {
	e := &encoder{b: make([]byte, 0, 8*3+rowsSize(x)+8*len(w))}
	e.int(key)
	e.int(first)
	e.rows(x)
	e.floats(w)
	return e.b
}

// decodeRows decodes what encodeRows encoded.
func decodeRows(b []byte) (key, first int, x rows, w []float64, err error) {
	d := &decoder{b: b}
	key, first, x, w = d.int(), d.int(), d.rows(), d.floats()
	return key, first, x, w, d.err
}

func encodeAcc(a roundAcc) ([]byte, error) {
	e := &encoder{}
	for _, m := range []interface{ MarshalBinary() ([]byte, error) }{a.st, a.sums} {
		if reflect.ValueOf(m).IsNil() {
			e.bytes(nil)
			continue
		}
		b, err := m.MarshalBinary()
		if err != nil {
			return nil, err
		}
		e.bytes(b)
	}
	return e.b, nil
}

func decodeAcc(b []byte) (roundAcc, error) {
	d := &decoder{b: b}
	var a roundAcc
	if st := d.bytes(); len(st) > 0 {
		a.st = new(factor.RowBlockState)
		if err := a.st.UnmarshalBinary(st); err != nil {
			return a, err
		}
	}
	if sums := d.bytes(); len(sums) > 0 {
		a.sums = new(factor.RowBlockSums)
		if err := a.sums.UnmarshalBinary(sums); err != nil {
			return a, err
		}
	}
	return a, d.err
}
