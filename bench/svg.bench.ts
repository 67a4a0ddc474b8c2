/**
 * SVG benchmark: renders per second at 256×256 (PNG out) over the SVG corpus (resvg's test suite
 * in ../shared/corpora/svg, 1,721 files, or a folder given as the first argument), glimpse's
 * render pool on all cores (sanitise + validity gate + resvg + PNG encode, one process per core)
 * beside Debian's cairosvg (the reference renderer of the SVG-RL papers, called there one file
 * after another in one Python process) on the same files in the same run. `--cairo-procs N`
 * runs cairosvg in N processes instead (N = the number of cores compares like with like).
 *
 *   apt-get install -y python3-cairosvg      (installs into /usr/bin/python3)
 *   npm run bench -- svg [corpus-dir] [--cairo-procs N]     (about 1–2 minutes)
 *
 * Failures count as processed files for both (an invalid SVG still costs a parse); per-file
 * timeout 10 s for both. Ends with `RESULT svg_vs_cairosvg <ratio>` (glimpse renders/s over
 * cairosvg renders/s).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SvgRenderPool } from '../modalities/svg/pool.js';

const SIZE = 256;
const root = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2);
const procsAt = args.indexOf('--cairo-procs');
const cairoProcs = procsAt >= 0 ? Math.max(1, Number(args[procsAt + 1]) || 1) : 1;
const positional = args.filter((a, i) => !a.startsWith('--') && (procsAt < 0 || i !== procsAt + 1));
const corpus = resolve(positional[0] ?? join(root, '../shared/corpora/svg'));
const PY = '/usr/bin/python3';

function walk(d: string): string[] {
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.svg') ? [p] : [];
  });
}

if (!existsSync(corpus)) {
  process.stderr.write(`svg bench: corpus folder not found: ${corpus}\n`);
  process.exit(1);
}
const files = walk(corpus).sort();
const texts = files.map((f) => readFileSync(f, 'utf8'));
const cores = availableParallelism();
console.log(`corpus: ${files.length} SVGs from ${corpus}; ${cores} cores; ${SIZE}x${SIZE} PNG`);

// --- glimpse: the render pool on all cores ---------------------------------------------------
const pool = new SvgRenderPool({ size: cores, timeoutMs: 10_000 });
// warm-up: start the processes (a trainer keeps its pool for the whole run)
await Promise.all(Array.from({ length: cores * 4 }, (_, i) => pool.render(texts[i % texts.length]!, { width: SIZE, height: SIZE, png: true }).catch(() => undefined)));
const g0 = performance.now();
const outcomes = await Promise.all(
  texts.map((t, i) =>
    pool.render(t, { width: SIZE, height: SIZE, png: true, rgb: false, name: files[i] }).then(
      () => 'ok',
      (e: { code?: string }) => e.code ?? 'error',
    ),
  ),
);
const gSec = (performance.now() - g0) / 1000;
await pool.close();
const gCodes: Record<string, number> = {};
for (const o of outcomes) gCodes[o] = (gCodes[o] ?? 0) + 1;
const gRate = files.length / gSec;
console.log(`glimpse  : ${gSec.toFixed(2)} s, ${gRate.toFixed(1)} files/s  ${JSON.stringify(gCodes)}`);

// --- cairosvg: the same files, as many processes as cores --------------------------------------
const py = String.raw`
import json, sys, time, signal
from multiprocessing import Pool
import cairosvg

SIZE = int(sys.argv[2])

class Timeout(Exception):
    pass

def on_alarm(signum, frame):
    raise Timeout()

def render(path):
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(10)
    try:
        with open(path, 'rb') as f:
            cairosvg.svg2png(bytestring=f.read(), output_width=SIZE, output_height=SIZE)
        return 'ok'
    except Timeout:
        return 'timeout'
    except BaseException as e:
        return 'error'
    finally:
        signal.alarm(0)

if __name__ == '__main__':
    files = json.load(open(sys.argv[1]))
    procs = int(sys.argv[3])
    with Pool(procs) as pool:
        pool.map(render, files[: procs * 4])  # warm-up, as for glimpse
        t0 = time.perf_counter()
        out = pool.map(render, files, chunksize=8)
        sec = time.perf_counter() - t0
    codes = {}
    for o in out:
        codes[o] = codes.get(o, 0) + 1
    print(json.dumps({'seconds': sec, 'codes': codes}))
`;
const check = spawnSync(PY, ['-c', 'import cairosvg'], { encoding: 'utf8' });
if (check.status !== 0) {
  process.stderr.write(`svg bench: cairosvg is not installed for ${PY} (apt-get install -y python3-cairosvg)\n`);
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'glimpse-svg-bench-'));
const list = join(dir, 'files.json');
const script = join(dir, 'cairo_bench.py');
writeFileSync(list, JSON.stringify(files));
writeFileSync(script, py);
const r = spawnSync(PY, [script, list, String(SIZE), String(cairoProcs)], { encoding: 'utf8', maxBuffer: 1 << 24, timeout: 30 * 60_000 });
rmSync(dir, { recursive: true, force: true });
const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
let cairo: { seconds: number; codes: Record<string, number> };
try {
  cairo = JSON.parse(last) as typeof cairo;
} catch {
  process.stderr.write(`svg bench: cairosvg run failed (exit ${r.status}): ${(r.stderr ?? '').slice(-500)}\n`);
  process.exit(1);
}
const cRate = files.length / cairo.seconds;
console.log(`cairosvg : ${cairo.seconds.toFixed(2)} s, ${cRate.toFixed(1)} files/s  ${JSON.stringify(cairo.codes)}  (${cairoProcs} process${cairoProcs > 1 ? 'es' : ''})`);
console.log(`ratio    : ${(gRate / cRate).toFixed(2)}x (target >= 3x; glimpse on ${cores} cores, cairosvg in ${cairoProcs} process${cairoProcs > 1 ? 'es' : ''})`);
console.log(`RESULT svg_vs_cairosvg ${(gRate / cRate).toFixed(2)}`);
