import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { counterVideo } from '../../modalities/video/fixtures.js';
import { getBenchmark } from '../../../src/eval/benchmarks/index.js';
import { createOpenAIModel } from '../../../src/eval/models/openai.js';
import { runEval } from '../../../src/eval/runner.js';
import { tempDir } from './helpers.js';

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

describe('charades-sta through the video adapter and an endpoint', () => {
  it('sends sampled frames with their times and scores the answered span', async () => {
    const videos = join(t.dir, 'videos');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(videos);
    counterVideo(videos, { seconds: 4, fps: 10, name: 'VID01.mp4' });
    const data = join(t.dir, 'charades_sta_test.txt');
    writeFileSync(data, 'VID01 1.0 2.0##person opens a door.\n');
    const seen: Array<{ images: number; times: number[] }> = [];
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const content = JSON.parse(Buffer.concat(chunks).toString('utf8')).messages[0].content as Array<{ type: string; text?: string }>;
        const text = content.find((c) => c.type === 'text')!.text!;
        const times = [...text.matchAll(/Frame \d+ at ([\d.]+)s/g)].map((m) => Number(m[1]));
        seen.push({ images: content.filter((c) => c.type === 'image_url').length, times });
        // answer with the shown frame times that fall in [1, 2]
        const inside = times.filter((x) => x >= 0.95 && x <= 2.05);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ message: { content: `<answer>${inside[0]} - ${inside.at(-1)}</answer>` } }] }));
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const s = await runEval({
      benchmark: getBenchmark('charades-sta'),
      options: { data, media: videos, frames: 9 },
      model: createOpenAIModel({ baseUrl: url, model: 'fake' }),
      sampling: { temperature: 0, maxTokens: 64 },
      out: join(t.dir, 'run'),
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.images).toBe(9);
    expect(seen[0]!.times).toHaveLength(9);
    expect(s.n).toBe(1);
    expect(s.metrics['R1@0.3']).toBe(1);
    expect(s.metrics.mIoU).toBeGreaterThan(0.4);
  });

  it('a missing video is not scored and says which file', async () => {
    const videos = join(t.dir, 'videos');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(videos);
    const data = join(t.dir, 'charades_sta_test.txt');
    writeFileSync(data, 'NOPE1 1.0 2.0##x.\n');
    const s = await runEval({
      benchmark: getBenchmark('charades-sta'),
      options: { data, media: videos, frames: 4 },
      model: createOpenAIModel({ baseUrl: 'http://127.0.0.1:1/v1', model: 'unused' }),
      sampling: { temperature: 0, maxTokens: 8 },
      out: join(t.dir, 'run'),
    });
    expect(s.n).toBe(0);
    expect(s.errors).toBe(1);
  });
});
