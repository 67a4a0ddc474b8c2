import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getBenchmark, listBenchmarks } from '../../../src/eval/benchmarks/index.js';
import { createOpenAIModel } from '../../../src/eval/models/openai.js';
import { createProgress } from '../../../src/eval/progress.js';
import { runEval } from '../../../src/eval/runner.js';
import type { EvalItem, PreparedItem } from '../../../src/eval/types.js';
import { jpeg, tempDir, writeRefcocoParquet } from './helpers.js';

let t: ReturnType<typeof tempDir>;
let server: Server | undefined;
beforeEach(() => {
  t = tempDir();
});
afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((r) => server!.close(r));
    server = undefined;
  }
  t.cleanup();
});

describe('end to end with a fake OpenAI-compatible endpoint', () => {
  it('sends smart-resized images and maps pixel answers of the sent image back to the original', async () => {
    // Each image has a white rectangle at the true box; the fake "model" finds it in the image it
    // was SENT (after resizing) and answers in those pixels, like Qwen2.5-VL behind vLLM.
    const dir = join(t.dir, 'data');
    const mk = async (w: number, h: number, b: [number, number, number, number]) =>
      new Uint8Array(
        await sharp({ create: { width: w, height: h, channels: 3, background: { r: 0, g: 0, b: 0 } } })
          .composite([{ input: { create: { width: b[2], height: b[3], channels: 3, background: { r: 255, g: 255, b: 255 } } }, left: b[0], top: b[1] }])
          .jpeg({ quality: 95 })
          .toBuffer(),
      );
    const rows = [
      { question_id: 'a', bbox: [40, 30, 200, 100] as [number, number, number, number], w: 640, h: 480 },
      { question_id: 'b', bbox: [300, 10, 100, 300] as [number, number, number, number], w: 500, h: 333 },
    ];
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    writeRefcocoParquet(join(dir, 'val-00000-of-00001.parquet'), await Promise.all(rows.map(async (r) => ({ question_id: r.question_id, image: await mk(r.w, r.h, r.bbox), bbox: r.bbox, answer: 'the white box' }))));
    const sentSizes: Array<[number, number]> = [];
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const url: string = body.messages[0].content[0].image_url.url;
        const img = sharp(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'));
        const { data, info } = await img.greyscale().raw().toBuffer({ resolveWithObject: true });
        sentSizes.push([info.width, info.height]);
        let x1 = Infinity, y1 = Infinity, x2 = -1, y2 = -1;
        for (let y = 0; y < info.height; y++) for (let x = 0; x < info.width; x++) if (data[y * info.width + x]! > 128) {
          x1 = Math.min(x1, x); y1 = Math.min(y1, y); x2 = Math.max(x2, x + 1); y2 = Math.max(y2, y + 1);
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ message: { content: `<think>white</think><answer>{"bbox_2d": [${x1}, ${y1}, ${x2}, ${y2}]}</answer>` } }] }));
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const model = createOpenAIModel({ baseUrl: url, model: 'fake-qwen', concurrency: 2 });
    const s = await runEval({ benchmark: getBenchmark('refcoco'), options: { data: dir, maxPixels: 200 * 28 * 28 }, model, sampling: { temperature: 0, maxTokens: 64 }, out: join(t.dir, 'run') });
    // the images were sent smaller than stored, on the 28-px grid
    for (const [w, h] of sentSizes) {
      expect(w % 28).toBe(0);
      expect(h % 28).toBe(0);
      expect(w * h).toBeLessThanOrEqual(200 * 28 * 28);
    }
    expect(s.n).toBe(2);
    expect(s.metrics['Acc@0.5']).toBe(1);
    expect(s.metrics.mIoU).toBeGreaterThan(0.9);
  });
});

describe('scorers never throw on model output', () => {
  it('every benchmark scores arbitrary, empty, huge, unicode and NaN-laden text', async () => {
    const items: Array<{ b: ReturnType<typeof getBenchmark>; item: EvalItem; p: PreparedItem }> = [];
    const answers: Record<string, EvalItem['sample']['answer']> = {
      refcoco: { bbox: [1, 2, 30, 40] },
      'refcoco+': { bbox: [1, 2, 30, 40] },
      refcocog: { bbox: [1, 2, 30, 40] },
      'charades-sta': { span: [1, 5] },
      'hc-stvg': { span: [0, 1], tube: { frames: { '0': [1, 1, 5, 5], '1': [1, 1, 5, 5] } } },
      scanrefer: { box3d: { center: [0, 0, 0], size: [1, 1, 1] } },
      mcq: { choice: 'B' },
      timeseries: { label: 'a' },
      svg: { text: 'a cat' },
    };
    for (const b of listBenchmarks()) {
      if (b.name === 'synthetic') continue;
      const answer = answers[b.name];
      expect(answer, `fuzz answer for ${b.name}`).toBeDefined();
      const meta = { fps: 1, imgNum: 10, stFrame: 0, caption: 'c', video: 'v', letters: 'ABCD', options: ['w', 'x', 'y', 'z'], classes: ['a', 'b'] };
      const item: EvalItem = { id: 'x', sample: { id: 'x', prompt: 'p', media: [], answer: answer!, meta }, groups: {} };
      items.push({ b, item, p: { request: { id: 'x', prompt: 'p' }, coords: { original: [100, 80], space: 'norm1000' } } });
    }
    const texts = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('', '   ', 'NaN', '<answer>NaN - Infinity</answer>', '<answer>[NaN, 1, 2, 3]</answer>', '<answer>{"center": [1e400, 0, 0], "size": [1, 1, 1]}</answer>', '<answer>', '</answer><answer>', '<answer>{"span": [', '<svg', '\u0000\uffff'),
      fc.constant('['.repeat(5000) + '1, 2, 3, 4' + ']'.repeat(5000)),
    );
    await fc.assert(
      fc.asyncProperty(texts, async (text) => {
        for (const { b, item, p } of items) {
          const s = await b.score(item, text, p);
          for (const v of Object.values(s.values)) expect(v >= 0 && v <= 1, `${b.name} on ${JSON.stringify(text.slice(0, 40))}`).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
    const huge = `<think>${'é🙂'.repeat(250_000)}</think><answer>[1, 2, 30, 40]</answer>`;
    for (const { b, item, p } of items) await expect(Promise.resolve(b.score(item, huge, p))).resolves.toBeDefined();
    await getBenchmark('svg').close?.();
  });
});

describe('progress bar', () => {
  it('redraws one line on a TTY and prints sparse lines otherwise', () => {
    let tty = '';
    const p1 = createProgress({ isTTY: true, columns: 80, write: (s: string) => (tty += s) }, { now: () => 0 });
    p1.start(4, 'refcoco');
    for (let i = 0; i < 4; i++) p1.tick();
    p1.done();
    expect(tty.startsWith('\r')).toBe(true);
    expect(tty).toContain('4/4 100%');
    expect(tty.trimEnd().split('\n')).toHaveLength(1);
    let log = '';
    let clock = 0;
    const p2 = createProgress({ isTTY: false, write: (s: string) => (log += s) }, { now: () => (clock += 10) });
    p2.start(1000, 'x');
    for (let i = 0; i < 1000; i++) p2.tick();
    p2.done();
    const lines = log.trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(12);
    expect(lines.at(-1)).toContain('1000/1000 100%');
    let quiet = '';
    const p3 = createProgress({ isTTY: true, write: (s: string) => (quiet += s) }, { quiet: true });
    p3.start(2, 'x');
    p3.tick();
    p3.done();
    expect(quiet).toBe('');
  });
});
