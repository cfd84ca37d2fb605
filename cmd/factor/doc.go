// Factor factorizes a non-negative matrix X ≈ W·H with NMF and writes the
// factors, the convergence history and plots of them, and the model for
// factor transform to apply to new rows; factor rank helps choose k.
//
// Usage:
//
//	factor [flags] [FILE]
//	factor transform -model FILE [flags] DATA
//	factor rank -k A:B [flags] [FILE]
//
// FILE holds the n×m matrix X, one row per sample and one column per
// feature, as
//
//   - CSV: one row per line, all rows with the same number of values,
//     written as plain decimal numbers (such as 3, -0.5 or 1e-3; not
//     1_000 or 0x1p4, as in MatrixMarket). The first line is taken as a
//     header of feature names when none of its fields is such a number
//     (so "a,inf" is a header), and as data when all of them are; the
//     names are kept as the first line of H.csv. A first line of both, a
//     header with a numeric name ("year,2020") or a row with a typo
//     ("1,2,x"), is an error naming one field of each: reading it either
//     way could silently lose a row. Give such names a letter ("y2020").
//     A line may hold 64 MiB (a quoted field's lines together).
//   - MatrixMarket: a file named *.mtx, or any file starting with the
//     %%MatrixMarket banner. Coordinate files are read as sparse matrices
//     and fitted without being made dense.
//
// Either may be gzip-compressed. FILE "-" reads standard input and detects
// the format from its content. With -observed-only X may have missing
// entries (see Missing entries below). With no FILE, factor runs on a built-in data
// set, scikit-learn's 1797 handwritten digits of 8×8 pixels (64 columns of
// integers 0 to 16), with 16 components drawn as 8×8 images: a demo that
// needs no data.
//
// The flags are:
//
//	-k K
//		number of components, the columns of W and rows of H. Required
//		with FILE (the library has no default); 16 for the built-in
//		digits. K may not exceed min(n, m).
//	-solver auto|hals|mu|ahals
//		algorithm (default auto: hals for -beta frobenius, mu otherwise).
//		hals and ahals handle only the Frobenius loss.
//	-beta frobenius|kl|is|NUMBER
//		beta divergence to minimize: 2 (Frobenius), 1 (Kullback-Leibler),
//		0 (Itakura-Saito, needs strictly positive data) or any finite
//		number (default frobenius).
//	-init auto|random|nndsvd|nndsvda|nndsvdar
//		initialization (default auto: nndsvda).
//	-init-from MODEL
//		start from the W and H of the model file MODEL (any model that
//		-save or factor-beam -save wrote, with non-negative factors),
//		fitted to data of X's shape; -k defaults to its k and must
//		equal it when given. With -max-iter 0 and -save, a fit writes
//		its start to a file, and factor -init-from and factor-beam
//		-init-from of that file start from the same factors, so that
//		their fits can be compared. Not with -init or -batch-size.
//	-alpha A
//		regularization strength of W and H (default 0).
//	-alpha-h A
//		regularization strength of H alone (default: the value of -alpha).
//	-l1-ratio R
//		share of the L1 penalty in the regularization, in [0, 1] (default 0).
//	-tol T
//		stopping tolerance: every 10 iterations the fit stops when the
//		objective fell by less than T times its value (default 1e-4; 0
//		runs all of -max-iter).
//	-max-iter N
//		most iterations per run (default 200).
//	-restarts R
//		independent runs, the best of which is kept (default 1).
//	-seed S
//		seed of every random choice (default 0).
//	-out DIR
//		directory for the output files, created if needed (default
//		factor-out).
//	-save FILE
//		write the fitted model to FILE (a path of its own, not inside DIR
//		unless given so), in the model file format of the library
//		(factor.NMF.MarshalBinary; with -batch-size, of a MiniBatchNMF,
//		without names), with the names of X's columns when known: the
//		CSV header, or else the -vocab terms. A fit of
//		-max-iter 0 holds its start, so that FILE then holds the start
//		another fit can begin from (factor.WithInitialFactors of its W
//		and H).
//	-vocab FILE
//		file of one term per line naming the columns of X, each line at
//		most 1 MiB; factor then prints the top terms of each component,
//		as a topic model of a tf-idf or count matrix.
//	-top N
//		terms printed per component with -vocab (default 10).
//	-image WxH
//		draw each component, a row of H, as a W×H grey image (W·H must be
//		m) into components.png; automatic 8x8 for the built-in digits.
//	-quiet
//		print no progress.
//	-observed-only
//		fit only the observed entries of X (factor.WithObservedOnly): CSV
//		cells that are empty, NA or NaN are missing, and so are the
//		entries a MatrixMarket coordinate file does not list (see Missing
//		entries below).
//	-batch-size N
//		stream FILE through MiniBatchNMF in blocks of N rows instead of
//		fitting it in memory (see Streaming below).
//	-transform-max-iter N
//		with -batch-size only, the most iterations of the transform that
//		writes W.csv, saved with -save (factor.WithTransformMaxIter;
//		default: -max-iter).
//
// Factor writes into DIR:
//
//	W.csv            W, n rows of k values
//	H.csv            H, k rows of m values, after the header's names if FILE had one
//	history.csv      the objective after each iteration: iteration,objective
//	convergence.png  the objective against the iteration, on a log scale
//	components.png   with -image: the k components as grey images, each
//	                 scaled from white (0) to black (its largest entry),
//	                 in reading order
//
// and with -save the model into its FILE.
//
// A components.png that an earlier run left in DIR is removed by a run
// that draws none, so DIR never pairs factors with another run's picture.
// The files, the model file included, are all replaced or none: they are
// written under temporary names (each in its own directory), then each
// file they replace (or the components.png removed) is moved aside and the
// new one moved in, the model last, and when a step fails (a directory
// named H.csv or like the model file, a file that cannot be replaced) the
// steps before it are undone, so that every earlier file is left as it
// was. The files moved aside are deleted once all are in place. Factor
// then prints a summary on standard output: the number of
// iterations, the final objective, the relative error ‖X − WH‖_F / ‖X‖_F
// computed from the written factors (over the observed entries with
// -observed-only), the fitting time and the files written; with -vocab, a
// line "topic N: term term ..." per component.
//
// While fitting, factor shows its progress on standard error: a progress
// bar with the iteration, objective, rate and time left when standard
// error is a terminal, and otherwise a line at every tenth of -max-iter.
// -quiet turns both off.
//
// Ctrl-C (SIGINT) stops the fit at its next check: factor then says
// "interrupted", writes no file and exits with status 1. A second Ctrl-C
// ends factor at once, by the signal (exit status 130 in a shell), at any
// point: killed while it moves its outputs into place, it may leave
// temporary files named .NAME.*.tmp and, holding the earlier outputs,
// .NAME.*.old in DIR (and beside the model file).
//
// # Streaming
//
// With -batch-size N, factor fits factor.MiniBatchNMF without holding
// FILE: each of -max-iter epochs opens FILE again (decompressing it again
// if gzip-compressed) and gives it to PartialFit a block of N rows at a
// time, in file order; a last pass then transforms each block with the
// final H (Transform) and writes its rows of W.csv as they are computed.
// H.csv, history.csv (the batch cost of each step) and convergence.png
// follow, all replaced or none as above. A MatrixMarket file must be a
// general coordinate file with its entries in row order (an entry out of
// order is an error naming its line), and its blocks stay sparse; CSV is
// read by the rules above, its errors naming their lines. Memory is that
// of a block and its W, and of H: it does not grow with the rows. All
// -max-iter epochs run; -tol and -transform-max-iter (default -max-iter)
// bound the transform of each block, as scikit-learn's
// MiniBatchNMF.transform. Progress counts epochs and steps; the summary
// gives the epochs, the steps, the last step's batch cost and the
// relative error of the written W over the whole file. -save writes the
// MiniBatchNMF model (factor.MiniBatchNMF.MarshalBinary) in the same
// all-or-nothing step, without column names (MiniBatchNMF takes none).
// -restarts, -solver, -image and -observed-only (MiniBatchNMF takes no
// missing entries) apply only to the in-memory fit and are usage errors
// with -batch-size, as -transform-max-iter is without it; so is FILE "-"
// unless -max-iter is 1, as standard input cannot be read twice (its one
// pass is copied to a temporary file for the transform).
//
// # Missing entries
//
// With -observed-only only the observed entries of X count: the fit
// minimizes the loss over them alone (factor.WithObservedOnly), for data
// with holes such as ratings nobody gave or pixels that are masked.
//
// In a CSV file a cell is missing when it is empty (or white space, or
// "") or spells NA or NaN in any case (nan, NAN, na); every other cell
// must be a number, and other spellings (?, N/A, null, -nan, inf) are
// errors. A blank line is skipped, not a row, so a one-column file writes
// its missing cells NA. A missing cell is neither a name nor a number for
// the header rule: the first line is a header when its other fields are
// all names ("a,,c" names a column ""), and a row when they are all
// numbers ("1,,3" and "NaN,2" are rows: a row with missing cells is never
// taken for a header and dropped). A first line of nothing but missing
// cells could be a header without a name or a row without a value, and is
// an error: start the file with a header line of names, or leave the row
// out.
//
// In a MatrixMarket coordinate file the entries the file lists are the
// observed ones, explicit zeros included, and those it does not list are
// missing rather than zero. An array file lists every entry, and its
// reader accepts no NaN: all its entries are observed.
//
// A row or column with no observed entry gets a zero row of W or column
// of H; X with no observed entry at all is an error. The summary counts
// the missing entries of a dense X (or says that the stored entries of a
// sparse one are the observed ones) and gives the relative error over the
// observed entries, ‖P(X − WH)‖_F / ‖P(X)‖_F with P keeping them. W.csv,
// H.csv, history.csv (the objective over the observed entries),
// convergence.png, components.png and the topics are written as without
// the flag. -solver ahals takes no missing entries and is a usage error
// with it. -save writes a model of format version 2 whose flags byte says
// it was fitted so, and factor transform then reads DATA by the same
// rules. Without -observed-only an empty, NA or NaN cell is an error as
// any other non-number, and the entries a coordinate file does not list
// are zeros.
//
// # Transform
//
// factor transform loads the model file FILE that -save wrote, an NMF or
// a MiniBatchNMF (byte 10 of the file, its model kind, says which), and
// writes W.csv into the -out directory (default factor-out; no other file there
// is touched, and W.csv is replaced whole or not at all): the n'×k weights
// of the rows of DATA on the model's components, with the model's H
// fixed, as the model's Transform gives them. DATA is read as the FILE of
// the fitting command (CSV or MatrixMarket, gzip-compressed or not, "-"
// for standard input) and must have the model's m columns; a CSV header
// must be the model's feature names, when it has them, in their order.
// When the model was fitted with -observed-only (its flags byte, byte 11
// of the file, says so) DATA may have missing entries, read as by
// -observed-only (see Missing entries), which the model's Transform leaves
// out; otherwise a missing cell is an error, as in the fit. A
// file that does not load as a model (damaged, truncated, of a newer
// format version or of another model type) is an error that gives the
// library's reason, such as "malformed file: model file: checksum ...".
//
// Its flags are:
//
//	-model FILE
//		the model file (required).
//	-out DIR
//		directory for W.csv, created if needed (default factor-out).
//	-vocab FILE
//		names of the m columns, one a line, as for the fitting command
//		(default: the model's feature names, if it has them).
//	-top N
//		terms per component, and components per row, printed with names
//		(default 10).
//	-quiet
//		accepted as for the fitting command; transform prints no
//		progress.
//
// It prints a summary: the input, the model (k and m), the relative error
// ‖X − WH‖_F / ‖X‖_F of the new rows (over their observed entries for a
// model fitted with -observed-only) and the time taken, and W.csv. With
// names (-vocab, or the model's), it then prints the fit's "topic N: term
// term ..." line for each component, and for each row of DATA (row I is
// line I of W.csv) its top components, those of its largest W entries, at
// most -top, with their weights and without those of weight 0:
//
//	row 1: topic 2 (0.061), topic 6 (0.000124)
//	row 2: none
//
// # Rank
//
// factor rank surveys the numbers of components k = A…B (-k A:B, or -k K
// for one) of NMF of FILE, read as the fitting command reads it (with no
// FILE the built-in digits, at -k 2:12 unless given), with
// factor.EstimateRank. For each k it makes -restarts runs on all of X
// (default 10: the first from -init, the others from random starts) and
// -folds fits (default 5) that each hold out a -held-out share of the
// entries (default 0.1; the folds are drawn once, from -seed, disjoint
// while they fit), (restarts + folds) fits per k in all, run side by side
// on every core. It prints the input, the settings and a table, a row per
// k:
//
//	k  objective  explained  cophenetic  dispersion  held-out error ± se
//
// the best objective of the runs; the explained variance
// 1 − ‖X − WH‖²/‖X‖² of the best run; the cophenetic correlation and the
// dispersion of the consensus of the runs (the share of runs in which two
// rows of X, the samples, have their largest W entry in the same
// component), NaN for one run or more than factor.MaxConsensusRows rows;
// and the mean divergence of the held-out entries from the fits that did
// not see them, with its standard error over the folds, NaN for -folds 0.
// A line "best k" then names the k of the lowest held-out error. Into DIR
// it writes rank.csv, the table with all digits (columns k, objective,
// explained_variance, cophenetic, dispersion, held_out_error,
// held_out_error_se), and rank.png, the four measures against k in four
// panels, the held-out error with bars of one standard error; both are
// replaced or neither, as the fitting command's files are. -k B above
// min(rows, columns) is a usage error, as are -folds below 0, -held-out
// outside (0, 1) and -solver ahals with folds (it takes no weights).
//
// Its flags are the fitting command's -solver, -beta, -init, -alpha,
// -alpha-h, -l1-ratio, -tol, -max-iter, -seed, -out, -quiet and
// -observed-only (the folds then hold out observed entries only), and:
//
//	-k A:B
//		the range of k (required with FILE).
//	-restarts R
//		runs per k on all of X (default 10); the consensus is over them.
//	-folds F
//		held-out folds per k (default 5; 0 for none).
//	-held-out P
//		share of the entries each fold holds out, in (0, 1) (default 0.1).
//
// Progress shows the fits as they start: a progress bar on a terminal,
// and otherwise a line as each tenth of them starts.
//
// Lines have limits, so that an input that is no matrix, such as
// /dev/zero, fails at once instead of filling memory: 64 MiB for a line of
// CSV, 1 MiB for a line of MatrixMarket or of -vocab. A longer line is an
// error naming the file and the line.
//
// The exit status, of every command, is 2 for an error in the command line
// (an unknown flag, a bad flag value, a missing -k or one too large for
// the data, a missing -model or DATA, -save naming one of the outputs in
// DIR, a flag of the in-memory fit with -batch-size or -transform-max-iter
// without it, -observed-only with -solver ahals, a -k range of factor rank
// that is malformed or too large, -folds or -held-out out of range), 1 for
// any other failure
// (a file that cannot be read, malformed or negative data, a missing cell
// without -observed-only, data with no observed entry, a model file that
// does not load, data whose columns are not the model's, a failed fit or
// output file), and 0 on success.
//
// Examples:
//
//	factor                                   # the built-in digits demo
//	factor -k 5 -out out data.csv            # a CSV file
//	factor -k 20 -beta kl -vocab terms.txt tfidf.mtx
//	gunzip -c x.csv.gz | factor -k 3 -
//	factor -k 20 -vocab terms.txt -save topics.model tfidf.mtx
//	factor -k 20 -batch-size 2048 -max-iter 3 big.mtx.gz
//	factor transform -model topics.model -out new new.mtx
//	factor -k 10 -observed-only -save ratings.model ratings.mtx
//	factor transform -model ratings.model -out new new-users.csv
//	factor rank -k 2:12 -restarts 10 -folds 5 -out survey data.csv
//
// Only a first argument "transform" runs factor transform: a data file of
// that name is ./transform.
package main
