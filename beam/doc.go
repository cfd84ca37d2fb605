// Package factorbeam runs the non-negative matrix factorization (HALS or
// MU of the Frobenius loss) and the ridge alternating least squares of
// package factor (github.com/factorgo/factor) as Apache Beam pipelines, for
// matrices that outgrow one machine: Flink, Spark and Google Dataflow run
// them, and Beam's Prism runner runs them in one process. Its import path
// is github.com/factorgo/factor/beam, a module of its own, so that the
// library does not depend on Beam.
//
// X is read from CSV or MatrixMarket files (one file, or a glob of shards
// whose rows, in name order, make X) into blocks of rows, each carrying
// its rows of X and of W. One iteration is one round of the pipeline: with
// H as a side input, every block updates its rows of W exactly as the
// library's solver does and emits its sums X_bᵀ·W_b (m×k) and W_bᵀ·W_b
// (k×k); a combine adds them up and, in the same step, updates H from the
// sums, computes the objective and applies the stopping rule. Every update
// is the library's own code (factor.RowBlocks), so from the same start the
// factors agree with the in-memory fit's to rounding: the tests hold them to
// 1e-9 relative after dozens of iterations (they agree to about 1e-14).
// The rounds are unrolled in one pipeline; once the stopping rule ends the
// fit, the later rounds pass the blocks on unchanged.
//
// A round reads X once and moves O(m·k) numbers per block through the
// combine (plus H, O(m·k), to every worker as a side input); see
// docs/beam.md in the repository for running it on a cluster, the costs,
// and when to prefer the library's streaming MiniBatchNMF on one machine.
//
// Fit builds the pipeline from a Config; the command factor-beam
// (beam/cmd/factor-beam) wraps it with the flags of the factor command.
package factorbeam
