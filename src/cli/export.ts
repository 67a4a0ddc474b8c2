/**
 * `glimpse export <model-dir|preset> --format transformersjs --out <dir>`: writes a glimpse model
 * (a Hugging Face-layout folder, or a preset such as glimpse-tiny) in another runtime's layout.
 * Progress goes to stderr, one line per step; the exported folder's path to stdout.
 */
import type { Command } from 'commander';
import { GlimpseError } from '../util/errors.js';

export interface ExportCliOptions {
  format?: string;
  out?: string;
  seed?: string;
  force?: boolean;
  externalData?: string;
}

export interface ExportIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const EXTERNAL = ['auto', 'always', 'never'] as const;

/** The export verb (exported for tests). Returns the folder written. */
export async function runExport(source: string, opts: ExportCliOptions, io: ExportIO = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }): Promise<string> {
  const { checkExportOut, exportFormat } = await import('../policy/export/transformersjs.js');
  const format = exportFormat(opts.format ?? 'transformersjs');
  if (!opts.out) throw new GlimpseError('bad_argument', 'export: --out <dir> is required (the folder to write)');
  const external = (opts.externalData ?? 'auto') as (typeof EXTERNAL)[number];
  if (!EXTERNAL.includes(external)) throw new GlimpseError('bad_argument', `export: --external-data must be one of ${EXTERNAL.join(', ')}, got "${opts.externalData}"`);
  let seed = 0;
  if (opts.seed !== undefined) {
    seed = Number(opts.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new GlimpseError('bad_argument', `export: --seed must be a non-negative integer, got "${opts.seed}"`);
  }
  checkExportOut(opts.out, opts.force ?? false); // before the (possibly long) model load
  const { loadPolicy } = await import('../policy/model/folder.js');
  io.stderr(`loading ${source}\n`);
  const policy = await loadPolicy(source, { seed });
  try {
    io.stderr(`exporting ${policy.cfg.modelType} (${policy.cfg.text.numHiddenLayers} decoder layers, vocab ${policy.cfg.text.vocabSize}) as ${format.name}\n`);
    const r = await format.run(policy, opts.out, { overwrite: opts.force ?? false, externalData: external, onProgress: (l) => io.stderr(`${l}\n`) });
    io.stdout(`${r.out}\n`);
    return r.out;
  } finally {
    await policy.release();
  }
}

export function register(program: Command): void {
  program
    .command('export')
    .description('export a glimpse model to another runtime: glimpse export <model-dir|glimpse-tiny> --format transformersjs --out <dir>')
    .argument('<model>', 'a model folder (config.json, *.safetensors, tokenizer.json) or a preset name (glimpse-tiny)')
    .option('--format <name>', 'export format (transformersjs: the ONNX layout @huggingface/transformers loads for Qwen2-VL)', 'transformersjs')
    .option('--out <dir>', 'folder to write (must be empty or absent unless --force)')
    .option('--seed <n>', 'seed of a preset\'s random initialisation (presets only)')
    .option('--external-data <mode>', 'ONNX weights in a side file onnx/<name>.onnx_data: auto (over 1.5 GiB), always, never', 'auto')
    .option('--force', 'replace an existing --out folder')
    .action(async (model: string, opts: ExportCliOptions) => {
      await runExport(model, opts);
    });
}
