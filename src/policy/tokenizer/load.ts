/**
 * Loading a tokenizer folder (glimpse's own or any Hugging Face one: `tokenizer.json` +
 * `tokenizer_config.json`) through @huggingface/transformers, from the local disk only.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GlimpseError, describeError } from '../../util/errors.js';

/** The transformers.js tokenizer type (kept structural so callers need not import transformers). */
export type HfTokenizer = Awaited<ReturnType<(typeof import('@huggingface/transformers'))['AutoTokenizer']['from_pretrained']>>;

/**
 * Loads the tokenizer in folder `dir` with `AutoTokenizer.from_pretrained(<absolute path>,
 * {local_files_only: true})`; never touches the network. Missing folder or files are
 * `GlimpseError('not_found')`, unreadable ones `corrupt`.
 */
export async function loadTokenizer(dir: string): Promise<HfTokenizer> {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new GlimpseError('not_found', `${dir}: tokenizer folder not found`);
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) {
    if (!existsSync(join(abs, f))) throw new GlimpseError('not_found', `${dir}: no ${f} in the tokenizer folder`);
  }
  const { AutoTokenizer } = await import('@huggingface/transformers');
  try {
    return await AutoTokenizer.from_pretrained(abs, { local_files_only: true });
  } catch (e) {
    throw new GlimpseError('corrupt', `${dir}: cannot load the tokenizer (${describeError(e)})`, undefined, { cause: e });
  }
}
