// otjs.mjs times ot.js's TextOperation on the benchmark corpus, cases.json,
// with the same loops as the Go benchmark BenchmarkCorpus in
// ot/corpus_bench_test.go, and prints its figures in the Go benchmark format.
//
//	OTJS=/path/to/node_modules/ot node ot/testdata/bench/otjs.mjs [-results FILE] [-by-name]
//
// OTJS (or the first argument that is not a flag) is the directory of the npm
// package ot (0.0.15). With -results it also writes what ot.js computes for
// every case to FILE; otjs-results.json beside this script is that file, and
// the Go test TestCorpusMatchesOTJS checks that package ot computes the same.
// BENCH_MS (default 1000) is how long each benchmark runs.
//
// compare.sh beside this script runs both benchmarks and prints the ratios.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
let resultsFile = null;
let otPath = process.env.OTJS;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '-results') resultsFile = args[++i];
  else if (args[i] !== '-by-name') otPath = args[i];
}
if (!otPath) {
  console.error('usage: OTJS=/path/to/node_modules/ot node otjs.mjs [-results FILE]');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const { TextOperation } = require(resolve(otPath));

const here = dirname(fileURLToPath(import.meta.url));
const corpus = JSON.parse(readFileSync(join(here, 'cases.json'), 'utf8'));
const cases = corpus.cases.map((c) => ({
  name: c.name,
  transform: c.kind === 'transform',
  doc: corpus.docs[c.doc],
  a: TextOperation.fromJSON(c.a),
  b: TextOperation.fromJSON(c.b),
}));
const transforms = cases.filter((c) => c.transform);
const composes = cases.filter((c) => !c.transform);

// Each pass is one b.Loop iteration of the Go benchmark of the same name.
// sink keeps the results alive so that the JIT cannot drop the work.
let sink = 0;
const passes = {
  transform() {
    for (const c of transforms) {
      const [ap, bp] = TextOperation.transform(c.a, c.b);
      sink += ap.ops.length + bp.ops.length;
    }
  },
  compose() {
    for (const c of composes) sink += c.a.compose(c.b).ops.length;
  },
  apply() {
    for (const c of cases) sink += c.a.apply(c.doc).length;
  },
  all() {
    for (const c of cases) {
      if (c.transform) {
        const [ap, bp] = TextOperation.transform(c.a, c.b);
        sink += ap.ops.length + bp.ops.length;
      } else {
        sink += c.a.compose(c.b).ops.length;
      }
      sink += c.a.apply(c.doc).length;
    }
  },
};

if (resultsFile) {
  const sha = (s) => createHash('sha256').update(s, 'utf8').digest('hex');
  const out = cases.map((c) => {
    const r = { name: c.name, apply: sha(c.a.apply(c.doc)) };
    if (c.transform) {
      const [ap, bp] = TextOperation.transform(c.a, c.b);
      r.aPrime = ap.toJSON();
      r.bPrime = bp.toJSON();
    } else {
      r.composed = c.a.compose(c.b).toJSON();
    }
    return r;
  });
  writeFileSync(resultsFile, out.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

// With -by-name, each group of cases of the same name is timed on its own
// too (transform or compose only), as BenchmarkCorpusByName does.
if (args.includes('-by-name')) {
  const groups = new Map();
  for (const c of cases) {
    const key = c.name.replaceAll(' ', '_');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(c);
  }
  for (const [key, group] of groups) {
    passes['byname/' + key] = () => {
      for (const c of group) {
        if (c.transform) {
          const [ap, bp] = TextOperation.transform(c.a, c.b);
          sink += ap.ops.length + bp.ops.length;
        } else {
          sink += c.a.compose(c.b).ops.length;
        }
      }
    };
  }
}

const ms = Number(process.env.BENCH_MS || 1000);
for (const [name, pass] of Object.entries(passes)) {
  // Warm up until the JIT has settled, then time whole passes.
  for (let t0 = performance.now(); performance.now() - t0 < ms / 4; ) pass();
  let n = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < BigInt(ms) * 1000000n) {
    for (let i = 0; i < 16; i++) pass();
    n += 16;
    elapsed = process.hrtime.bigint() - t0;
  }
  const ns = Number(elapsed) / n;
  console.log(`BenchmarkCorpus/${name}-otjs\t${n}\t${ns.toFixed(0)} ns/op`);
}
if (sink === 0) console.log('sink', sink);
