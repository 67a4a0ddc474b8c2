/**
 * The modality adapter registry: one adapter per MediaKind. Built-in adapters are listed in
 * `modalities/adapters.ts` and registered on first use; `registerAdapter` adds or replaces one.
 * An unknown kind is an error that lists the known kinds.
 *
 * @example
 *   const prepared = await getAdapter('image').prepare({ kind: 'image', path: 'cat.jpg' });
 *   prepared.coords.boxToOriginal([10, 10, 50, 50]);
 */
import type { Media } from '../data/schema.js';
import { GlimpseError } from '../src/util/errors.js';
import { BUILTIN_ADAPTERS } from './adapters.js';
import type { ModalityAdapter, PreparedMedia } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyAdapter = ModalityAdapter<any>;

const adapters = new Map<string, AnyAdapter>();
let builtinsLoaded = false;

function loadBuiltins(): void {
  if (builtinsLoaded) return;
  builtinsLoaded = true;
  for (const a of BUILTIN_ADAPTERS) if (!adapters.has(a.kind)) adapters.set(a.kind, a);
}

/**
 * Registers `adapter` under its `kind`. A second adapter for the same kind is an error unless
 * `{ replace: true }` (tests, plug-ins).
 */
export function registerAdapter(adapter: AnyAdapter, opts: { replace?: boolean } = {}): void {
  loadBuiltins();
  if (!adapter || typeof adapter.kind !== 'string' || typeof adapter.prepare !== 'function') {
    throw new GlimpseError('bad_config', 'registerAdapter: an adapter needs a string `kind` and a `prepare` function');
  }
  if (adapters.has(adapter.kind) && !opts.replace) {
    throw new GlimpseError('bad_config', `registerAdapter: an adapter for "${adapter.kind}" is already registered (pass { replace: true } to replace it)`);
  }
  adapters.set(adapter.kind, adapter);
}

/** The kinds with a registered adapter, sorted. */
export function knownKinds(): string[] {
  loadBuiltins();
  return [...adapters.keys()].sort();
}

/** The adapter for `kind`; GlimpseError('unknown_name') listing the known kinds otherwise. */
export function getAdapter(kind: string): AnyAdapter {
  loadBuiltins();
  const a = adapters.get(kind);
  if (!a) {
    throw new GlimpseError('unknown_name', `no modality adapter for kind "${String(kind)}"; known kinds: ${knownKinds().join(', ') || '(none)'}`);
  }
  return a;
}

/** Prepares `media` with the adapter of its kind. */
export function prepareMedia(media: Media, options?: Record<string, unknown>): Promise<PreparedMedia> {
  return getAdapter(media.kind).prepare(media, options);
}
