/** `glimpse reward --list`: the registered rewards, their range, params and paper. */
import { describeParams, listRewards } from '../../../rewards/index.js';
import type { RewardDefinition } from '../../../rewards/types.js';

export function formatRewardList(): string {
  const lines: string[] = [];
  for (const def of listRewards() as RewardDefinition<unknown>[]) {
    lines.push(`${def.name}  [${def.range[0]}, ${def.range[1]}]${def.async ? '  (async, model-based)' : ''}`);
    lines.push(`    ${def.description}`);
    const params = describeParams(def);
    if (params.length) lines.push(`    params: ${params.join('; ')}`);
    if (def.paper) lines.push(`    paper: ${def.paper}`);
  }
  return lines.join('\n') + '\n';
}
