import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../../src/cli/main.js';
import { runExport } from '../../../../src/cli/export.js';
import { loadPolicy, savePolicy } from '../../../../src/policy/model/folder.js';

const dir = mkdtempSync(join(tmpdir(), 'glimpse-export-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const r = { out: '', err: '', stdout: (s: string) => (r.out += s), stderr: (s: string) => (r.err += s) };
  return r;
}

describe('glimpse export', () => {
  it('exports a saved model folder with progress lines and prints the folder', async () => {
    const policy = await loadPolicy('glimpse-tiny', { seed: 4 });
    const model = join(dir, 'model');
    await savePolicy(policy, model);
    await policy.release();
    const out = join(dir, 'web');
    const r = io();
    const written = await runExport(model, { format: 'transformersjs', out }, r);
    expect(r.out.trim()).toBe(written);
    expect(r.err).toContain('onnx/decoder_model_merged.onnx');
    expect(r.err).toMatch(/wrote \d+ files/);
    for (const f of ['onnx/vision_encoder.onnx', 'onnx/embed_tokens.onnx', 'onnx/decoder_model_merged.onnx', 'config.json', 'tokenizer.json']) expect(existsSync(join(out, f)), f).toBe(true);
    // a second run needs --force
    const again = io();
    await expect(runExport(model, { out }, again)).rejects.toThrow(/not empty/);
    expect(again.err).toBe(''); // refused before loading the model
    await runExport(model, { out, force: true }, io());
  }, 120_000);

  it('gives clear errors: unknown format, missing folder, missing --out, bad flags', async () => {
    await expect(runExport('glimpse-tiny', { format: 'gguf', out: join(dir, 'x') }, io())).rejects.toThrow(/unknown export format "gguf"; known: transformersjs/);
    await expect(runExport(join(dir, 'nope'), { out: join(dir, 'y') }, io())).rejects.toThrow(/not a model folder, and not a preset/);
    await expect(runExport('glimpse-tiny', {}, io())).rejects.toThrow(/--out <dir> is required/);
    await expect(runExport('glimpse-tiny', { out: join(dir, 'z'), seed: '-1' }, io())).rejects.toThrow(/--seed/);
    await expect(runExport('glimpse-tiny', { out: join(dir, 'z'), externalData: 'maybe' }, io())).rejects.toThrow(/--external-data/);
    const empty = join(dir, 'empty-model');
    mkdirSync(empty);
    await expect(runExport(empty, { out: join(dir, 'w') }, io())).rejects.toThrow(/config\.json/);
    const corrupt = join(dir, 'corrupt-model');
    mkdirSync(corrupt);
    writeFileSync(join(corrupt, 'config.json'), '{"model_type": "qwen2_vl", "vocab_size": ');
    await expect(runExport(corrupt, { out: join(dir, 'v') }, io())).rejects.toThrow(/not valid JSON/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it('the CLI turns errors into one line and a non-zero exit code', async () => {
    const err: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
    const before = process.exitCode;
    try {
      await main(['node', 'glimpse', 'export', join(dir, 'missing'), '--out', join(dir, 'o')]);
      expect(process.exitCode).toBe(1);
    } finally {
      process.stderr.write = write;
      process.exitCode = before;
    }
    expect(err.join('')).toMatch(/^glimpse: .*missing: not a model folder/m);
    expect(err.join('')).not.toMatch(/    at /); // no stack trace
  });
});
