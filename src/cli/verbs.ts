import type { Command } from 'commander';
import { register as train } from './train.js';
import { register as sft } from './sft.js';
import { register as reward } from './reward.js';
import { register as render } from './render.js';
import { register as serve } from './serve.js';
import { register as evaluate } from './eval.js';
import { register as exportModel } from './export.js';

/** Every verb of the CLI, in the order `glimpse --help` lists them. */
export const VERBS: Array<(program: Command) => void> = [train, sft, reward, render, serve, evaluate, exportModel];
