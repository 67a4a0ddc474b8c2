/**
 * SVG benchmark: renders per second at 256×256 over the SVG corpus (resvg's test suite in
 * ../shared/corpora/svg, 1,721 files, or a folder given as the first argument): glimpse's render
 * pool on all cores beside Debian's cairosvg (the reference renderer of the SVG-RL papers, called
 * there one file after another in one Python process) on the same files in the same run.
 * `--cairo-procs N` runs cairosvg in N processes instead (N = the number of cores compares
 * like with like).
 *
 *   apt-get install -y python3-cairosvg      (installs into /usr/bin/python3)
 *   npm run bench -- svg [corpus-dir] [--cairo-procs N]     (about 1–2 minutes)
 *
 * What each side does per file, timed from the file's path to a PNG file's bytes in memory:
 * - cairosvg: reads the file, `svg2png(bytestring, output_width=256, output_height=256)`: parse,
 *   draw with cairo, PNG with alpha (libpng's default zlib level).
 * - glimpse: the parent reads the file, sends it to a pool process, which sanitises it (scripts,
 *   external references, limits), renders it with resvg fitted into 256×256, composites it over
 *   white and encodes an RGB PNG (zlib level 1: faster, files ~1.5× larger than level 9); the
 *   PNG comes back to the parent (no raw pixels are returned: `rgb: false`).
 * Mean PNG sizes of both are printed. Not the same drawing work: resvg draws the filters, masks
 * and text cairosvg skips or fails on (its failures count as processed files, as glimpse's do);
 * glimpse clamps feMorphology radii to 16 px (its `maxMorphologyRadius` limit, like librsvg's
 * 10 px; one corpus file has radius 9999, which would cost resvg ~2.5 s) and clips filter regions
 * reaching over half a canvas past it (`filterRegionMargin`; two corpus files: one would cost
 * ~130 ms, the other makes resvg abort its process).
 *
 * Both renderers are warmed up first, untimed, on every 4th file of the corpus (`WARM_EVERY=N`
 * env to change): a trainer renders with the same renderer for hours, so what counts is a warm
 * one. Measured: a render process's first pass over a corpus costs ~15-25% more CPU than later
 * passes (JIT, heap growth); after a warm-up on one half of the corpus, the other half runs as
 * fast as on its second pass (1.21 vs 1.20 ms a file), so the warm-up is general, not a cache of
 * the timed files. cairosvg gets the same warm-up (it gains nothing from it).
 * Both renderers stay warm for the whole run and take the corpus in 8 interleaved chunks
 * (glimpse, cairosvg, glimpse, …), so a machine whose load changes during the run slows both
 * alike; per-file timeout 10 s for both. Also printed: CPU milliseconds per file of each renderer
 * on one thread over a sample, after a warm-up (insensitive to other load). Ends with
 * `RESULT svg_vs_cairosvg <ratio>` (glimpse renders/s over cairosvg renders/s, wall clock).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SvgRenderPool } from '../modalities/svg/pool.js';
import { rasterizeSvg } from '../modalities/svg/raster.js';

const SIZE = 256;
const CHUNKS = 8;
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
if (spawnSync(PY, ['-c', 'import cairosvg'], { encoding: 'utf8' }).status !== 0) {
  process.stderr.write(`svg bench: cairosvg is not installed for ${PY} (apt-get install -y python3-cairosvg)\n`);
  process.exit(1);
}
/** Work N busy processes get done in 1 s, relative to one: how many cores this run really has. */
async function parallelCapacity(n: number): Promise<number> {
  const spin = 'const e=Date.now()+1000;let k=0;while(Date.now()<e){for(let i=0;i<1e5;i++)k++}console.log(k)';
  const once = (m: number) =>
    Promise.all(
      Array.from({ length: m }, () =>
        new Promise<number>((res) => {
          const c = spawn(process.execPath, ['-e', spin], { stdio: ['ignore', 'pipe', 'ignore'] });
          let out = '';
          c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
          c.on('close', () => res(Number(out) || 0));
        }),
      ),
    ).then((xs) => xs.reduce((a, b) => a + b, 0));
  const one = await once(1);
  return one > 0 ? (await once(n)) / one : 0;
}

/**
 * CPU milliseconds used so far by this process's child `node` processes (the render pool's),
 * the live ones plus those already ended and reaped; Linux /proc only, else NaN.
 */
