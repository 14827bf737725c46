# make_golden.R - builds the golden files of tests/data/trajectory with R
# as the reference implementation: lm() for the least-squares curve of
# score on log(session) per intake band, summary(lm)$sigma for the
# residual SD, qnorm() for the tolerance quantiles. Run from this
# directory: Rscript make_golden.R   (R 4.x, base packages only)
set.seed(20011)
bands <- data.frame(low = c(0, 10, 15), high = c(9, 14, 27),
                    label = c("0-9", "10-14", "15-27"))
# Reference courses: intake drawn over 3..27, a log-shaped recovery with
# a person-level offset and session noise, dropout after 2..16 sessions,
# about 8 % of later scores missing, scores rounded and kept in 0..27.
rows <- list()
for (i in 1:150) {
  intake <- sample(3:27, 1)
  n <- sample(2:16, 1)
  off <- rnorm(1, 0, 1.5)
  s <- 1:n
  y <- intake - (0.25 * intake + 1) * log(s) + off * (s > 1) +
       rnorm(n, 0, 2) * (s > 1)
  y <- pmin(27, pmax(0, round(y)))
  y[1] <- intake
  miss <- c(FALSE, runif(n - 1) < 0.08)
  y[miss] <- NA
  rows[[i]] <- data.frame(id = sprintf("r%03d", i), session = s, score = y)
}
ref <- do.call(rbind, rows)
out <- ref
out$score <- ifelse(is.na(out$score), "", out$score)
write.csv(out, "reference.csv", row.names = FALSE, quote = FALSE)

# Fit per band on sessions 1..20 (all of them here).
first <- ref[ref$session == 1, c("id", "score")]
names(first)[2] <- "intake"
ref <- merge(ref, first, by = "id")
ref <- ref[!is.na(ref$score) & ref$session <= 20, ]
fit <- data.frame()
for (b in seq_len(nrow(bands))) {
  d <- ref[ref$intake >= bands$low[b] & ref$intake <= bands$high[b], ]
  m <- lm(score ~ log(session), data = d)
  fit <- rbind(fit, data.frame(band = bands$label[b],
    persons = length(unique(d$id)), scores = nrow(d),
    intercept = format(coef(m)[[1]], digits = 17),
    slope = format(coef(m)[[2]], digits = 17),
    sd = format(summary(m)$sigma, digits = 17),
    last_session = max(d$session)))
}
write.csv(fit, "reference.expected.csv", row.names = FALSE, quote = FALSE)

# Open courses classified against that fit: expected, the at-risk band
# (70th percentile) and the not-on-track limit (90th), lower is better.
open <- data.frame(
  id =      c("o1","o1","o1","o1", "o2","o2","o2", "o3","o3","o3","o3",
              "o4", "o5","o5","o5"),
  session = c(1,2,3,4,            1,2,3,          1,2,3,4,
              1,    1,2,3),
  score =   c(18,17,16,17,        12,8,6,         7,7,9,12,
              22,   26,25,26))
write.csv(open, "open.csv", row.names = FALSE, quote = FALSE)
z70 <- qnorm(0.70); z90 <- qnorm(0.90)
res <- data.frame()
for (r in seq_len(nrow(open))) {
  id <- open$id[r]; s <- open$session[r]; y <- open$score[r]
  intake <- open$score[open$id == id & open$session == 1]
  b <- which(intake >= bands$low & intake <= bands$high)
  f <- fit[b, ]
  a <- as.numeric(f$intercept); sl <- as.numeric(f$slope)
  sg <- as.numeric(f$sd)
  e <- a + sl * log(min(s, f$last_session))
  lo <- e - z70 * sg; up <- e + z70 * sg; lim <- e + z90 * sg
  st <- if (s == 1) "" else if (y > lim) "not-on-track" else
        if (y > up) "at-risk" else "on-track"
  res <- rbind(res, data.frame(id = id, session = s, score = y,
    expected = format(e, digits = 17), lower = format(lo, digits = 17),
    upper = format(up, digits = 17), limit = format(lim, digits = 17),
    status = st))
}
write.csv(res, "open.expected.csv", row.names = FALSE, quote = FALSE)

# Normal quantiles used for the tolerance bands.
p <- c(0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95, 0.975, 0.99, 0.999, 1 - 1e-12)
write.csv(data.frame(p = format(p, digits = 17),
                     z = format(qnorm(p), digits = 17)),
          "qnorm.csv", row.names = FALSE, quote = FALSE)
cat(R.version.string, "\n")
