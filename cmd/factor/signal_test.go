package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain runs the command itself, as main does, when the environment
// says so: the tests below start the test binary as a factor process to
// send it signals and read its exit status.
func TestMain(m *testing.M) {
	if os.Getenv("FACTOR_TEST_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

// process is factor running as a process of its own.
type process struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr bytes.Buffer  // to read once the process ended
	exited chan struct{} // closed when the process ended
}

// startFactor starts factor with args, reading stdin from a pipe.
func startFactor(t *testing.T, args ...string) *process {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to send on Windows")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	p := &process{cmd: exec.Command(exe, args...), exited: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), "FACTOR_TEST_MAIN=1")
	p.cmd.Stderr = &p.stderr
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.stdin.Close()
		p.cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// feed writes s to the process's standard input. It returns once the
// process read all but a pipe buffer of it: with s longer than that, the
// process is reading its input, so it handles signals as run set up.
func (p *process) feed(t *testing.T, s string) {
	t.Helper()
	if _, err := io.WriteString(p.stdin, s); err != nil {
		t.Fatalf("writing the input: %v", err)
	}
}

// interrupt sends SIGINT.
func (p *process) interrupt(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
}

// wait waits up to d for the process to end and returns its state, or
// nil if it did not.
func (p *process) wait(d time.Duration) *os.ProcessState {
	select {
	case <-p.exited:
		return p.cmd.ProcessState
	case <-time.After(d):
		return nil
	}
}

// csvRows returns rows random rows of cols positive numbers as CSV.
func csvRows(rows, cols int) string {
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for range rows {
		for j := range cols {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%.3f", 0.1+r.Float64())
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// TestInterrupt interrupts a long fit once: factor stops it, says so and
// exits with status 1.
func TestInterrupt(t *testing.T) {
	p := startFactor(t, "-k", "50", "-max-iter", "100000000", "-tol", "0", "-quiet", "-out", t.TempDir(), "-")
	p.feed(t, csvRows(400, 100)) // 160 kB, beyond a pipe buffer
	p.stdin.Close()
	time.Sleep(500 * time.Millisecond) // into the fit
	p.interrupt(t)
	st := p.wait(10 * time.Second)
	switch {
	case st == nil:
		t.Fatal("factor still runs 10 s after SIGINT")
	case st.ExitCode() != 1 || p.stderr.String() != "factor: interrupted\n":
		t.Errorf("after SIGINT: %v, stderr %q; want exit status 1, \"factor: interrupted\"", st, &p.stderr)
	}
}

// TestInterruptTwice interrupts factor while it waits for input, where
// nothing looks at the context that the first SIGINT cancels: it must run
// on, and the second SIGINT must end it at once, by the signal (exit
// status 130 in a shell).
func TestInterruptTwice(t *testing.T) {
	p := startFactor(t, "-k", "1", "-quiet", "-out", t.TempDir(), "-")
	p.feed(t, strings.Repeat("1,2\n", 1<<18)) // 1 MiB, and no end
	p.interrupt(t)
	if st := p.wait(300 * time.Millisecond); st != nil {
		t.Fatalf("the first SIGINT ended factor while it read its input: %v, stderr:\n%s", st, &p.stderr)
	}
	p.interrupt(t)
	st := p.wait(5 * time.Second)
	if st == nil {
		t.Fatal("factor still runs 5 s after a second SIGINT")
	}
	ws, ok := st.Sys().(syscall.WaitStatus)
	if !(ok && ws.Signaled() && ws.Signal() == syscall.SIGINT) && st.ExitCode() != 130 {
		t.Errorf("after a second SIGINT: %v, want killed by SIGINT or exit status 130; stderr:\n%s", st, &p.stderr)
	}
}
