package factor

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"

	"gonum.org/v1/gonum/mat"
)

// A model file holds one fitted model. All numbers are little-endian; a
// float64 is its IEEE 754 bits, so a model loads back to the same bits.
//
//	magic        8 bytes  "FACTORMF"
//	version      uint16   1, or 2 when the flags are not 0
//	kind         uint8    1 NMF, 2 VanillaALS, 3 MiniBatchNMF, 4 ImplicitALS
//	flags        uint8    version 1: 0; version 2: bit 0 WithObservedOnly,
//	                      bit 1 WithCountScaledAlpha, bit 2 WithNonNegative
//	settings:
//	  options    uint16   which options were given (WithInitialFactors and
//	                      WithProgress are not saved); uint32 for kinds 3
//	                      and 4, whose options reach past bit 15
//	  k          uint64
//	  alphaW     float64  alphaH, l1Ratio, tol as float64 too
//	  maxIter    uint64   restarts as uint64 too
//	  solver     uint8    init as uint8 too
//	  beta       float64
//	  seed       uint64
//	  kind 3 only: batch size uint64, forget factor float64, max no
//	             improvement, fresh restarts max iter and transform max
//	             iter uint64 each (WithFreshRestarts is its option bit)
//	  kind 4 only: confidence float64, CG steps uint64
//	shape:       n, m     uint64 each
//	fit:         objective, reconstruction error  float64 each
//	history:     count uint64, then count float64
//	W            n·k float64, row-major
//	H            k·m float64, row-major
//	kind 3 only: epochs, steps uint64 each, ρ float64, then A and B of
//	             the online H step, k·m float64 each, row-major as H
//	kind 4 only: the interactions of the fitted data (which Recommend
//	             leaves out): their count c uint64, the row ends of the
//	             CSR pattern (n uint64, the first 0 not written), then
//	             the c column indices uint64
//	features:    count uint64 (0 or m), then each a uint32 length and its UTF-8 bytes
//	checksum     uint32   CRC-32C (Castagnoli) of every byte before it
//
// What Transform needs besides H (the penalty of W, the stopping rule) is
// derived from the settings, as a fit derives it.

