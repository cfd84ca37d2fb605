package main

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	vgdraw "gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// plotConvergence draws the objective against the iteration as a PNG,
// with a log-scale objective axis when every value is positive.
func plotConvergence(w io.Writer, history []float64) error {
	p := plot.New()
	p.Title.Text = "Convergence"
	p.X.Label.Text = "iteration"
	p.Y.Label.Text = "objective"
	p.Add(plotter.NewGrid())

	pts := make(plotter.XYs, len(history))
	for i, v := range history {
		pts[i] = plotter.XY{X: float64(i + 1), Y: v}
	}
	switch {
	case len(history) == 0:
		p.Title.Text += " (no iterations)"
		p.X.Min, p.X.Max = 0, 1
		p.Y.Min, p.Y.Max = 0, 1
	default:
		line, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		p.Add(line)
		if len(pts) == 1 {
			dot, err := plotter.NewScatter(pts)
			if err != nil {
				return err
			}
			p.Add(dot)
		}
		p.X.Min, p.X.Max = 0, float64(max(len(history), 2))
		lo, hi := slices.Min(history), slices.Max(history)
		if lo > 0 {
			p.Y.Scale = plot.LogScale{}
			p.Y.Tick.Marker = logTicks{}
			if lo == hi { // give a flat line some room
				p.Y.Min, p.Y.Max = lo/2, hi*2
			}
		}
	}

	wt, err := p.WriterTo(6*vg.Inch, 4*vg.Inch, "png")
	if err != nil {
		return err
	}
	_, err = wt.WriteTo(w)
	return err
}

// logTicks marks a log-scale axis at the powers of ten when it spans two
// decades or more, and otherwise at plot's usual linear ticks, labelled
// with four significant digits at most: an objective that changes by less
// than that would show one power of ten at most, leaving the axis without
// readable values.
type logTicks struct{}

// Ticks returns the ticks for the range [lo, hi].
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if hi >= 100*lo {
		return plot.LogTicks{Prec: -1}.Ticks(lo, hi)
	}
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i, t := range ticks {
		if t.Label != "" {
			ticks[i].Label = strconv.FormatFloat(t.Value, 'g', 4, 64)
		}
	}
	return ticks
}

// Layout of components.png.
const (
	cellPixels = 96 // images are enlarged to about this size, in pixels
	gapPixels  = 3  // space between images
)

var gapColor = color.Gray{Y: 0x80}

// drawComponents draws the rows of h as size.w×size.h grey images, from
// white for 0 to black for each row's largest entry, enlarged and tiled in
// a near-square grid in reading order, and encodes the grid as a PNG.
func drawComponents(w io.Writer, h *mat.Dense, size imageSize) error {
	k, _ := h.Dims()
	cols := int(math.Ceil(math.Sqrt(float64(k))))
	rows := (k + cols - 1) / cols
	scale := max(1, cellPixels/max(size.w, size.h))
	cw, ch := size.w*scale, size.h*scale
	img := image.NewGray(image.Rect(0, 0, cols*(cw+gapPixels)+gapPixels, rows*(ch+gapPixels)+gapPixels))
	draw.Draw(img, img.Bounds(), image.NewUniform(gapColor), image.Point{}, draw.Src)
	for c := range k {
		comp := h.RawRowView(c)
		peak := slices.Max(comp)
		x0 := gapPixels + (c%cols)*(cw+gapPixels)
		y0 := gapPixels + (c/cols)*(ch+gapPixels)
		for y := range ch {
			for x := range cw {
				ink := 0.0
				if peak > 0 {
					ink = comp[(y/scale)*size.w+x/scale] / peak
				}
				img.SetGray(x0+x, y0+y, color.Gray{Y: uint8(math.Round(255 * (1 - ink)))})
			}
		}
	}
	return png.Encode(w, img)
}

// plotRank draws the measures of a rank survey against k as a PNG of four
// panels: the cophenetic and dispersion coefficients, the explained
// variance, and the held-out error with bars of one standard error. A
// measure undefined for every k (NaN) leaves its panel empty, saying so.
func plotRank(w io.Writer, scores []factor.RankScore) error {
	panels := []struct {
		title string
		value func(factor.RankScore) float64
		se    func(factor.RankScore) float64
		none  string
	}{
		{"cophenetic correlation", func(s factor.RankScore) float64 { return s.Cophenetic }, nil, "one run, or no consensus"},
		{"dispersion", func(s factor.RankScore) float64 { return s.Dispersion }, nil, "one run, or no consensus"},
		{"explained variance", func(s factor.RankScore) float64 { return s.ExplainedVariance }, nil, "X is zero"},
		{"held-out error (± 1 se)", func(s factor.RankScore) float64 { return s.HeldOutErr }, func(s factor.RankScore) float64 { return s.HeldOutErrStd }, "no folds"},
	}
	plots := [][]*plot.Plot{make([]*plot.Plot, 2), make([]*plot.Plot, 2)}
	for i, pn := range panels {
		p := plot.New()
		p.Title.Text = pn.title
		p.X.Label.Text = "k"
		p.X.Tick.Marker = integerTicks{}
		p.Add(plotter.NewGrid())
		var pts plotter.XYs
		var errs plotter.YErrors
		for _, s := range scores {
			v := pn.value(s)
			if math.IsNaN(v) {
				continue
			}
			pts = append(pts, plotter.XY{X: float64(s.K), Y: v})
			e := 0.0
			if pn.se != nil && !math.IsNaN(pn.se(s)) {
				e = pn.se(s)
			}
			errs = append(errs, struct{ Low, High float64 }{e, e})
		}
		if len(pts) == 0 {
			p.Title.Text += " (undefined: " + pn.none + ")"
		} else {
			line, points, err := plotter.NewLinePoints(pts)
			if err != nil {
				return err
			}
			p.Add(line, points)
			if pn.se != nil {
				bars, err := plotter.NewYErrorBars(struct {
					plotter.XYs
					plotter.YErrors
				}{pts, errs})
				if err != nil {
					return err
				}
				p.Add(bars)
			}
		}
		p.X.Min, p.X.Max = float64(scores[0].K)-0.5, float64(scores[len(scores)-1].K)+0.5
		plots[i/2][i%2] = p
	}
	img := vgimg.New(9*vg.Inch, 6*vg.Inch)
	dc := vgdraw.New(img)
	tiles := vgdraw.Tiles{Rows: 2, Cols: 2, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		for j, p := range plots[i] {
			p.Draw(canvases[i][j])
		}
	}
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}

// integerTicks marks an axis at its whole numbers, every one when there
// are at most 20, else at plot's usual ticks.
type integerTicks struct{}

// Ticks returns the ticks for the range [lo, hi].
func (integerTicks) Ticks(lo, hi float64) []plot.Tick {
	if hi-lo > 20 {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	var ticks []plot.Tick
	for v := math.Ceil(lo); v <= hi; v++ {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', 0, 64)})
	}
	return ticks
}