function childNodeCpuMs(): number {
  if (!existsSync('/proc/self/stat')) return NaN;
  const fields = (stat: string) => stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = 10; // ms per clock tick (USER_HZ = 100 on Linux)
  const self = fields(readFileSync('/proc/self/stat', 'utf8'));
  let ms = (Number(self[13]) + Number(self[14])) * tick; // cutime + cstime: reaped children
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = fields(stat);
      if (Number(f[1]) === process.pid && stat.includes('(node)')) ms += (Number(f[11]) + Number(f[12])) * tick;
    } catch {
      /* ended meanwhile */
    }
  }
  return ms;
}

const files = walk(corpus).sort();
const texts = files.map((f) => readFileSync(f, 'utf8'));
const cores = availableParallelism();
console.log(`corpus: ${files.length} SVGs from ${corpus}; ${cores} cores; ${SIZE}x${SIZE} PNG; ${CHUNKS} interleaved chunks`);
const capacity = await parallelCapacity(cores);
console.log(`machine : ${cores} busy processes get ${capacity.toFixed(2)}x the work of one (${capacity < cores * 0.8 ? 'the machine is busy: the pool cannot use all cores' : 'cores free'})`);

// --- cairosvg: a warm Python server that renders the files of each request -------------------
const py = String.raw`
import json, sys, time, signal
from multiprocessing import Pool
import cairosvg

SIZE = int(sys.argv[1])
PROCS = int(sys.argv[2])

class Timeout(Exception):
    pass

def on_alarm(signum, frame):
    raise Timeout()

def render(path):
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(10)
    try:
        with open(path, 'rb') as f:
            png = cairosvg.svg2png(bytestring=f.read(), output_width=SIZE, output_height=SIZE)
        return ('ok', len(png))
    except Timeout:
        return ('timeout', 0)
    except BaseException:
        return ('error', 0)
    finally:
        signal.alarm(0)

def cpu_ms(paths):
    c0 = time.process_time()
    for p in paths:
        render(p)
    return (time.process_time() - c0) * 1000 / max(1, len(paths))

if __name__ == '__main__':
    pool = Pool(PROCS) if PROCS > 1 else None
    for line in sys.stdin:
        req = json.loads(line)
        if 'cpu' in req:
            print(json.dumps({'cpu_ms': cpu_ms(req['cpu'])}), flush=True)
            continue
        t0 = time.perf_counter()
        c0 = time.process_time()
        out = pool.map(render, req['files'], chunksize=4) if pool else [render(f) for f in req['files']]
        seconds = time.perf_counter() - t0
        cpu = (time.process_time() - c0) if not pool else None
        codes = {}
        for o, _ in out:
            codes[o] = codes.get(o, 0) + 1
        print(json.dumps({'seconds': seconds, 'cpu': cpu, 'codes': codes, 'png_bytes': sum(n for _, n in out)}), flush=True)
`;
const dir = mkdtempSync(join(tmpdir(), 'glimpse-svg-bench-'));
const script = join(dir, 'cairo_bench.py');
writeFileSync(script, py);
const cairo = spawn(PY, [script, String(SIZE), String(cairoProcs)], { stdio: ['pipe', 'pipe', 'inherit'] });
const replies = createInterface({ input: cairo.stdout! })[Symbol.asyncIterator]();
async function ask<T>(req: unknown): Promise<T> {
  cairo.stdin!.write(`${JSON.stringify(req)}\n`);
  const r = await replies.next();
  if (r.done) throw new Error('cairosvg server ended early');
  return JSON.parse(r.value) as T;
}

// --- glimpse: the render pool on all cores ---------------------------------------------------
const pool = new SvgRenderPool({ size: cores, timeoutMs: 10_000 });

// warm-up of both, untimed: every WARM_EVERY-th file of the corpus (a trainer renders for hours
// with the same renderer, so what is timed is a warm renderer)
const warmEnv = Math.floor(Number(process.env.WARM_EVERY ?? 4));
const WARM_EVERY = warmEnv >= 1 ? warmEnv : 4;
const warmIdx = files.map((_, i) => i).filter((i) => i % WARM_EVERY === 0);
console.log(`warm-up  : both renderers, untimed, on every ${WARM_EVERY === 1 ? '' : `${WARM_EVERY}th `}file (${warmIdx.length} files)`);
await Promise.all(warmIdx.map((i) => pool.render(texts[i]!, { width: SIZE, height: SIZE, png: true, rgb: false }).catch(() => undefined)));
await ask({ files: warmIdx.map((i) => files[i]!) });

