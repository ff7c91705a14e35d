// Precompresses the built app for the server (api/web.go), which picks the
// variant a browser accepts: for every text file in dist/ of 1 KiB or more,
// name.br (brotli, quality 11) and name.gz (gzip, level 9) are written next to
// it, unless they would not be smaller. Uses node's zlib only.
import { brotliCompress, constants, gzip } from 'node:zlib';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const compressible = /\.(js|mjs|css|html|svg|json|txt|ttf|map|wasm)$/;
const MIN_SIZE = 1024;
const br = promisify(brotliCompress);
const gz = promisify(gzip);

async function* files(dir) {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else yield p;
  }
}

let before = 0;
let afterBr = 0;
const jobs = [];
for await (const file of files(dist)) {
  if (!compressible.test(file) || (await stat(file)).size < MIN_SIZE) continue;
  jobs.push(
    (async () => {
      const data = await readFile(file);
      const [b, g] = await Promise.all([
        br(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }),
        gz(data, { level: 9 }),
      ]);
      before += data.length;
      afterBr += Math.min(b.length, data.length);
      if (b.length < data.length) await writeFile(file + '.br', b);
      if (g.length < data.length) await writeFile(file + '.gz', g);
    })(),
  );
}
await Promise.all(jobs);
console.log(`compressed ${jobs.length} files: ${(before / 1024).toFixed(0)} KiB -> ${(afterBr / 1024).toFixed(0)} KiB with brotli`);
