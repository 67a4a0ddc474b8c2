/**
 * `glimpse eval --model <folder|glimpse-tiny>`: a glimpse policy (QwenVLPolicy) as an EvalModel.
 * The policy resizes each image for its vision tower; the coordinate map it reports goes from the
 * image it received to its input, and the runner composes it with the map of how that image was
 * prepared from the original.
 */
import { loadImage } from '../../../modalities/image/load.js';
import type { RgbImage } from '../../../modalities/types.js';
import { loadPolicy } from '../../policy/model/folder.js';
import type { EvalModel, Generation, ImageInput } from '../types.js';
import type { ModelOptions } from './index.js';

async function toRgb(img: ImageInput): Promise<RgbImage> {
  if ('bytes' in img) return loadImage(img.bytes, { name: 'eval image' });
  return img;
}

export async function createLocalModel(path: string, _o: ModelOptions = {}): Promise<EvalModel> {
  const policy = await loadPolicy(path);
  return {
    name: policy.name,
    needs: { media: true },
    async generate(requests, sampling, options) {
      const out: Generation[] = [];
      for (const [i, r] of requests.entries()) {
        if (options?.signal?.aborted) break;
        let g: Generation;
        try {
          const images = await Promise.all((r.images ?? []).map(toRgb));
          const text = r.system ? `${r.system}\n\n${r.prompt}` : r.prompt;
          const enc = await policy.encodePrompt({ text, images });
          const [ro] = await policy.generateEncoded([enc], { n: 1, temperature: sampling.temperature, topP: sampling.topP ?? 1, maxNewTokens: sampling.maxTokens, seed: sampling.seed ?? 0 });
          const map = enc.maps[0];
          g = { text: ro!.text, ...(map ? { coords: { original: [...map.original] as [number, number], input: [...map.input] as [number, number], space: 'pixel' as const } } : {}) };
        } catch (e) {
          g = { text: '', error: (e as Error).message };
        }
        out.push(g);
        await options?.onResult?.(i, g);
      }
      return out;
    },
    close: () => policy.release(),
  };
}
