import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { cli as runCli } from '../../helpers/cli.js';
import { encodePly, syntheticRoom } from '../../../modalities/scene3d/synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'glimpse-cli-scene-'));
const room = syntheticRoom(8000);
const ply = join(dir, 'room.ply');
writeFileSync(ply, encodePly(room.cloud));
const boxes = join(dir, 'boxes.json');
writeFileSync(boxes, JSON.stringify({ boxes: room.boxes }));

describe('glimpse render scene', () => {
  it('writes N views and prints cameras, projected boxes and the ranking', async () => {
    const out = join(dir, 'views');
    const r = await runCli(['render', 'scene', ply, '--out', out, '--views', '4', '--size', '96x64', '--boxes', `@${boxes}`, '--targets', 'table', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.out).toEqual([1, 2, 3, 4].map((k) => join(out, `view-${k}.png`)));
    expect(doc.cameras.length).toBe(4);
    expect(doc.cameras[0].K).toEqual([[doc.cameras[0].K[0][0], 0, 48], [0, doc.cameras[0].K[1][1], 32], [0, 0, 1]]);
    expect(doc.cameras[0].R.length).toBe(3);
    expect(doc.boxes2d[0].length).toBe(3);
    expect(doc.ranking[0].targets[0].label).toBe('table');
    const meta = await sharp(readFileSync(doc.out[0])).metadata();
    expect([meta.width, meta.height]).toEqual([96, 64]);
  });

  it('keeps the best view into a single PNG', async () => {
    const out = join(dir, 'best.png');
    const r = await runCli(['render', 'scene', ply, '--out', out, '--keep', '1', '--boxes', JSON.stringify(room.boxes), '--size', '64x64']);
    expect(r.code).toBe(0);
    expect(existsSync(out)).toBe(true);
  });

  it('fails with one line naming the file for corrupt or lying PLYs and bad options', async () => {
    const lying = join(dir, 'lying.ply');
    writeFileSync(lying, Buffer.from(Buffer.from(encodePly(room.cloud)).toString('latin1').replace('vertex 8000', 'vertex 9000000'), 'latin1'));
    const junk = join(dir, 'junk.ply');
    writeFileSync(junk, 'ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\nproperty float z\nend_header\n1 2 3\n');
    for (const [file, why] of [[lying, 'declares 9000000 vertices'], [junk, 'only 1'], [join(dir, 'nope.ply'), 'no such file']] as const) {
      const r = await runCli(['render', 'scene', file, '--out', join(dir, 'never')]);
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n')[0]).toContain(file);
      expect(r.stderr).toContain(why);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    for (const [args, re] of [[['--views', '0'], /--views/], [['--boxes', '[{'], /--boxes/], [['--targets', 'sofa'], /sofa/], [['--elevation', 'up'], /--elevation/]] as const) {
      const r = await runCli(['render', 'scene', ply, '--out', join(dir, 'never'), ...args, ...(args[0] === '--targets' ? ['--boxes', `@${boxes}`] : [])]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(re);
    }
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});
