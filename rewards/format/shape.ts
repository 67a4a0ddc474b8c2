/**
 * A small shape language for JSON answers (format.json):
 *
 * - a type name: `any`, `number`, `integer`, `string`, `boolean`, `null`, `bbox` (4 numbers),
 *   `point` (2 numbers), `box3d` (`{center: [3], size: [3], yaw?: number}`);
 * - `[T]`: an array whose items all match T (`[T]` with a second element N: at least N items);
 * - `{key: T, "opt?": T}`: an object with those keys (`?` marks optional keys; other keys allowed);
 * - `{"$oneOf": [T1, T2]}`: any of the alternatives.
 *
 * Presets: `bbox_2d` (Qwen2.5-VL: one object or a list of `{bbox_2d: bbox, label?: string}`),
 * `point_2d`, `position` (Visual-RFT: list of `{Position: bbox, Confidence?: number}`), `any`.
 */
export type Shape = string | Shape[] | { [key: string]: Shape };

const TYPES = new Set(['any', 'number', 'integer', 'string', 'boolean', 'null', 'bbox', 'point', 'box3d']);

export const SHAPE_PRESETS: Record<string, Shape> = {
  any: { $oneOf: [{}, ['any']] },
  bbox_2d: { $oneOf: [{ bbox_2d: 'bbox', 'label?': 'string' }, [{ bbox_2d: 'bbox', 'label?': 'string' }, 1 as unknown as Shape]] },
  point_2d: { $oneOf: [{ point_2d: 'point', 'label?': 'string' }, [{ point_2d: 'point', 'label?': 'string' }, 1 as unknown as Shape]] },
  position: [{ Position: 'bbox', 'Confidence?': 'number' }, 1 as unknown as Shape],
};

/** Why `shape` is not a valid shape, or null when it is. */
export function checkShape(shape: unknown, path = '$'): string | null {
  if (typeof shape === 'string') return TYPES.has(shape) ? null : `${path}: unknown type "${shape}" (known: ${[...TYPES].join(', ')})`;
  if (Array.isArray(shape)) {
    if (shape.length < 1 || shape.length > 2) return `${path}: an array shape is [T] or [T, minItems]`;
    if (shape.length === 2 && !(Number.isInteger(shape[1]) && (shape[1] as unknown as number) >= 0)) return `${path}: minItems must be a non-negative integer`;
    return checkShape(shape[0], `${path}[]`);
  }
  if (shape !== null && typeof shape === 'object') {
    const o = shape as Record<string, unknown>;
    if ('$oneOf' in o) {
      if (!Array.isArray(o.$oneOf) || o.$oneOf.length === 0) return `${path}: $oneOf needs a non-empty list`;
      for (const [i, alt] of o.$oneOf.entries()) {
        const e = checkShape(alt, `${path}.$oneOf[${i}]`);
        if (e) return e;
      }
      return null;
    }
    for (const [k, v] of Object.entries(o)) {
      const e = checkShape(v, `${path}.${k}`);
      if (e) return e;
    }
    return null;
  }
  return `${path}: a shape is a type name, [T], {key: T} or {$oneOf: [...]}`;
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Why `value` does not match `shape` (the first mismatch, with its path), or null when it matches. */
export function matchShape(value: unknown, shape: Shape, path = '$'): string | null {
  if (typeof shape === 'string') {
    switch (shape) {
      case 'any':
        return null;
      case 'number':
        return num(value) ? null : `${path}: expected a number`;
      case 'integer':
        return num(value) && Number.isInteger(value) ? null : `${path}: expected an integer`;
      case 'string':
        return typeof value === 'string' ? null : `${path}: expected a string`;
      case 'boolean':
        return typeof value === 'boolean' ? null : `${path}: expected a boolean`;
      case 'null':
        return value === null ? null : `${path}: expected null`;
      case 'bbox':
        return Array.isArray(value) && value.length === 4 && value.every(num) ? null : `${path}: expected a box [x1, y1, x2, y2]`;
      case 'point':
        return Array.isArray(value) && value.length === 2 && value.every(num) ? null : `${path}: expected a point [x, y]`;
      case 'box3d': {
        const b = value as { center?: unknown; size?: unknown; yaw?: unknown } | null;
        const ok = !!b && typeof b === 'object' && Array.isArray(b.center) && b.center.length === 3 && b.center.every(num) && Array.isArray(b.size) && b.size.length === 3 && b.size.every(num) && (b.yaw === undefined || num(b.yaw));
        return ok ? null : `${path}: expected a 3D box {center: [x,y,z], size: [w,l,h], yaw?}`;
      }
      default:
        return `${path}: unknown type "${shape}"`;
    }
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return `${path}: expected an array`;
    const min = (shape[1] as unknown as number | undefined) ?? 0;
    if (value.length < min) return `${path}: expected at least ${min} item(s)`;
    for (let i = 0; i < value.length; i++) {
      const e = matchShape(value[i], shape[0]!, `${path}[${i}]`);
      if (e) return e;
    }
    return null;
  }
  const o = shape as Record<string, Shape>;
  if (Array.isArray(o.$oneOf)) {
    let first: string | null = null;
    for (const alt of o.$oneOf) {
      const e = matchShape(value, alt, path);
      if (!e) return null;
      first ??= e;
    }
    return first;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return `${path}: expected an object`;
  const v = value as Record<string, unknown>;
  for (const [k, t] of Object.entries(o)) {
    const optional = k.endsWith('?');
    const key = optional ? k.slice(0, -1) : k;
    if (!(key in v)) {
      if (optional) continue;
      return `${path}: missing key "${key}"`;
    }
    const e = matchShape(v[key], t, `${path}.${key}`);
    if (e) return e;
  }
  return null;
}
