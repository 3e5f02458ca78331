import { it } from 'node:test';
import { describeCompat, useDiffer } from '../helpers/differ.js';

describeCompat('strings against redis-server', () => {
  const d = useDiffer();

  it('SET options and GET', async (t) => {
    await d.run([
      ['SET', 'k', 'v'],
      ['GET', 'k'],
      ['SET', 'k', 'v2', 'NX'],
      ['SET', 'k', 'v2', 'XX', 'GET'],
      ['SET', 'n', 'x', 'XX'],
      ['SET', 'n', 'x', 'NX', 'GET'],
      ['SET', 'k', 'v', 'NX', 'XX'],
      ['SET', 'k', 'v', 'EX', '0'],
      ['SET', 'k', 'v', 'EX', '-1'],
      ['SET', 'k', 'v', 'EX', 'abc'],
      ['SET', 'k', 'v', 'PX', '9223372036854775807'],
      ['SET', 'k', 'v', 'EX', '9223372036854775'],
      ['SET', 'k', 'v', 'EX', '10', 'PX', '10'],
      ['SET', 'k', 'v', 'KEEPTTL', 'EX', '10'],
      ['SET', 'k', 'v', 'EX', '100'],
      ['TTL', 'k'],
      ['SET', 'k', 'v', 'KEEPTTL'],
      ['TTL', 'k'],
      ['SET', 'k', 'v'],
      ['TTL', 'k'],
      ['SET', 'k', 'v', 'FOO'],
      ['SET', 'k'],
      ['GET', 'nokey'],
    ]);
  });

  it('counters and their errors', async (t) => {
    await d.run([
      ['INCR', 'c'],
      ['INCRBY', 'c', '10'],
      ['DECR', 'c'],
      ['DECRBY', 'c', '5'],
      ['INCRBY', 'c', 'x'],
      ['SET', 'c', '9223372036854775806'],
      ['INCR', 'c'],
      ['INCR', 'c'],
      ['SET', 'c', '-9223372036854775808'],
      ['DECR', 'c'],
      ['DECRBY', 'c', '-9223372036854775808'],
      ['SET', 'c', ' 1'],
      ['INCR', 'c'],
      ['SET', 'c', '01'],
      ['INCR', 'c'],
      ['SET', 'f', '10.5'],
      ['INCRBYFLOAT', 'f', '0.1'],
      ['INCRBYFLOAT', 'f', '-5.0e3'],
      ['SET', 'g', '0.1'],
      ['INCRBYFLOAT', 'g', '0.2'],
      ['INCRBYFLOAT', 'g', '1e20'],
      ['INCRBYFLOAT', 'g', 'inf'],
      ['INCRBYFLOAT', 'g', 'nan'],
      ['INCRBYFLOAT', 'g', 'abc'],
      ['SET', 'h', '1'],
      ['INCRBYFLOAT', 'h', '1e308'],
      ['INCRBYFLOAT', 'h', '1e308'],
      ['INCRBYFLOAT', 'h', '1.5e-7'],
      ['INCRBYFLOAT', 'nothere', '3.0e0'],
      ['INCRBYFLOAT', 'nothere2', '-0.0'],
    ]);
  });

  it('ranges, append, strlen, multi-key', async (t) => {
    await d.run([
      ['SET', 's', 'Hello World'],
      ['GETRANGE', 's', '0', '4'],
      ['GETRANGE', 's', '-5', '-1'],
      ['GETRANGE', 's', '5', '2'],
      ['GETRANGE', 's', '-1', '-5'],
      ['GETRANGE', 's', '0', '100'],
      ['SUBSTR', 's', '1', '3'],
      ['APPEND', 's', '!!'],
      ['GET', 's'],
      ['STRLEN', 's'],
      ['SETRANGE', 's', '20', 'x'],
      ['GET', 's'],
      ['SETRANGE', 'e', '0', ''],
      ['EXISTS', 'e'],
      ['SETRANGE', 's', '-1', 'x'],
      ['SETRANGE', 's', '536870912', 'x'],
      ['MSET', 'a', '1', 'b', '2'],
      ['MGET', 'a', 'b', 'c', 's'],
      ['MSET', 'a'],
      ['MSETNX', 'a', '1', 'z', '2'],
      ['MSETNX', 'y', '1', 'z', '2'],
      ['GETSET', 'a', 'new'],
      ['GETDEL', 'a'],
      ['GETDEL', 'a'],
      ['SETNX', 'b', 'x'],
      ['SETEX', 'x', '0', 'v'],
      ['SETEX', 'x', '10', 'v'],
      ['PSETEX', 'x', '-5', 'v'],
      ['GETEX', 'x', 'PERSIST'],
      ['TTL', 'x'],
      ['GETEX', 'x', 'EX', '100'],
      ['TTL', 'x'],
      ['GETEX', 'x', 'EX', '100', 'PX', '5'],
      ['GETEX', 'x', 'BAD'],
    ]);
  });

  it('object encodings of strings', async (t) => {
    await d.run([
      ['SET', 'i', '12345'],
      ['OBJECT', 'ENCODING', 'i'],
      ['SET', 'e', 'x'.repeat(44)],
      ['OBJECT', 'ENCODING', 'e'],
      ['SET', 'r', 'x'.repeat(45)],
      ['OBJECT', 'ENCODING', 'r'],
      ['APPEND', 'i', '6'],
      ['OBJECT', 'ENCODING', 'i'],
      ['OBJECT', 'ENCODING', 'none'],
      ['SET', 'big', '99999999999999999999'],
      ['OBJECT', 'ENCODING', 'big'],
      ['OBJECT', 'REFCOUNT', 'r'],
    ]);
  });
});
