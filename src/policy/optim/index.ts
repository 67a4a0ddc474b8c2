/** Optimisation of trainable tensors: AdamW, global-norm clipping, learning-rate schedules. */
export * from './adamw.js';
export * from './clip.js';
export * from './schedule.js';
export * from './trainer-config.js';
