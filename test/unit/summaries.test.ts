/**
 * Sinew's own command summaries (src/command/meta/summaries.json): one entry
 * for every command and subcommand of the command table, each with a one-line
 * summary and a complexity note; COMMAND DOCS serves them in Redis 7.0's key
 * order (summary, since, group, complexity, ...).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadCommandMeta, type CommandMeta } from '../../src/command/table.js';
import { useSinew } from '../helpers/suite.js';

const ROOT = new URL('../../../', import.meta.url);
type Prose = { summary: string; complexity: string };
const summaries = JSON.parse(readFileSync(new URL('src/command/meta/summaries.json', ROOT), 'utf8')) as Record<string, Prose>;
const generated = JSON.parse(readFileSync(new URL('src/command/meta/commands.json', ROOT), 'utf8')) as { commands: CommandMeta[] };

function allNames(metas: CommandMeta[]): string[] {
  const out: string[] = [];
  for (const m of metas) {
    out.push(m.name);
    out.push(...allNames(m.subcommands ?? []));
  }
  return out;
}

/** Commands whose cost is that of the code they run. */
const USER_CODE = new Set(['eval', 'eval_ro', 'evalsha', 'evalsha_ro', 'fcall', 'fcall_ro', 'exec']);

describe('command summaries', () => {
  it('every command and subcommand of commands.json (and extra.json) has a summary and a complexity', () => {
    const redisNames = allNames(generated.commands);
    assert.ok(redisNames.length >= 360, `commands.json lists ${redisNames.length} commands`);
    const names = allNames(loadCommandMeta());
    for (const n of redisNames) assert.ok(names.includes(n));
    const missing = names.filter((n) => !Object.hasOwn(summaries, n));
    assert.deepEqual(missing, [], 'commands without a summary');
    for (const n of names) {
      const p = summaries[n];
      assert.equal(typeof p.summary, 'string', n);
      assert.equal(typeof p.complexity, 'string', n);
      assert.ok(p.summary.trim().length >= 10, `${n}: summary too short`);
      assert.ok(p.complexity.trim().length >= 4, `${n}: no complexity`);
      assert.equal(Object.keys(p).sort().join(','), 'complexity,summary', `${n}: unexpected fields`);
    }
  });

  it('names no command that does not exist', () => {
    const names = new Set(allNames(loadCommandMeta()));
    assert.deepEqual(
      Object.keys(summaries).filter((n) => !names.has(n)),
      [],
    );
  });

  it('one plain line each; complexity in big-O, except for containers and user code', () => {
    for (const m of loadCommandMeta()) {
      for (const x of [m, ...(m.subcommands ?? [])]) {
        const p = summaries[x.name];
        for (const s of [p.summary, p.complexity]) {
          assert.doesNotMatch(s, /[\r\n\t]/, `${x.name}: ${JSON.stringify(s)}`);
          assert.equal(s, s.trim(), x.name);
        }
        assert.doesNotMatch(p.summary, /\.$/, `${x.name}: summary ends with a period`);
        assert.match(p.summary, /^[A-Z]/, `${x.name}: summary starts with a capital`);
        // A pure container needs a subcommand (arity -2); COMMAND alone lists every command.
        // DEBUG parses its subcommands itself: they are not in the table.
        const container = ((x.subcommands ?? []).length > 0 && x.arity === -2) || x.name === 'debug';
        if (container) assert.equal(p.complexity, 'Depends on the subcommand', x.name);
        else if (USER_CODE.has(x.name)) assert.doesNotMatch(p.complexity, /O\(/, x.name);
        else assert.match(p.complexity, /^O\(/, `${x.name}: ${p.complexity}`);
      }
    }
  });

  it('spot checks: the complexity matches the algorithm', () => {
    const o1 = ['get', 'set', 'hget', 'sismember', 'zscore', 'llen', 'scard', 'zcard', 'expire', 'lmove', 'incr', 'xlen'];
    for (const n of o1) assert.equal(summaries[n].complexity, 'O(1)', n);
    for (const n of ['zadd', 'zrank', 'zcount', 'zincrby']) assert.match(summaries[n].complexity, /^O\(log\(N\)\)/, n);
    for (const n of ['zrange', 'zrangebyscore', 'zremrangebyrank']) assert.match(summaries[n].complexity, /^O\(log\(N\)\+M\)/, n);
    for (const n of ['keys', 'smembers', 'hgetall', 'flushdb', 'lrem']) assert.match(summaries[n].complexity, /^O\(N/, n);
  });
});

describe('COMMAND DOCS carries the summaries', () => {
  const { client: c } = useSinew();

  /** COMMAND DOCS <name> in RESP2: [name, [k1, v1, k2, v2, ...]] as a list of [key, value]. */
  async function docs(...names: string[]): Promise<Map<string, [string, unknown][]>> {
    const r = (await c.call('COMMAND', 'DOCS', ...names)) as unknown[];
    const out = new Map<string, [string, unknown][]>();
    for (let i = 0; i < r.length; i += 2) {
      const flat = r[i + 1] as unknown[];
      const pairs: [string, unknown][] = [];
      for (let j = 0; j < flat.length; j += 2) pairs.push([flat[j] as string, flat[j + 1]]);
      out.set(r[i] as string, pairs);
    }
    return out;
  }

  it('summary first, complexity right after group, no history', async () => {
    const d = await docs('get', 'set', 'getset');
    const get = d.get('get')!;
    assert.deepEqual(
      get.map(([k]) => k),
      ['summary', 'since', 'group', 'complexity', 'arguments'],
    );
    assert.equal(get[0][1], summaries.get.summary);
    assert.equal(get[3][1], 'O(1)');
    assert.deepEqual(
      d.get('set')!.map(([k]) => k),
      ['summary', 'since', 'group', 'complexity', 'arguments'],
    );
    // Deprecated command: doc_flags and deprecated_since follow complexity.
    assert.deepEqual(
      d.get('getset')!.map(([k]) => k),
      ['summary', 'since', 'group', 'complexity', 'doc_flags', 'deprecated_since', 'arguments'],
    );
  });

  it('subcommands have their own summaries', async () => {
    const d = await docs('config');
    const cfg = new Map(d.get('config')!);
    assert.equal(cfg.get('summary'), summaries.config.summary);
    assert.equal(cfg.get('complexity'), 'Depends on the subcommand');
    const subs = cfg.get('subcommands') as unknown[];
    const i = subs.indexOf('config|get');
    assert.ok(i >= 0);
    const sub = subs[i + 1] as unknown[];
    assert.equal(sub[0], 'summary');
    assert.equal(sub[1], summaries['config|get'].summary);
    assert.equal(sub[6], 'complexity');
    assert.equal(sub[7], summaries['config|get'].complexity);
  });
});
