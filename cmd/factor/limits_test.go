package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestHugeHeaderUnderAddressLimit is the 66-byte MatrixMarket file
// whose header declares a 67108864×67108864 matrix, read by factor under
// ulimit -v 3000000 (3 GB of address space): it must fail quickly with the
// library's estimate and exit status 1, not grow until the kernel or the
// Go runtime kills it.
func TestHugeHeaderUnderAddressLimit(t *testing.T) {
	if runtime.GOOS != "linux" || raceEnabled {
		t.Skip("needs ulimit -v on Linux, and a build without -race")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	file := filepath.Join(t.TempDir(), "huge.mtx")
	header := "%%MatrixMarket matrix coordinate real general\n67108864 67108864 0\n"
	if err := os.WriteFile(file, []byte(header), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", `ulimit -v 3000000 && exec "$0" -k 2 -out "$1" "$2"`, exe, t.TempDir(), file)
	cmd.Env = append(os.Environ(), "FACTOR_TEST_MAIN=1")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	code := cmd.ProcessState.ExitCode()
	if code != 1 || !strings.Contains(string(out), "too large for memory") || !strings.Contains(string(out), "ulimit -v") {
		t.Fatalf("exit status %d (%v), output %q; want status 1 and the estimate against the address-space limit", code, err, out)
	}
	if took > 10*time.Second {
		t.Errorf("took %v to refuse", took)
	}
}
