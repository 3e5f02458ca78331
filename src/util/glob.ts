/**
 * Redis's glob-style matching (stringmatchlen): `*`, `?`, `[abc]`, `[^a-z]`,
 * `\x` escapes, optional case folding. Bytes are string code units (latin1).
 *
 * Like Redis 7.0.15, the recursion for `*` is bounded: nested stars are
 * matched with skipLongerMatches so pathological patterns such as
 * "a*a*a*a*...b" run in polynomial time, and the nesting depth is capped.
 */

const MAX_NESTING = 1000;

function signed(c: number): number {
  return c >= 128 ? c - 256 : c;
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function matchImpl(
  p: string, pi: number, s: string, si: number, nocase: boolean, state: { skipLonger: boolean }, nesting: number,
): boolean {
  const plen = p.length;
  const slen = s.length;
  if (nesting > MAX_NESTING) return false;
  while (pi < plen && si < slen) {
    const pc = p.charCodeAt(pi);
    switch (pc) {
      case 42: /* '*' */ {
        while (pi + 1 < plen && p.charCodeAt(pi + 1) === 42) pi++;
        if (pi + 1 === plen) return true; // trailing star matches everything
        for (let k = si; k < slen; k++) {
          if (matchImpl(p, pi + 1, s, k, nocase, state, nesting + 1)) return true;
          if (state.skipLonger) return false;
        }
        state.skipLonger = true;
        return false;
      }
      case 63: /* '?' */
        si++;
        break;
      case 91: /* '[' */ {
        pi++;
        const not = pi < plen && p.charCodeAt(pi) === 94; /* '^' */
        if (not) pi++;
        let match = false;
        const sc = nocase ? lower(s.charCodeAt(si)) : s.charCodeAt(si);
        for (;;) {
          if (pi >= plen) {
            pi--; // malformed: treat end as closing
            break;
          }
          const c = p.charCodeAt(pi);
          if (c === 92 /* '\\' */ && pi + 1 < plen) {
            pi++;
            const e = nocase ? lower(p.charCodeAt(pi)) : p.charCodeAt(pi);
            if (e === sc) match = true;
          } else if (c === 93 /* ']' */) {
            break;
          } else if (pi + 2 < plen && p.charCodeAt(pi + 1) === 45 /* '-' */) {
            // Redis compares range bounds as C `char`, which is signed:
            // bytes 128..255 sort below 0 ("[a-\xff]" holds \xff and 0..'a').
            let start = signed(p.charCodeAt(pi));
            let end = signed(p.charCodeAt(pi + 2));
            if (start > end) {
              const t = start;
              start = end;
              end = t;
            }
            if (nocase) {
              start = lower(start);
              end = lower(end);
            }
            pi += 2;
            const c = signed(sc);
            if (c >= start && c <= end) match = true;
          } else {
            const e = nocase ? lower(c) : c;
            if (e === sc) match = true;
          }
          pi++;
        }
        if (not) match = !match;
        if (!match) return false;
        si++;
        break;
      }
      default: {
        if (pc === 92 /* '\\' */ && pi + 1 < plen) pi++;
        const a = p.charCodeAt(pi);
        const b = s.charCodeAt(si);
        if (nocase ? lower(a) !== lower(b) : a !== b) return false;
        si++;
        break;
      }
    }
    pi++;
    if (si === slen) {
      while (pi < plen && p.charCodeAt(pi) === 42) pi++;
      break;
    }
  }
  return pi === plen && si === slen;
}

export function globMatch(pattern: string, s: string, nocase = false): boolean {
  return matchImpl(pattern, 0, s, 0, nocase, { skipLonger: false }, 0);
}

/** True when the pattern has no special characters (matches one exact string). */
export function isLiteralPattern(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c === 42 || c === 63 || c === 91 || c === 92) return false;
  }
  return true;
}