const (
	modelMagic   = "FACTORMF"
	modelVersion = 2 // the newest version written and read; 1 has no flags

	kindNMF       byte = 1
	kindALS       byte = 2
	kindMiniBatch byte = 3
	kindImplicit  byte = 4

	// maxDim bounds n, m and k of a model file, and maxName a feature
	// name, so that no declared size can overflow the arithmetic below.
	maxDim  = 1 << 40
	maxName = 1 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// kindNames names the model kinds in messages.
var kindNames = map[byte]string{kindNMF: "an NMF", kindALS: "a VanillaALS", kindMiniBatch: "a MiniBatchNMF", kindImplicit: "an ImplicitALS"}

// savedModel is everything a model file holds, in the form the model types
// are rebuilt from.
type savedModel struct {
	kind     byte
	cfg      config
	n, m     int
	fit      *fitted
	features []string
	online   *savedOnline // kind 3: the state PartialFit continues from
	seen     *CSR         // kind 4: the interactions Recommend leaves out
}

// wideOptions reports whether a kind's option set is written as a uint32.
func wideOptions(kind byte) bool { return kind == kindMiniBatch || kind == kindImplicit }

// savedOptions are the options a model file keeps. Those of kinds 1 and 2
// fit in 16 bits (NMF and VanillaALS refuse miniBatchOnly).
const savedOptions = optK | optAlpha | optAlphaH | optL1Ratio | optTol | optMaxIter |
	optRestarts | optSolver | optBeta | optInit | optSeed | optFeatureNames | miniBatchOnly | implicitOnly

// The flags of a model file: the options that change how a model
// transforms, beyond the 16 option bits of kinds 1 and 2.
const (
	flagObservedOnly byte = 1 << iota
	flagCountScaled
	flagNonNegative

	allFlags = flagObservedOnly | flagCountScaled | flagNonNegative
)

// flagOptions are the options the flags keep, in the order of their bits.
var flagOptions = [...]option{optObservedOnly, optCountScaledAlpha, optNonNegative}

// flags returns the flags of the settings.
func (c *config) flags() byte {
	var f byte
	for b, o := range flagOptions {
		if c.set&o != 0 {
			f |= 1 << b
		}
	}
	return f
}

// setFlags sets the options the flags name.
func (c *config) setFlags(f byte) {
	for b, o := range flagOptions {
		if f&(1<<b) != 0 {
			c.set |= o
		}
	}
	c.observedOnly, c.countScaled, c.nonNegative = c.set&optObservedOnly != 0, c.set&optCountScaledAlpha != 0, c.set&optNonNegative != 0
}

// modelWriter writes the fields of a model file and its checksum.
type modelWriter struct {
	w   io.Writer
	crc hash.Hash32
	n   int64
	err error
	buf [8]byte
}

func (e *modelWriter) bytes(b []byte) {
	if e.err != nil {
		return
	}
	var k int
	k, e.err = e.w.Write(b)
	e.n += int64(k)
	e.crc.Write(b[:k])
}

func (e *modelWriter) u8(v byte) { e.buf[0] = v; e.bytes(e.buf[:1]) }
func (e *modelWriter) u16(v uint16) {
	binary.LittleEndian.PutUint16(e.buf[:2], v)
	e.bytes(e.buf[:2])
}
func (e *modelWriter) u32(v uint32) {
	binary.LittleEndian.PutUint32(e.buf[:4], v)
	e.bytes(e.buf[:4])
}
func (e *modelWriter) u64(v uint64) {
	binary.LittleEndian.PutUint64(e.buf[:8], v)
	e.bytes(e.buf[:8])
}
func (e *modelWriter) int(v int)     { e.u64(uint64(v)) }
func (e *modelWriter) f64(v float64) { e.u64(math.Float64bits(v)) }
func (e *modelWriter) floats(v []float64) {
	const chunk = 1 << 13
	var b [8 * chunk]byte
	for len(v) > 0 && e.err == nil {
		c := min(len(v), chunk)
		for i, x := range v[:c] {
			binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
		}
		e.bytes(b[:8*c])
		v = v[c:]
	}
}

// writeModel writes s as a model file.
func writeModel(w io.Writer, s *savedModel) (int64, error) {
	e := &modelWriter{w: w, crc: crc32.New(castagnoli)}
	c := &s.cfg
	flags := c.flags()
	e.bytes([]byte(modelMagic))
	if flags == 0 { // readable by every version of factor
		e.u16(1)
	} else {
		e.u16(modelVersion)
	}
	e.u8(s.kind)
	e.u8(flags)
	if wideOptions(s.kind) {
		e.u32(uint32(c.set & savedOptions))
	} else {
		e.u16(uint16(c.set & savedOptions))
	}
	e.int(c.k)
	e.f64(c.alphaW)
	e.f64(c.alphaH)
	e.f64(c.l1Ratio)
	e.f64(c.tol)
	e.int(c.maxIter)
	e.int(c.restarts)
	e.u8(byte(c.solver))
	e.u8(byte(c.init))
	e.f64(c.beta)
	e.u64(c.seed)
	switch s.kind {
	case kindMiniBatch:
		e.miniBatchSettings(c)
	case kindImplicit:
		e.f64(c.confidence)
		e.int(c.cgSteps)
	}
	e.int(s.n)
	e.int(s.m)
	e.f64(s.fit.objective)
	e.f64(s.fit.recErr)
	e.int(len(s.fit.history))
	e.floats(s.fit.history)
	e.floats(s.fit.w.RawMatrix().Data)
	e.floats(s.fit.h.RawMatrix().Data)
	switch s.kind {
	case kindMiniBatch:
		e.online(s.online, s.m, c.k)
	case kindImplicit:
		e.pattern(s.seen)
	}
	e.int(len(s.features))
	for _, f := range s.features {
		e.u32(uint32(len(f)))
		e.bytes([]byte(f))
	}
	if e.err == nil {
		sum := e.crc.Sum32()
		e.u32(sum)
	}
	return e.n, e.err
}

// modelReader reads the fields of a model file, keeping the checksum of
// what it read. Arrays grow as their bytes arrive, so that a declared size
// never allocates more than a small multiple of the bytes actually there;
// when the size of the whole file is known (UnmarshalBinary), declared
// sizes are checked against it first.
type modelReader struct {
	r     io.Reader
	crc   hash.Hash32
	n     int64
	avail int64 // bytes left in the file, or -1 when unknown
	err   error
	buf   [8]byte
	chunk []byte // the buffer floats reads through
}

// formatError returns an ErrFormat error about a model file.
func formatError(format string, args ...any) error {
	return fmt.Errorf("%w: model file: %s", ErrFormat, fmt.Sprintf(format, args...))
}

func (d *modelReader) bytes(b []byte) {
	if d.err != nil {
		return
	}
	k, err := io.ReadFull(d.r, b)
	d.n += int64(k)
	d.crc.Write(b[:k])
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		d.err = formatError("truncated at byte %d", d.n)
	case err != nil:
		d.err = fmt.Errorf("factor: reading a model file at byte %d: %w", d.n, err)
	}
}

