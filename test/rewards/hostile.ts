/**
 * Hostile model outputs shared by the parser tests and the reward conformance suite
 * (test/conformance/rewards.test.ts): empty, 1 MB, unicode, NaN/Infinity, inverted or negative
 * boxes, truncated JSON, unclosed tags, pathological repetition.
 */
const MB = 1 << 20;

export const HOSTILE_COMPLETIONS: Array<[string, string]> = [
  ['empty', ''],
  ['whitespace', ' \n\t '],
  ['nul', '\u0000\u0000'],
  ['1 MB of letters', 'a'.repeat(MB)],
  ['1 MB of digits', '1'.repeat(MB)],
  ['1 MB of brackets', '['.repeat(MB)],
  ['1 MB of open lists', '[1, '.repeat(MB / 4)],
  ['1 MB of open tags', '<think>'.repeat(MB / 7)],
  ['1 MB of boxes', '[1, 2, 3, 4] '.repeat(MB / 13)],
  ['1 MB answer', `<think>x</think><answer>${'[10, 20, 30, 40], '.repeat(MB / 18)}</answer>`],
  ['1 MB of boxed', '\\boxed{'.repeat(MB / 7)],
  ['1 MB of colons', '1:2:'.repeat(MB / 4)],
  ['unicode', '🙂 <think>框は猫 — ünïcödé</think><answer>{"bbox_2d": [１, 2, 3, 4], "label": "猫"} (Ｂ)</answer>'],
  ['lone surrogates', '\ud800<answer>\udfff[1, 2, 3, 4]\ud800</answer>'],
  ['NaN text', '<think>NaN</think><answer>{"bbox_2d": [NaN, NaN, NaN, NaN]} NaN</answer>'],
  ['Infinity', '<think>∞</think><answer>[Infinity, -Infinity, 1e999, -1e999] 1e999 [1e999, 0, 1, 1]</answer>'],
  ['inverted box', '<think>x</think><answer>{"bbox_2d": [300, 400, 100, 200], "label": "cat"}</answer>'],
  ['negative box', '<think>x</think><answer>[{"bbox_2d": [-50, -60, -10, -20]}]</answer>'],
  ['degenerate box', '<think>x</think><answer>[10, 10, 10, 10]</answer>'],
  ['huge box', '<think>x</think><answer>[0, 0, 1e300, 1e300]</answer>'],
  ['truncated JSON', '<think>I see it</think><answer>[{"bbox_2d": [10, 20, 3'],
  ['truncated Visual-RFT', "<think>x</think><answer>[{'Position': [1, 2, 30, 40], 'Confidence': 0.9}, {'Position': [5, 6"],
  ['unclosed answer', '<think>a</think><answer>B [1, 2, 3, 4] 00:01-00:02'],
  ['nested tags', '<think><answer>A</answer></think><answer><think>x</think></answer>'],
  ['only closers', '</think></answer></rethink>'],
  ['bad span', '<answer>20.1 - 12.5 seconds, -5 to -1, 99:99-00:00</answer>'],
  ['bad 3d', '<answer>{"center": [1, 2], "size": [-1, -2, -3], "yaw": NaN} [1,2,3,4,5,-6]</answer>'],
  ['bad number', '<answer>\\boxed{1/0} 1/0 NaN% --5</answer>'],
  ['json bomb', '{"a": '.repeat(20000)],
  ['well formed', '<think>The cat is left.</think>\n<answer>{"bbox_2d": [10, 20, 110, 220], "label": "cat"} (B) 12.5 - 20.1 seconds 42</answer>'],
];
