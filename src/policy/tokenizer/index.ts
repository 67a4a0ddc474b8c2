/** glimpse's byte-level tokenizer (glimpse-tiny) and tokenizer loading. */
export * from './special.js';
export * from './bytes.js';
export * from './pretokenize.js';
export * from './train.js';
export * from './corpus.js';
export * from './chat-template.js';
export * from './build.js';
export * from './load.js';
