#!/bin/sh
# compare.sh runs the corpus benchmarks of package ot (BenchmarkCorpus) and
# of ot.js (otjs.mjs) one after the other, on the same cases with the same
# loops, and prints each side's time per pass and ot.js's time over Go's
# (above 1, Go is faster). From the repository root:
#
#	OTJS=/path/to/node_modules/ot ot/testdata/bench/compare.sh [go test flags]
#
# e.g. -count=3 for three Go runs (the ratio uses their median); BENCH_MS
# sets how long each ot.js benchmark runs (default 1000). The machine is
# shared: run it more than once and quote the spread.
set -eu
: "${OTJS:?set OTJS to the directory of the npm package ot}"
bench=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(cd "$bench/../.." && go test -run '^$' -bench '^BenchmarkCorpus$' -benchmem "$@" .) >"$out/go"
node "$bench/otjs.mjs" >"$out/js"
grep '^Benchmark' "$out/go"
cat "$out/js"
awk '
	FNR == 1 { file++ }
	/^BenchmarkCorpus\// {
		name = $1; sub(/-otjs$/, "", name); sub(/-[0-9]+$/, "", name); sub(/^BenchmarkCorpus\//, "", name)
		if (file == 1) { go[name] = go[name] " " $3; order[++n] = name } else js[name] = $3
	}
	function median(list,   v, k, i, j, t) {
		k = split(list, v, " ")
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		return v[int((k + 1) / 2)]
	}
	END {
		printf "\n%-10s %14s %14s %10s\n", "corpus", "Go ns/pass", "ot.js ns/pass", "ot.js/Go"
		for (i = 1; i <= n; i++) {
			name = order[i]
			if (seen[name]++) continue
			g = median(go[name])
			printf "%-10s %14.0f %14.0f %9.2fx\n", name, g, js[name], js[name] / g
		}
	}
' "$out/go" "$out/js"
