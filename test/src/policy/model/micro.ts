/** A micro Qwen2-VL config for fast model tests (tens of thousands of parameters). */
import type { QwenVLConfig } from '../../../../src/policy/model/config.js';

export function microConfig(over: { modelType?: 'qwen2_vl' | 'qwen2_5_vl'; tie?: boolean } = {}): QwenVLConfig {
  const is25 = over.modelType === 'qwen2_5_vl';
  return {
    modelType: over.modelType ?? 'qwen2_vl',
    text: {
      vocabSize: 64, hiddenSize: 32, intermediateSize: 48, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2,
      headDim: 8, hiddenAct: 'silu', rmsNormEps: 1e-6, ropeTheta: 10000, mropeSection: [1, 1, 2], maxPositionEmbeddings: 512,
      tieWordEmbeddings: over.tie ?? true,
    },
    vision: {
      depth: 2, embedDim: 16, numHeads: 2, mlpDim: 32, hiddenAct: is25 ? 'silu' : 'quick_gelu',
      norm: is25 ? 'rmsnorm' : 'layernorm', mlp: is25 ? 'gated' : 'mlp', inChannels: 3, patchSize: 14, temporalPatchSize: 2,
      spatialMergeSize: 2, outHiddenSize: 32, windowSize: is25 ? 56 : null, fullattBlockIndexes: is25 ? [1] : [], tokensPerSecond: is25 ? 2 : null,
    },
    tokens: { imageTokenId: 60, videoTokenId: 61, visionStartTokenId: 62, visionEndTokenId: 63, bosTokenId: null, eosTokenIds: [59], padTokenId: null },
  };
}
