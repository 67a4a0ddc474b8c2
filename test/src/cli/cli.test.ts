import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/main.js';

describe('glimpse CLI', () => {
  it('lists every verb in its help', () => {
    const help = buildProgram().helpInformation();
    for (const verb of ['train', 'sft', 'reward', 'render', 'serve', 'eval', 'export']) expect(help).toContain(verb);
  });
});
