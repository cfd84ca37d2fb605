package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/factorgo/factor"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// A reporter shows the progress of a fit. The library serializes the calls
// of report; done is called once, after the fit.
type reporter interface {
	report(p factor.Progress)
	done()
}

// newReporter returns the reporter for stderr: none when quiet or when
// there are no iterations, a progress bar on a terminal, and a line at
// every tenth of the iterations otherwise.
func newReporter(stderr io.Writer, quiet bool, maxIter, restarts int) reporter {
	switch {
	case quiet || maxIter == 0:
		return silent{}
	case isTerminal(stderr):
		return newBar(stderr, maxIter, restarts)
	}
	return &lines{
		w:        stderr,
		step:     (maxIter + 9) / 10,
		maxIter:  maxIter,
		restarts: restarts,
		start:    time.Now(),
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// silent reports nothing.
type silent struct{}

// report does nothing.
func (silent) report(factor.Progress) {}

// done does nothing.
func (silent) done() {}

// lines prints a line for every step-th iteration of each run, and for
// the last possible one.
type lines struct {
	w                 io.Writer
	step              int
	maxIter, restarts int
	start             time.Time
}

// report prints a line for every step-th iteration and the last.
func (l *lines) report(p factor.Progress) {
	if p.Iter%l.step != 0 && p.Iter != l.maxIter {
		return
	}
	run := ""
	if l.restarts > 1 {
		run = fmt.Sprintf("run %d/%d, ", p.Restart+1, l.restarts)
	}
	fmt.Fprintf(l.w, "factor: %siteration %d/%d, objective %.6g, %v\n",
		run, p.Iter, l.maxIter, p.Objective, time.Since(l.start).Round(time.Millisecond))
}

// done does nothing: the summary follows the last line.
func (l *lines) done() {}

// bar shows a progress bar over the iterations of all runs, with the
// current iteration and objective, the rate and the time left.
//
// It uses github.com/schollz/progressbar: a single-bar library with rate,
// time left, throttled redraws and a choice of writer built in, and few
// dependencies. The alternative, github.com/vbauerster/mpb, is built for
// many concurrent bars and would be more machinery for one.
type bar struct {
	pb       *progressbar.ProgressBar
	restarts int
}

// newBar returns a bar over maxIter iterations of each of restarts runs.
func newBar(w io.Writer, maxIter, restarts int) *bar {
	pb := progressbar.NewOptions(maxIter*restarts,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("fitting"),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("it"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	return &bar{pb: pb, restarts: restarts}
}

// report advances the bar by an iteration and shows its objective.
func (b *bar) report(p factor.Progress) {
	run := ""
	if b.restarts > 1 {
		run = fmt.Sprintf("run %d/%d ", p.Restart+1, b.restarts)
	}
	b.pb.Describe(fmt.Sprintf("%siter %d, objective %.5g", run, p.Iter, p.Objective))
	b.pb.Add(1)
}

// done clears the bar: runs that converge early leave it short of full.
func (b *bar) done() { b.pb.Finish() }

// streamReporter shows the progress of a streamed fit, by epochs and
// steps: a progress bar over the steps on a terminal (of unknown length
// until the steps of an epoch are known), and otherwise a line at the end
// of every tenth of the epochs and of the last.
type streamReporter struct {
	w              io.Writer
	quiet          bool
	pb             *progressbar.ProgressBar // nil for lines
	epochs, every  int
	epoch, perStep int // the epoch being read, from 1, and the steps of one (0 until known)
	step           int
	cost           float64
	start          time.Time
}

// newStreamReporter returns the reporter of a streamed fit of epochs
// epochs on stderr: silent when quiet.
func newStreamReporter(stderr io.Writer, quiet bool, epochs int) *streamReporter {
	s := &streamReporter{w: stderr, quiet: quiet, epochs: epochs, every: (epochs + 9) / 10, epoch: 1, start: time.Now()}
	if !quiet && isTerminal(stderr) {
		s.pb = progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("fitting"),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("step"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return s
}

// steps sets the steps of an epoch, once known: the bar's length is then
// that of all epochs.
func (s *streamReporter) steps(perEpoch int) {
	s.perStep = perEpoch
	if s.pb != nil {
		s.pb.ChangeMax(perEpoch * s.epochs)
	}
}

// report records a step of PartialFit, whose Iter counts the steps.
func (s *streamReporter) report(p factor.Progress) {
	s.step, s.cost = p.Iter, p.Objective
	if s.pb != nil {
		s.pb.Describe(fmt.Sprintf("epoch %d/%d, step %d, batch cost %.5g", s.epoch, s.epochs, s.step, s.cost))
		s.pb.Add(1)
	}
}

// epochDone reports the end of an epoch.
func (s *streamReporter) epochDone(epoch int) {
	s.epoch = epoch + 1
	if s.quiet || s.pb != nil || (epoch%s.every != 0 && epoch != s.epochs) {
		return
	}
	fmt.Fprintf(s.w, "factor: epoch %d/%d, step %d/%d, batch cost %.6g, %v\n",
		epoch, s.epochs, s.step, s.perStep*s.epochs, s.cost, time.Since(s.start).Round(time.Millisecond))
}

// done clears the bar.
func (s *streamReporter) done() {
	if s.pb != nil {
		s.pb.Finish()
	}
}
