/**
 * Memory accounting helpers. `collectGarbage()` runs a full V8 collection
 * (MEMORY PURGE; benchmarks use it before reading INFO memory so that the
 * figure is live data, not garbage awaiting collection).
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let gcFn: (() => void) | null | undefined;

export function collectGarbage(): boolean {
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
  if (gcFn === null) return false;
  gcFn();
  return true;
}
