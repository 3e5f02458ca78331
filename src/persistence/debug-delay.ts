/** The test delays of rdb-key-save-delay and key-load-delay. */

/**
 * Redis's debugDelay: a positive value waits that many microseconds; a
 * negative one waits 1 us with probability 1/-value.
 */
export function debugDelay(us: number): void {
  if (us < 0) us = Math.floor(Math.random() * -us) === 0 ? 1 : 0;
  if (us <= 0) return;
  const until = performance.now() + us / 1000;
  while (performance.now() < until);
}