let gSec = 0;
let cSec = 0;
let gPng = 0;
let cPng = 0;
const gChunks: number[] = [];
const cChunks: number[] = [];
let gCpu = 0; // ms: pool processes + this process, during glimpse's chunks
let cCpu: number | undefined = 0; // ms: the cairosvg process during its chunks (one process only)
const gCodes: Record<string, number> = {};
const cCodes: Record<string, number> = {};
for (let k = 0; k < CHUNKS; k++) {
  const lo = Math.floor((k * files.length) / CHUNKS);
  const hi = Math.floor(((k + 1) * files.length) / CHUNKS);
  const k0 = childNodeCpuMs();
  const p0 = process.cpuUsage();
  const t0 = performance.now();
  const outcomes = await Promise.all(
    files.slice(lo, hi).map((f) =>
      pool.render(readFileSync(f, 'utf8'), { width: SIZE, height: SIZE, png: true, rgb: false, name: f }).then(
        (r) => {
          gPng += r.png?.length ?? 0;
          return 'ok';
        },
        (e: { code?: string }) => e.code ?? 'error',
      ),
    ),
  );
  gChunks.push((performance.now() - t0) / 1000);
  const pu = process.cpuUsage(p0);
  gCpu += childNodeCpuMs() - k0 + (pu.user + pu.system) / 1000;
  gSec += gChunks[k]!;
  for (const o of outcomes) gCodes[o] = (gCodes[o] ?? 0) + 1;
  const c = await ask<{ seconds: number; cpu: number | null; codes: Record<string, number>; png_bytes: number }>({ files: files.slice(lo, hi) });
  cCpu = c.cpu === null || cCpu === undefined ? undefined : cCpu + c.cpu * 1000;
  cSec += c.seconds;
  cChunks.push(c.seconds);
  cPng += c.png_bytes;
  for (const [code, n] of Object.entries(c.codes)) cCodes[code] = (cCodes[code] ?? 0) + n;
}
await pool.close();

// CPU time per file on one thread, over every 8th file (not the two pathological ones)
const sample = files.map((f, i) => [f, texts[i]!] as const).filter(([f], i) => i % 8 === 0 && !/huge-(region|radius)/.test(f));
const renderSample = (): void => {
  for (const [, t] of sample) {
    try {
      rasterizeSvg(t, { width: SIZE, height: SIZE, png: true, rgb: false });
    } catch {
      /* counted like cairosvg's failures */
    }
  }
};
renderSample(); // warm-up: this thread has not rendered before (cairosvg's has)
const c0 = process.cpuUsage();
renderSample();
const cu = process.cpuUsage(c0);
const gCpuMs = (cu.user + cu.system) / 1000 / sample.length;
const cCpuMs = (await ask<{ cpu_ms: number }>({ cpu: sample.map(([f]) => f) })).cpu_ms;
cairo.stdin!.end();
rmSync(dir, { recursive: true, force: true });

const gRate = files.length / gSec;
const cRate = files.length / cSec;
const procs = `${cairoProcs} process${cairoProcs > 1 ? 'es' : ''}`;
console.log(`glimpse  : ${gSec.toFixed(2)} s, ${gRate.toFixed(1)} files/s  ${JSON.stringify(gCodes)}  (pool of ${cores})`);
console.log(`cairosvg : ${cSec.toFixed(2)} s, ${cRate.toFixed(1)} files/s  ${JSON.stringify(cCodes)}  (${procs})`);
console.log(`chunks   : glimpse ${gChunks.map((x) => x.toFixed(2)).join(' ')} s; cairosvg ${cChunks.map((x) => x.toFixed(2)).join(' ')} s`);
const okG = gCodes.ok ?? 0;
const okC = cCodes.ok ?? 0;
console.log(`png size : glimpse ${(gPng / Math.max(1, okG) / 1024).toFixed(1)} KiB (RGB, zlib 1), cairosvg ${(cPng / Math.max(1, okC) / 1024).toFixed(1)} KiB (RGBA) on average`);
console.log(`cpu/file : glimpse ${gCpuMs.toFixed(2)} ms, cairosvg ${cCpuMs.toFixed(2)} ms on one thread (${sample.length} files; ratio ${(cCpuMs / gCpuMs).toFixed(2)}x)`);
if (Number.isFinite(gCpu) && cCpu !== undefined) {
  const g = gCpu / files.length;
  const c = cCpu / files.length;
  console.log(
    `cpu total: glimpse ${g.toFixed(2)} ms/file (pool processes + parent), cairosvg ${c.toFixed(2)} ms/file (its process) over the timed chunks; ` +
      `with ${cores} free cores and perfect scaling glimpse would do about ${((cores * c) / g).toFixed(2)}x cairosvg's rate (an estimate, not the RESULT)`,
  );
}
console.log(`ratio    : ${(gRate / cRate).toFixed(2)}x (target >= 3x; glimpse on ${cores} cores, cairosvg in ${procs})`);
console.log(`RESULT svg_vs_cairosvg ${(gRate / cRate).toFixed(2)}`);
