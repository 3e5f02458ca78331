#!/usr/bin/env node
// Grammar fuzzer for sinew-server (see test/fuzz/harness.ts). Build first
// (`npm run fuzz` does: tsc -p . && node scripts/fuzz.mjs).
//
//   node scripts/fuzz.mjs [--seed N] [--seconds N] [--connections N] [--batch N]
//                         [--big-string BYTES] [--big-bitmap BITS] [--big-collection N]
//                         [--deep N] [--max-string BYTES] [--small]
//                         [--shrink-seconds N] [--stop] [--out DIR] [--exclude 'debug digest,lcs']
//   node scripts/fuzz.mjs --replay FILE [--shrink] [--shrink-seconds N] [--verbose]
//   node scripts/fuzz.mjs --sweep big,bm [--per-command N] [--big-collection N]   (each command against the large values)
//
// Failures are saved under fuzz-failures/ as JSON lines (a header, then one
// command per line: {"c":conn,"a":[args]} with binary args as {"b64":...} and
// long repeated ones as {"rep":unit,"n":count}; raw frames as {"raw":{"b64":...}}).
import { existsSync } from 'node:fs';

const harnessPath = new URL('../dist/test/fuzz/harness.js', import.meta.url);
if (!existsSync(harnessPath)) {
  console.error('dist/test/fuzz/harness.js is missing: run `npx tsc -p .` (or `npm run fuzz`)');
  process.exit(2);
}
const H = await import(harnessPath.href);
const { DEFAULT_SIZES } = await import(new URL('../dist/test/fuzz/grammar.js', import.meta.url).href);

function parse(argv) {
  const o = { sizes: { ...DEFAULT_SIZES } };
  const num = (i) => {
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v)) {
      console.error(`${argv[i]} needs a number`);
      process.exit(2);
    }
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--seed': o.seed = num(i++); break;
      case '--seconds': o.seconds = num(i++); break;
      case '--connections': o.connections = num(i++); break;
      case '--batch': o.batch = num(i++); break;
      case '--big-string': o.sizes.bigString = num(i++); break;
      case '--big-bitmap': o.sizes.bigBitmap = num(i++); break;
      case '--big-collection': o.sizes.bigCollection = num(i++); break;
      case '--deep': o.sizes.deepNesting = num(i++); break;
      case '--max-string': o.sizes.maxString = num(i++); break;
      case '--small': o.sizes = { bigString: 1 << 20, bigBitmap: 1 << 23, bigCollection: 2000, deepNesting: 1000, maxString: 1 << 16 }; break;
      case '--break-rate': o.breakRate = num(i++); break;
      case '--raw-rate': o.rawRate = num(i++); break;
      case '--reply-timeout': o.replyTimeoutMs = num(i++); break;
      case '--ping-timeout': o.pingTimeoutMs = num(i++); break;
      case '--shrink-seconds': o.shrinkSeconds = num(i++); break;
      case '--stop': o.keepGoing = false; break;
      case '--exclude': (o.exclude ??= []).push(...argv[++i].split(',').map((x) => x.trim().toLowerCase()).filter(Boolean)); break;
      case '--out': o.failuresDir = argv[++i]; break;
      case '--replay': o.replay = argv[++i]; break;
      case '--shrink': o.shrink = true; break;
      case '--big-key-rate': o.bigKeyRate = num(i++); break;
      case '--sweep': o.sweep = argv[++i].split(',').filter(Boolean); break;
      case '--per-command': o.perCommand = num(i++); break;
      case '--verbose': o.verbose = true; break;
      case '-h': case '--help':
        console.log('usage: node scripts/fuzz.mjs [--seed N] [--seconds N] [--connections N] [--small] [--replay FILE [--shrink]] (see the header of this file)');
        process.exit(0);
        break;
      default:
        console.error(`unknown option ${a}`);
        process.exit(2);
    }
  }
  return o;
}

const o = parse(process.argv.slice(2));
// exit (and so kill the server children, see harness.ts) on Ctrl-C or kill
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

if (o.replay) {
  const { header, entries } = await H.readReplay(o.replay);
  console.log(`replaying ${entries.length} entries from ${o.replay}${header.kind ? ` (saved as ${header.kind}: ${header.signature})` : ''}`);
  const opts = { ...H.DEFAULT_REPLAY };
  if (o.replyTimeoutMs) opts.replyTimeoutMs = o.replyTimeoutMs;
  if (o.pingTimeoutMs) opts.pingTimeoutMs = o.pingTimeoutMs;
  const step = o.verbose ? (e, r) => console.log(`${H.showEntry(e, 100)} -> ${typeof r === 'string' ? r : JSON.stringify(r.head.slice(0, 100))}`) : undefined;
  const f = await H.replay(entries, opts, step);
  if (f === null) {
    console.log('no failure: the server stayed up, answered PING and printed no exception');
    process.exit(0);
  }
  console.log(`FAILURE (${f.kind}): ${f.signature}\n${f.details}`);
  if (o.shrink) {
    const min = await H.shrink(entries, f, (o.shrinkSeconds ?? 300) * 1000, opts, console.log, []);
    const file = o.replay.replace(/(\.min)?\.jsonl$/, '') + '.min.jsonl';
    H.writeReplay(file, { ...header, kind: f.kind, signature: f.signature }, min);
    console.log(`minimal replay (${min.length} entries): ${file}`);
    for (const e of min) console.log(`  ${H.showEntry(e, 120)}`);
  }
  process.exit(1);
}

if (o.seed === undefined) o.seed = Math.floor(Math.random() * 2 ** 31);

if (o.sweep) {
  // every served command with a key argument, its keys set to each of the named setup keys
  console.log(`sweep over keys ${o.sweep.join(', ')} with seed ${o.seed}`);
  const t0 = Date.now();
  const r = await H.sweep({ ...o, keys: o.sweep, perCommand: o.perCommand ?? 2 });
  console.log(`${r.commands} commands in ${((Date.now() - t0) / 1000).toFixed(0)} s; ${r.findings.length} distinct failures`);
  for (const f of r.findings) console.log(`  ${f.failure.kind}: ${f.failure.signature}\n    ${H.showEntry(f.argv, 100)}`);
  process.exit(r.findings.length > 0 ? 1 : 0);
}
console.log(`fuzzing with seed ${o.seed} for ${o.seconds ?? H.DEFAULT_FUZZ.seconds} s (repeat with --seed ${o.seed})`);
const result = await H.runFuzz(o);
console.log(H.summarize(result));
process.exit(result.findings.length > 0 ? 1 : 0);
