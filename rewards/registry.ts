/**
 * The reward registry: rewards register by name; an unknown name is an error that lists the
 * known ones (verl-style dispatch by name, without an if/elif chain).
 */
import { GlimpseError } from '../src/util/errors.js';
import type { RewardDefinition } from './types.js';

const registry = new Map<string, RewardDefinition<any>>();

/** Registers a reward; a second registration under the same name is an error. */
export function registerReward<P>(def: RewardDefinition<P>): RewardDefinition<P> {
  if (!/^[a-z0-9_]+\.[a-z0-9_]+$/.test(def.name)) {
    throw new Error(`registerReward: name "${def.name}" must look like family.name (lower case, digits, _)`);
  }
  if (registry.has(def.name)) throw new Error(`registerReward: "${def.name}" is already registered`);
  if (!(def.range[0] <= def.range[1])) throw new Error(`registerReward: "${def.name}" has an empty range ${JSON.stringify(def.range)}`);
  registry.set(def.name, def);
  return def;
}

/** The reward registered as `name`; throws GlimpseError('unknown_name') listing the known names. */
export function getReward(name: string): RewardDefinition<any> {
  const def = registry.get(name);
  if (!def) {
    throw new GlimpseError('unknown_name', `unknown reward "${name}"; known rewards: ${listRewardNames().join(', ') || '(none registered)'}`);
  }
  return def;
}

export function listRewardNames(): string[] {
  return [...registry.keys()].sort();
}

export function listRewards(): RewardDefinition<any>[] {
  return listRewardNames().map((n) => registry.get(n)!);
}
