/**
 * Gradient rules by ONNX op type. Each op file registers the rule for the op it emits, written
 * with the same builder; {@link grad} (./autodiff.ts) looks rules up here.
 */
import { GlimpseError } from '../../util/errors.js';
import type { GraphBuilder } from './builder.js';
import type { AttrValue, NodeRec } from './core.js';
import type { Tensor } from './tensor.js';

/** What a gradient rule sees of one forward node. */
export interface GradContext {
  readonly g: GraphBuilder;
  readonly node: NodeRec;
  /** Forward inputs (undefined for absent optional inputs). */
  readonly x: readonly (Tensor | undefined)[];
  /** Forward outputs. */
  readonly y: readonly Tensor[];
  /** Gradient of the loss w.r.t. each output (undefined: that output does not reach the loss). */
  readonly dy: readonly (Tensor | undefined)[];
  /** Which inputs need a gradient (float, on a path from a `wrt` tensor, not stopped). */
  readonly needs: readonly boolean[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

/** Returns the gradient of each input (undefined where none is needed or none flows). */
export type GradRule = (ctx: GradContext) => readonly (Tensor | undefined)[];

const rules = new Map<string, GradRule>();

/** Registers the gradient rule of an op type (once). */
export function registerGradient(opType: string, rule: GradRule): void {
  if (rules.has(opType)) throw new GlimpseError('bad_argument', `registerGradient: '${opType}' already has a rule`);
  rules.set(opType, rule);
}

/** Registers op types whose outputs carry no gradient (shapes, comparisons, integer math). */
export function registerNoGradient(...opTypes: string[]): void {
  for (const t of opTypes) registerGradient(t, () => []);
}

/** The rule for an op type; throws listing the known ones. */
export function gradientRule(opType: string): GradRule {
  const r = rules.get(opType);
  if (!r) {
    throw new GlimpseError('unknown_name', `grad: no gradient rule for op '${opType}' (known: ${[...rules.keys()].sort().join(', ')})`);
  }
  return r;
}

/** Op types with a registered rule. */
export function knownGradients(): string[] {
  return [...rules.keys()].sort();
}

/** What a custom-gradient rule sees (see GraphBuilder.customGradient). */
export interface CustomGradContext {
  readonly g: GraphBuilder;
  /** The composite's inputs. */
  readonly x: readonly Tensor[];
  /** Its output. */
  readonly y: Tensor;
  /** Intermediate values the forward chose to keep for the backward pass. */
  readonly saved: readonly Tensor[];
  /** Gradient of the loss w.r.t. `y`. */
  readonly dy: Tensor;
  /** Which inputs need a gradient. */
  readonly needs: readonly boolean[];
}

/** A hand-written gradient of a composite: one gradient (or undefined) per input. */
export type CustomGradRule = (ctx: CustomGradContext) => readonly (Tensor | undefined)[];
