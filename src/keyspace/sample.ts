/**
 * Picking a random key of a Map. A Map has no random access, so each Map
 * keeps a persistent iterator that a pick advances by a random number of
 * steps (O(1) amortised per pick; picks are spread over the whole Map but
 * not uniformly). RANDOMKEY and eviction sampling use it.
 */

const iterators = new WeakMap<Map<unknown, unknown>, Iterator<unknown>>();

export function sampleMapKey<K>(map: Map<K, unknown>): K | null {
  if (map.size === 0) return null;
  let it = iterators.get(map) as Iterator<K> | undefined;
  if (it === undefined) {
    it = map.keys();
    // start somewhere random in small and medium maps
    const skip = Math.floor(Math.random() * Math.min(map.size, 64));
    for (let i = 0; i < skip; i++) it.next();
  }
  const steps = 1 + Math.floor(Math.random() * Math.min(map.size, 16));
  let key: K | null = null;
  for (let i = 0; i < steps; i++) {
    let r = it.next();
    if (r.done) {
      it = map.keys();
      r = it.next();
      if (r.done) return null;
    }
    key = r.value;
  }
  iterators.set(map as Map<unknown, unknown>, it as Iterator<unknown>);
  return key;
}
