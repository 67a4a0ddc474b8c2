import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseSeries, makeSeries } from '../../../modalities/timeseries/series.js';
import { isGlimpseError } from '../../../src/util/errors.js';
import { codeOf } from '../../helpers/errors.js';


describe('parseSeries (CSV)', () => {
  it('reads a header, a time column and several channels; gaps become NaN', () => {
    const s = parseSeries('time,temp,hum\n0,20.5,40\n1,,41\n2,NaN,\n3,22,43\n');
    expect(s.timeKind).toBe('number');
    expect(Array.from(s.time!)).toEqual([0, 1, 2, 3]);
    expect(s.channels.map((c) => c.name)).toEqual(['temp', 'hum']);
    expect(Array.from(s.channels[0]!.values)).toEqual([20.5, Number.NaN, Number.NaN, 22]);
    expect(Array.from(s.channels[1]!.values)).toEqual([40, 41, Number.NaN, 43]);
  });

  it('reads headerless numbers, semicolons, tabs, CRLF and quoted cells', () => {
    expect(parseSeries('1\n2\n3').channels[0]!.values).toEqual(Float64Array.from([1, 2, 3]));
    const s = parseSeries('a;b\r\n1;2\r\n3;4\r\n');
    expect(s.channels.map((c) => Array.from(c.values))).toEqual([[1, 3], [2, 4]]);
    expect(parseSeries('x\ty\n1\t2').channels.length).toBe(2);
    expect(parseSeries('"a,b",c\n"1",2').channels[0]!.name).toBe('a,b');
    expect(s.time).toBeNull();
  });

  it('reads ISO-8601 dates as UTC epoch milliseconds', () => {
    const s = parseSeries('date,v\n2024-01-01,1\n2024-01-02T12:00:00,2\n2024-01-03T00:00:00Z,3');
    expect(s.timeKind).toBe('iso');
    expect(Array.from(s.time!)).toEqual([Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 2, 12), Date.UTC(2024, 0, 3)]);
    expect(parseSeries('2024-01-01,1\n2024-01-02,2').timeKind).toBe('iso');
  });

  it('accepts a header with no rows (an empty series)', () => {
    const s = parseSeries('time,v\n');
    expect(s.length).toBe(0);
  });

  it('refuses broken input with a reason', () => {
    expect(codeOf(() => parseSeries(''))).toBe('corrupt');
    expect(codeOf(() => parseSeries('a,b\n1,2\n3'))).toBe('corrupt'); // ragged
    expect(codeOf(() => parseSeries('t,v\n1,1\n0,2'))).toBe('corrupt'); // time goes backwards
    expect(codeOf(() => parseSeries('t,v\n1,1\nx,2'))).toBe('corrupt'); // missing timestamp
    expect(codeOf(() => parseSeries('"a,b\n1'))).toBe('corrupt'); // unterminated quote
    expect(codeOf(() => parseSeries('a\0b\n1'))).toBe('corrupt');
    expect(codeOf(() => parseSeries('x'.repeat(5000)))).toBe('corrupt'); // not a header
    expect(codeOf(() => parseSeries('a,b\n1,2', { timeColumn: 'zz' }))).toBe('bad_config');
    expect(codeOf(() => parseSeries('1\n2\n3\n4', { limits: { maxPoints: 2 } }))).toBe('too_large');
    expect(codeOf(() => parseSeries('1,2,3', { limits: { maxChannels: 2 } }))).toBe('too_large');
    expect(codeOf(() => parseSeries('1,2', { limits: { maxBytes: 2 } }))).toBe('too_large');
  });
});

describe('parseSeries (JSON)', () => {
  it('reads the accepted shapes', () => {
    expect(Array.from(parseSeries('[1, null, "3"]').channels[0]!.values)).toEqual([1, Number.NaN, 3]);
    const rec = parseSeries('[{"time": 0, "a": 1, "b": 2}, {"time": 5, "a": 3}]');
    expect(Array.from(rec.time!)).toEqual([0, 5]);
    expect(rec.channels.map((c) => [c.name, Array.from(c.values)])).toEqual([['a', [1, 3]], ['b', [2, Number.NaN]]]);
    const ser = parseSeries('{"time": ["2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z"], "series": {"x": [1, 2], "y": [3, 4]}}');
    expect(ser.timeKind).toBe('iso');
    expect(ser.channels.length).toBe(2);
    expect(parseSeries('{"channels": [{"name": "p", "values": [1, 2]}]}').channels[0]!.name).toBe('p');
    expect(parseSeries('{"values": []}').length).toBe(0);
  });

  it('refuses broken JSON with a reason', () => {
    expect(codeOf(() => parseSeries('[1, 2'))).toBe('corrupt');
    expect(codeOf(() => parseSeries('{"foo": 1}'))).toBe('corrupt');
    expect(codeOf(() => parseSeries('{"series": {"a": [1], "b": [1, 2]}}'))).toBe('corrupt');
    expect(codeOf(() => parseSeries('{"time": [1], "values": [1, 2]}'))).toBe('corrupt');
    expect(codeOf(() => parseSeries('"text"', { format: 'json' }))).toBe('corrupt');
    expect(codeOf(() => parseSeries('{"channels": [null]}'))).toBe('corrupt');
    expect(codeOf(() => parseSeries('{"series": {}}'))).toBe('corrupt');
  });

  it('never throws anything but a GlimpseError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.array(fc.oneof(fc.double(), fc.constant(null))).map((a) => JSON.stringify(a))), (text) => {
        try {
          const s = parseSeries(text);
          for (const c of s.channels) expect(c.values.length).toBe(s.length);
        } catch (e) {
          expect(isGlimpseError(e)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('makeSeries', () => {
  it('checks lengths and time order', () => {
    expect(() => makeSeries({ a: [1, 2], b: [1] })).toThrow(/expected 2/);
    expect(() => makeSeries({ a: [1, 2] }, [2, 1])).toThrow(/backwards/);
    expect(makeSeries({ a: [1, 2] }, [0, 1]).timeKind).toBe('number');
  });
});
