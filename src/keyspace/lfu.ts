/**
 * Redis's LFU counter: 8-bit logarithmic counter with time decay.
 */

const LFU_INIT_VAL = 5;

/**
 * LFU data is kept as counter + 256 * (minutes of the last decrement), as
 * Redis packs it; reading applies the decay of lfu-decay-time.
 */
export function lfuDecayed(packed: number | undefined, nowMs: number, decayTime: number): number {
  if (packed === undefined) return LFU_INIT_VAL;
  const counter = packed & 255;
  const last = Math.floor(packed / 256);
  const nowMin = Math.floor(nowMs / 60000) & 65535;
  const elapsed = nowMin >= last ? nowMin - last : 65535 - last + nowMin;
  const periods = decayTime > 0 ? Math.floor(elapsed / decayTime) : 0;
  return periods > counter ? 0 : counter - periods;
}

/** One access under LFU: decay, then logarithmic increment (LFULogIncr). */
export function lfuTouch(packed: number | undefined, nowMs: number, logFactor: number, decayTime = 1): number {
  let counter = lfuDecayed(packed, nowMs, decayTime);
  if (counter < 255) {
    const base = Math.max(0, counter - LFU_INIT_VAL);
    const p = 1 / (base * logFactor + 1);
    if (Math.random() < p) counter++;
  }
  return counter + 256 * (Math.floor(nowMs / 60000) & 65535);
}