func (d *modelReader) u8() byte {
	d.bytes(d.buf[:1])
	return d.buf[0]
}
func (d *modelReader) u16() uint16 {
	d.bytes(d.buf[:2])
	return binary.LittleEndian.Uint16(d.buf[:2])
}
func (d *modelReader) u32() uint32 {
	d.bytes(d.buf[:4])
	return binary.LittleEndian.Uint32(d.buf[:4])
}
func (d *modelReader) u64() uint64 {
	d.bytes(d.buf[:8])
	return binary.LittleEndian.Uint64(d.buf[:8])
}
func (d *modelReader) f64() float64 { return math.Float64frombits(d.u64()) }

// size reads a uint64 count bounded by limit.
func (d *modelReader) size(what string, limit uint64) int { return d.bounded(d.u64(), what, limit) }

// size32 reads a uint32 count bounded by limit.
func (d *modelReader) size32(what string, limit uint64) int {
	return d.bounded(uint64(d.u32()), what, limit)
}

// bounded returns the count v, or 0 after an error when it exceeds limit
// or reading it failed.
func (d *modelReader) bounded(v uint64, what string, limit uint64) int {
	if d.err == nil && v > limit {
		d.err = formatError("%s %d exceeds %d", what, v, limit)
	}
	if d.err != nil {
		return 0
	}
	return int(v)
}

// need fails when fewer than n more bytes can follow.
func (d *modelReader) need(n float64, what string) {
	if d.err == nil && d.avail >= 0 && n > float64(d.avail-d.n) {
		d.err = formatError("%s declares %.0f bytes, but only %d follow", what, n, d.avail-d.n)
	}
}

