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

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
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
