/** Redis's sdscatrepr: a double-quoted string with C escapes (MONITOR lines, CONFIG REWRITE). */
export function quoteArg(a: string): string {
  let out = '"';
  for (let i = 0; i < a.length; i++) {
    const ch = a.charCodeAt(i);
    if (ch === 92) out += '\\\\';
    else if (ch === 34) out += '\\"';
    else if (ch === 10) out += '\\n';
    else if (ch === 13) out += '\\r';
    else if (ch === 9) out += '\\t';
    else if (ch === 7) out += '\\a';
    else if (ch === 8) out += '\\b';
    else if (ch >= 32 && ch < 127) out += a[i];
    else out += '\\x' + ch.toString(16).padStart(2, '0');
  }
  return out + '"';
}
