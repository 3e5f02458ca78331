import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer } from '../helpers/differ.js';

describeCompat('COMMAND against redis-server', () => {
  const d = useDiffer({ reset: false });

  it('COMMAND INFO of every command Sinew serves, in RESP2 and RESP3', async (t) => {
    const [a] = await d.pair();
    const names = ((await a.call('COMMAND', 'LIST')) as string[]).map(String);
    assert.ok(names.length > 50);
    // Containers list only the subcommands each server has; their subcommands are compared one by one.
    const containers = new Set(names.filter((n) => n.includes('|')).map((n) => n.split('|')[0]));
    // Subcommands that arrived after 7.0 (served by Sinew for newer clients) have no 7.0 entry.
    const newer = new Set(['client|setinfo', 'client|no-touch']);
    const list = names.filter((n) => !containers.has(n) && !newer.has(n)).sort();
    await d.run(list.map((n) => ['COMMAND', 'INFO', n]));
    const [x, y] = await d.pair(1);
    await Promise.all([x.raw('HELLO', '3'), y.raw('HELLO', '3')]);
    await d.run(list.map((n) => ['COMMAND', 'INFO', n]), { conn: 1 });
    await d.run([['COMMAND', 'INFO', 'get', 'nosuch', 'SET', 'config|get', 'CONFIG|SET']]);
    await d.run([['COMMAND', 'INFO', 'nosuch']], { conn: 1 });
  });

  it('COMMAND GETKEYS and GETKEYSANDFLAGS', async (t) => {
    await d.run([
      ['COMMAND', 'GETKEYS'],
      ['COMMAND', 'GETKEYS', 'get'],
      ['COMMAND', 'GETKEYS', 'nosuch', 'a'],
      ['COMMAND', 'GETKEYS', 'get', 'a', 'b'],
      ['COMMAND', 'GETKEYS', 'SORT', 'l', 'BY', 'w_*', 'STORE', 'dst', 'GET', 'x'],
      ['COMMAND', 'GETKEYS', 'SORT', 'l', 'STORE', 'a', 'store', 'b'],
      ['COMMAND', 'GETKEYS', 'SORT', 'l', 'LIMIT', '0', '1', 'STORE'],
      ['COMMAND', 'GETKEYS', 'SORT', 'l', 'GET', 'store', 'LIMIT', 'store', '1'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'SORT', 'l', 'STORE', 'dst'],
      ['COMMAND', 'GETKEYS', 'SORT_RO', 'l', 'BY', 'x'],
      ['COMMAND', 'GETKEYS', 'set', 'a', 'b'],
      ['COMMAND', 'GETKEYS', 'ping'],
      ['COMMAND', 'GETKEYS', 'mset', 'a', 'b', 'c', 'd'],
      ['COMMAND', 'GETKEYS', 'mset', 'a', 'b', 'c'],
      ['COMMAND', 'GETKEYS', 'del', 'a', 'b', 'c'],
      ['COMMAND', 'GETKEYS', 'object', 'encoding', 'k'],
      ['COMMAND', 'GETKEYS', 'config', 'get', 'x'],
      ['COMMAND', 'GETKEYS', 'lmove', 'a', 'b', 'left', 'right'],
      ['COMMAND', 'GETKEYS', 'zunionstore', 'dst', '2', 'a', 'b', 'weights', '1', '2'],
      ['COMMAND', 'GETKEYS', 'zunionstore', 'dst', '5', 'a', 'b'],
      ['COMMAND', 'GETKEYS', 'blpop', 'a', 'b', '0'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'a', 'b'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'a', 'b', 'GET'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'bitfield', 'k', 'get', 'u8', '0'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'bitfield', 'k', 'set', 'u8', '0', '1'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'lmove', 'a', 'b', 'left', 'right'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'copy', 'a', 'b'],
    ]);
  });

  it('COMMAND LIST filters, COUNT, HELP and errors', async (t) => {
    await d.run(
      [
        ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'mse*'],
        ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'config|*'],
        ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'string'],
        ['COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'foo'],
      ],
      { unordered: true },
    );
    await d.run([
      ['COMMAND', 'LIST', 'FILTERBY', 'foo', 'bar'],
      ['COMMAND', 'LIST', 'FILTERBY', 'pattern'],
      ['COMMAND', 'LIST', 'foo'],
      ['COMMAND', 'COUNT', 'x'],
      ['COMMAND', 'HELP'],
      ['COMMAND', 'nosub'],
      ['COMMAND', 'DOCS', 'nosuch'],
    ]);
    await d.run([['COMMAND', 'COUNT']], { typeOnly: true });
  });
});
