import { describe, it, before, after, beforeEach } from 'node:test';
import { Differ, type Cmd } from '../helpers/differ.js';

const E = (body: string, ...rest: (string | number)[]): Cmd => ['EVAL', body, String(rest.length ? rest[0] : 0), ...rest.slice(1).map(String)];

/** Replies, error texts (compile, runtime with line numbers, redis.call), globals, numbers. */
const BASICS: Cmd[] = [
  E('return 1'),
  E('return 3.99'),
  E('return -3.99'),
  E("return 'x'"),
  E('return true'),
  E('return false'),
  E('return nil'),
  E('return {1,2,3,nil,5}'),
  E("return {1,{2,{3,'a'}},true,false}"),
  E("return {err='My Error'}"),
  E("return {err='bad thing happened'}"),
  E("return {ok='fine'}"),
  E("return redis.error_reply('x y')"),
  E("return redis.error_reply('ERR x y')"),
  E("return redis.error_reply('-FOO x y')"),
  E("return redis.status_reply('PONG')"),
  E("return {1, {err='inner'}}"),
  E("return {1, {ok='inner'}}"),
  E("return {err=3}"),
  E("return {ok=3}"),
  E('return 1 +'),
  E('return foo('),
  E('\n\nreturn x..'),
  E('error("boom")'),
  E('\nerror("boom")'),
  E('error({err="boom"})'),
  E('error({err="ERR boom"})'),

  E('error(1)'),
  E('error()'),
  E("local a = nil; return a.b"),
  E("\n\nlocal a = nil; return a.b"),
  E("x = 1"),
  E("return y"),
  E("return redis.call('nosuch')"),
  E("return redis.call('get')"),
  E("return redis.call('get','a','b')"),
  E("return redis.call('multi')"),
  E("return redis.call('subscribe','x')"),
  E("return redis.call()"),
  E("return redis.call({})"),
  E("return redis.call('set','k',{})"),
  E("return redis.call('set','k',1.5)"),
  E("redis.call('set','k',1.5) return redis.call('get','k')"),
  E("redis.call('set','k',123456789012345678) return redis.call('get','k')"),
  E("return redis.pcall('nosuch')"),
  E("return redis.pcall('get')"),
  ['SET', 'h', 'x'],
  E("return redis.call('lpush','h','a')"),
  E("\nreturn redis.call('lpush','h','a')"),
  E("return redis.pcall('lpush','h','a')"),
  E("local r = redis.pcall('lpush','h','a') return r.err"),
  E("return redis.call('incr','h')"),
  E("return redis.call('config','get','x','y', 'z')"),
  E("return redis.call('eval','return 1','0')"),
  ['EVAL', 'return 1', '-1'],
  ['EVAL', 'return 1', '2', 'a'],
  ['EVAL', 'return 1', 'x'],
  ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0'],
  ['EVALSHA', 'fff', '0'],
  ['EVAL_RO', "return redis.call('set','a','b')", '0'],
  ['EVAL_RO', "return redis.pcall('set','a','b')", '0'],
  ['EVAL_RO', "return redis.call('get','a')", '0'],
  E("return redis.sha1hex('')"),
  E("return redis.sha1hex()"),
  E("return redis.error_reply()"),
  E("return redis.status_reply(1)"),
  E("return redis.setresp(4)"),
  E("return redis.setresp()"),
  E("return redis.setresp('2')"),
  ['SCRIPT', 'KILL'],
  ['SCRIPT', 'FLUSH', 'x'],
  ['SCRIPT', 'EXISTS', 'a'],
  ['SCRIPT', 'HELP'],
  ['SCRIPT', 'LOAD', 'return +'],
  E("return KEYS[1] .. ARGV[1]", 1, 'k', 'a'),
  E("return {KEYS[1], ARGV[1], ARGV[2]}", 1, 'k', 'a', 'b'),
  E("return type(unpack)"),
  E("return math.pow(2,3)"),
  E("return type(os)"),
  E("return type(cjson)..type(cmsgpack)..type(bit)..type(struct)"),
  E("return _VERSION"),
  E("return 2^53"),
  E("return 1e20"),
  E("return -1e20"),
  E("return 0/0"),
  E("return 1/0"),
  E("return {1e20, 0/0}"),
  E("return string.format('%d', 3)"),
  E("return tostring(3)"),
  E("return tostring(3.0)"),
  E("return tostring(1e15)"),
  E("return tostring(2^63)"),
];

