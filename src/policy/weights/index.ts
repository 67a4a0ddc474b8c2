/** Weights on disk: safetensors files and Hugging Face checkpoints (single file or sharded). */
export * from './dtype.js';
export * from './safetensors.js';
export * from './checkpoint.js';