// floats reads count float64s, growing the slice as the bytes arrive when
// the length of the input is unknown (when it is known, need has checked
// count against it, and the slice is made whole at once).
func (d *modelReader) floats(count int, what string) []float64 {
	d.need(8*float64(count), what)
	if d.err != nil {
		return nil
	}
	const chunk = 1 << 13
	if d.chunk == nil {
		d.chunk = make([]byte, 8*chunk)
	}
	b := d.chunk
	size := min(count, chunk)
	if d.avail >= 0 { // need checked count against the bytes there
		size = count
	}
	out := make([]float64, 0, size)
	for len(out) < count && d.err == nil {
		c := min(count-len(out), chunk)
		d.bytes(b[:8*c])
		for i := range c {
			out = append(out, math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		}
	}
	return out
}

// text reads a string of size bytes, growing it as the bytes arrive.
func (d *modelReader) text(size int) string {
	var b []byte
	var piece [512]byte
	for len(b) < size && d.err == nil {
		c := min(size-len(b), len(piece))
		d.bytes(piece[:c])
		b = append(b, piece[:c]...)
	}
	return string(b)
}

// readModel reads a model file of the given kind; avail is its length when
// known, else -1.
func readModel(r io.Reader, avail int64, kind byte) (*savedModel, int64, error) {
	d := &modelReader{r: r, crc: crc32.New(castagnoli), avail: avail}
	var magic [len(modelMagic)]byte
	d.bytes(magic[:])
	if d.err == nil && string(magic[:]) != modelMagic {
		return nil, d.n, formatError("not a factor model file (magic %q, want %q)", magic[:], modelMagic)
	}
	version := d.u16()
	if d.err == nil && (version < 1 || version > modelVersion) {
		return nil, d.n, formatError("format version %d, but this version of factor reads versions 1 to %d; a newer factor wrote it", version, modelVersion)
	}
	s := &savedModel{kind: d.u8()}
	flags := d.u8()
	if d.err == nil && kindNames[s.kind] == "" {
		return nil, d.n, formatError("unknown model kind %d", s.kind)
	}
	if d.err == nil && (version == 1 && flags != 0 || flags&^allFlags != 0) {
		return nil, d.n, formatError("flags %#x in a version %d file", flags, version)
	}
	if d.err == nil && s.kind != kind {
		return nil, d.n, formatError("the file holds %s model, not %s", kindNames[s.kind], kindNames[kind])
	}
	c := &s.cfg
	if wideOptions(s.kind) {
		c.set = option(d.u32())
	} else {
		c.set = option(d.u16())
	}
	if extra := c.set &^ savedOptions; d.err == nil && extra != 0 {
		d.err = formatError("options %#x, which a model file does not keep", uint32(extra))
	}
	c.setFlags(flags)
	c.k = d.size("k", maxDim)
	c.alphaW, c.alphaH, c.l1Ratio, c.tol = d.f64(), d.f64(), d.f64(), d.f64()
	c.maxIter = d.size("max iterations", math.MaxInt)
	c.restarts = d.size("restarts", MaxRestarts)
	c.solver, c.init = Solver(d.u8()), Init(d.u8())
	c.beta = d.f64()
	c.seed = d.u64()
	switch s.kind {
	case kindMiniBatch:
		d.miniBatchSettings(c)
	case kindImplicit:
		c.confidence = d.f64()
		c.cgSteps = d.size("CG steps", math.MaxInt)
	}
	s.n, s.m = d.size("rows", maxDim), d.size("columns", maxDim)
	f := &fitted{objective: d.f64(), recErr: d.f64()}
	f.history = d.floats(d.size("history length", maxDim), "the history")
	if d.err == nil && (c.k < 1 || s.n < 1 || s.m < 1 || float64(c.k)*float64(s.n+s.m) > maxDim) {
		d.err = formatError("shape %d×%d with k = %d", s.n, s.m, c.k)
	}
	if d.err != nil {
		return nil, d.n, d.err
	}
	w := d.floats(s.n*c.k, "W")
	h := d.floats(c.k*s.m, "H")
	switch s.kind {
	case kindMiniBatch:
		s.online = d.online(c.k, s.m)
	case kindImplicit:
		s.seen = d.pattern(s.n, s.m)
	}
	names := d.size("feature names", uint64(s.m))
	if given := c.set&optFeatureNames != 0; d.err == nil && (names != 0 && names != s.m || given != (names != 0)) {
		d.err = formatError("%d feature names for %d columns (WithFeatureNames given: %v)", names, s.m, given)
	}
	d.need(4*float64(names), "the feature names")
	for i := 0; i < names && d.err == nil; i++ {
		size := d.size32("the bytes of a feature name", maxName)
		d.need(float64(size), "a feature name")
		s.features = append(s.features, d.text(size))
	}
	sum := d.crc.Sum32()
	if stored := d.u32(); d.err == nil && stored != sum {
		d.err = formatError("checksum %08x, but the content sums to %08x: the file is damaged", stored, sum)
	}
	if d.err != nil {
		return nil, d.n, d.err
	}
	if err := s.rebuild(f, w, h); err != nil {
		return nil, d.n, err
	}
	return s, d.n, nil
}

// rebuild checks the settings and factors read and makes the fitted state
// from them, deriving what a fit derives.
func (s *savedModel) rebuild(f *fitted, w, h []float64) error {
	c := &s.cfg
	var err error
	parts := [][]float64{w, h}
	switch s.kind {
	case kindNMF:
		err = c.validateNMF()
	case kindALS:
		err = c.validateALS()
	case kindImplicit:
		err = c.validateImplicit()
	default:
		err = c.validateMiniBatchFile()
	}
	if err != nil {
		return formatError("settings: %v", err)
	}
	switch s.kind {
	case kindMiniBatch:
		if err := s.checkOnline(f); err != nil {
			return err
		}
		parts = append(parts, s.online.acc.num, s.online.acc.den)
	case kindImplicit: // no reconstruction error
		if !math.IsNaN(f.recErr) {
			return formatError("reconstruction error %g, but an ImplicitALS has none (NaN)", f.recErr)
		}
		parts = append(parts, []float64{f.objective}, f.history)
	default:
		parts = append(parts, []float64{f.objective, f.recErr}, f.history)
	}
	for _, part := range parts {
		for _, v := range part {
			if !isFinite(v) {
				return formatError("a value is %g", v)
			}
		}
	}
	if s.kind == kindNMF || s.kind == kindMiniBatch || s.kind == kindALS && c.nonNegative { // non-negative factors
		for _, part := range [][]float64{w, h} {
			for _, v := range part {
				if v < 0 {
					return formatError("a factor of a non-negative model has the entry %g", v)
				}
			}
		}
	}
	k, n, m := c.k, s.n, s.m
	f.w = mat.NewDense(n, k, w)
	ht := transposed(h, k, m)
	switch s.kind {
	case kindNMF:
		f.components = c.nmfComponents(ht, m)
	case kindALS:
		f.components = c.alsComponents(ht, m)
	case kindImplicit: // the factors; ImplicitALS.load makes the rest
		f.components = newComponents(ht, m, k, Frobenius, penalty{}, true, c.stopRule)
	default:
		f.components = newComponents(ht, m, k, c.beta, newPenalty(c.alphaW, c.l1Ratio, m), false, transformRule(c))
		s.online.acc.num = transposed(s.online.acc.num, k, m)
		s.online.acc.den = transposed(s.online.acc.den, k, m)
	}
	f.features, c.features = s.features, s.features
	s.fit = f
	return nil
}

// transposed returns the transpose (cols×rows, row-major) of the rows×cols
// row-major a.
func transposed(a []float64, rows, cols int) []float64 {
	out := make([]float64, len(a))
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			out[j*rows+i] = a[i*cols+j]
		}
	}
	return out
}