/** RESP conversions both ways, redis.call errors, SELECT, blocking commands, libraries. */
const CONVERSIONS: Cmd[] = [
  ['DEL', 'h', 'l', 's', 'z', 'str'],
  ['HSET', 'h', 'a', '1'], ['RPUSH', 'l', 'x', 'y'], ['SADD', 's', 'm'], ['ZADD', 'z', '1.5', 'm'], ['SET', 'str', 'v'],
  E("return redis.call('hgetall','h')"),
  E("redis.setresp(3) return redis.call('hgetall','h')"),
  E("redis.setresp(3) return redis.call('smembers','s')"),
  E("redis.setresp(3) return redis.call('zscore','z','m')"),
  E("redis.setresp(3) return redis.call('get','nokey')"),
  E("return redis.call('get','nokey')"),
  E("return {redis.call('get','nokey') == false}"),
  E("redis.setresp(3) return {redis.call('get','nokey') == nil}"),
  E("redis.setresp(3) return redis.call('exists','str') "),
  E("return redis.call('set','a','b')"),
  E("return redis.call('ping')"),
  E("local r = redis.call('ping') return r.ok"),
  E("redis.setresp(3) return {map={a=1}}"),
  E("return {map={a=1}}"),
  E("return {set={a=true}}"),
  E("redis.setresp(3) return {set={a=true}}"),
  E("return {double=3.5}"),
  E("redis.setresp(3) return {double=3.5}"),
  E("return {big_number='12345678901234567890'}"),
  E("return {verbatim_string={format='txt', string='hello'}}"),
  E("return true"), E("return false"),
  E("redis.setresp(3) return true"), E("redis.setresp(3) return false"),
  E("redis.setresp(3) return nil"),
  E("redis.setresp(3) local r = redis.call('zscore','z','m') return r.double"),
  E("redis.setresp(3) local r = redis.call('hgetall','h') return r.map.a"),
  E("redis.setresp(3) local r = redis.call('smembers','s') return r.set.m"),
  E("return redis.call('lpush','str','a')"),
  E("\n\nreturn redis.call('lpush','str','a')"),
  E("return redis.pcall('lpush','str','a')"),
  E("local r = redis.pcall('lpush','str','a') return r.err"),
  E("return redis.call('incr','str')"),
  E("return redis.call('nosuch')"),
  E("return redis.pcall('get')"),
  E("return redis.call('select', '1')"),
  E("redis.call('select', '1') redis.call('set','indb1','x') return redis.call('get','indb1')"),
  ['GET', 'indb1'],
  ['SELECT', '1'], ['GET', 'indb1'], ['DEL', 'indb1'], ['SELECT', '0'],
  E("return redis.call('blpop','nolist','0')"),
  E("return redis.call('brpoplpush','nolist','x','0')"),
  E("return cjson.encode({})"), E("return cjson.encode({[1]=1,[3]=3})"), E("return cjson.encode({[20]=1})"),
  E("return cjson.encode(0/0)"), E("return cjson.encode(function() end)"),
  E("return cjson.decode('[1,2')"), E("return cjson.decode('x')"), E("return cjson.decode('')"),
  E("return cjson.encode(cjson.decode('{\"a\":[1,2.5,{\"b\":null}],\"c\":\"\\\\u00e9\"}').a)"),
  E("return cjson.decode('[1,2,3]')"),
  E("return cjson.encode('\\1\\127\\200')"),
  E("return cmsgpack.pack({1,2,3}, 'abc', -1, 1.5, 0.1, string.rep('x',40), {a=1}, true, nil, 300, -300, 70000, 5000000000, -5000000000, string.rep('y', 300))"),
  E("return cmsgpack.pack()"),
  E("return {cmsgpack.unpack(cmsgpack.pack(1,{2,3},'x', -7, 2.5))}"),
  E("local t = cmsgpack.unpack(cmsgpack.pack({a={b={1,2}}})) return t.a.b"),
  E("return {cmsgpack.unpack_one(cmsgpack.pack(1,2), 0)}"),
  E("return bit.tohex(255)..bit.tohex(-1,-4)..bit.tobit(2^32+5)..bit.band(7,3,2)..bit.arshift(-256,4)..bit.rshift(-1,28)..bit.bnot(0)..bit.bxor(5,3)..bit.lshift(1,31)..bit.rol(1,33)..bit.bswap(1)"),
  E("return struct.pack('>I2i4bB', 258, -1, -2, 255)"),
  E("return {struct.unpack('<i4H', struct.pack('<i4H', -5, 65535))}"),
  E("return struct.size('>i4hd')"), E("return struct.pack('Z')"),
  E("return {struct.unpack('>sB', 'abc\\0\\5')}"),
  E("math.randomseed(42) return {math.random(100), math.random(100)}"),
  E("return tostring(1e15)..' '..tostring(2^63)..' '..tostring(3.0)..' '..(1/3)..' '..tostring(-0.0)"),
  E("return string.format('%s %d %.3f', 'a', 3, 1/3)"),
  E("return table.getn({1,2})..string.rep('a',2)..math.mod(7,3)..#KEYS", 1, 'k'),
  E("local s = 0 for i=1,10 do s = s + i end return s"),
  E("return 2147483647 + 2147483647"),
  E("return tonumber('3000000000') * 2"),
  E("return tonumber('0x10')"),
  E("local t = {} t[1.0] = 'a' return t[1]"),
];

describe('scripting against redis-server', () => {
  let d: Differ | null = null;
  before(async () => {
    d = await Differ.create();
  });
  after(async () => {
    await d?.close();
  });
  beforeEach(async () => {
    await d?.reset();
    await d?.run([['SCRIPT', 'FLUSH']]);
  });

  it('replies and error texts (RESP2)', async (t) => {
    if (!d) return t.skip('redis-server not installed');
    await d.run(BASICS);
  });

  it('replies and error texts (RESP3)', async (t) => {
    if (!d) return t.skip('redis-server not installed');
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run(BASICS);
  });

  it('conversions, redis.call and libraries (RESP2)', async (t) => {
    if (!d) return t.skip('redis-server not installed');
    await d.run(CONVERSIONS);
  });

  it('conversions, redis.call and libraries (RESP3)', async (t) => {
    if (!d) return t.skip('redis-server not installed');
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run(CONVERSIONS);
  });
});
