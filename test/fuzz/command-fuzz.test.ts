/**
 * A short seeded run of the grammar fuzzer (test/fuzz/harness.ts) against a
 * sinew-server child process: setup moves make the large values (a 512 MB
 * string, a 2^32-bit bitmap, long collections, deep nesting), then four
 * connections send random commands from the command table's grammar for
 * about 30 seconds. Fails when the server crashed, hung (no PING reply
 * within 5 s on a fresh connection) or printed an exception; the message
 * names the replay file (`node scripts/fuzz.mjs --replay FILE`).
 *
 * FUZZ_SEED and FUZZ_SECONDS override the seed and the length; the long run
 * is `npm run fuzz -- --seconds 3600` (see README).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz, summarize, showEntry, DEFAULT_SIZES } from './harness.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 30);
// a hang is seen at most replyTimeoutMs + pingTimeoutMs after it starts: the run ends within about a minute

describe('grammar fuzzing against a sinew-server process', () => {
  it(`seed ${SEED}: no crash, hang or exception in ${SECONDS} s of random commands`, { timeout: 180000 }, async () => {
    const result = await runFuzz({
      seed: SEED,
      seconds: SECONDS,
      connections: 4,
      batch: 50,
      sizes: { ...DEFAULT_SIZES, bigCollection: 20000, deepNesting: 20000 },
      // bounded: no replay or shrinking here (scripts/fuzz.mjs --replay FILE --shrink does that)
      shrinkSeconds: 0,
      replyTimeoutMs: 10000,
      keepGoing: false,
      log: (l) => {
        process.stderr.write(`# ${l.replace(/\n/g, '\n# ')}\n`);
      },
    });
    const summary = summarize(result);
    process.stderr.write(`# ${summary.replace(/\n/g, '\n# ')}\n`);
    assert.ok(result.commands > 0, 'the fuzzer ran commands');
    assert.equal(
      result.findings.length,
      0,
      `the fuzzer found ${result.findings
        .map((f) => `${f.kind} (${f.signature}), commands in flight: ${f.inflight.map((e) => showEntry(e, 60)).join(' ')}; replay: node scripts/fuzz.mjs --replay ${f.minimalFile ?? f.file} --shrink`)
        .join('; ')}`,
    );
  });
});
