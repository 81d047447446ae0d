"""Numbers in, numbers out: periods and as-at values, ratings, change, targets, trend, SPC and summaries."""
