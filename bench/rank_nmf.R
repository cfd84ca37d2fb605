# Compares factor's rank survey with R's NMF package (apt-get install
# r-cran-nmf). Run go run ./internal/cmd/rankcmp DIR first, then
#
#   Rscript bench/rank_nmf.R DIR [SEED]
#
# It prints R's cophcor and dispersion of factor's consensus matrices (the
# same matrices: this compares the average linkages), then R's own
# nmfEstimateRank of the same data, method "brunet" (KL multiplicative
# updates), 10 runs from random starts seeded by SEED (default 123456),
# with R's samples as columns, so on the transpose.
suppressPackageStartupMessages(library(NMF))
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
seed <- if (length(args) > 1) as.integer(args[2]) else 123456L
X <- as.matrix(read.csv(file.path(dir, "digits100.csv"), header = FALSE))
cat("R NMF", as.character(packageVersion("NMF")), "\n")
cat("k,R_cophcor_of_factor_consensus,R_dispersion_of_factor_consensus\n")
for (k in 2:6) {
  C <- as.matrix(read.csv(file.path(dir, sprintf("cons%d.csv", k)), header = FALSE))
  dimnames(C) <- NULL
  cat(sprintf("%d,%.10f,%.10f\n", k, cophcor(C), dispersion(C)))
}
t0 <- proc.time()
res <- nmfEstimateRank(t(X), range = 2:6, method = "brunet", nrun = 10, seed = seed, .opt = "v0")
el <- proc.time() - t0
m <- res$measures
cat("k,cophenetic,dispersion,evar\n")
for (i in seq_len(nrow(m))) cat(sprintf("%d,%.10f,%.10f,%.10f\n", m$rank[i], m$cophenetic[i], m$dispersion[i], m$evar[i]))
cat("elapsed", el[["elapsed"]], "s\n")
