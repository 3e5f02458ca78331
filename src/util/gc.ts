/**
 * Memory accounting helpers. `collectGarbage()` runs a full V8 collection
 * (MEMORY PURGE; benchmarks use it before reading INFO memory so that the
 * figure is live data, not garbage awaiting collection).
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let gcFn: (() => void) | null | undefined;

export function collectGarbage(): boolean {
  if (!loadGc()) return false;
  gcFn!();
  return true;
}

/**
 * Runs a young-generation collection (a scavenge), so that what recent
 * commands left as garbage stops counting as used memory. False when
 * unavailable.
 */
export function collectYoungGarbage(): boolean {
  if (!loadGc()) return false;
  (gcFn as (options: { type: string }) => void)({ type: 'minor' });
  return true;
}

/** Bytes in use in the young generation (new space and its large-object space). */
export function youngGenerationUsed(): number {
  let n = 0;
  for (const sp of v8.getHeapSpaceStatistics()) {
    if (sp.space_name === 'new_space' || sp.space_name === 'new_large_object_space') n += sp.space_used_size;
  }
  return n;
}

function loadGc(): boolean {
  if (gcFn === undefined) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (typeof g === 'function') gcFn = g;
    else {
      try {
        v8.setFlagsFromString('--expose-gc');
        gcFn = vm.runInNewContext('gc') as () => void;
      } catch {
        gcFn = null;
      }
    }
  }
  return gcFn !== null;
}
