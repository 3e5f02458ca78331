import { it, beforeEach } from 'node:test';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';

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

/** Script flags, EVAL_RO, numkeys, MULTI, forbidden commands, tables, Lua library, read-only globals. */
const MORE: Cmd[] = [
  E("return cjson.encode({123456789012345, 12345678901234.5})"),
  ['EVAL', '#!lua flags=no-writes\nreturn redis.call("set","a","b")', '0'],
  ['EVAL', '#!lua flags=no-writes\nreturn redis.call("get","a")', '0'],
  ['EVAL', '#!lua\nreturn 1', '0'],
  ['EVAL', '#!lua flags=bad\nreturn 1', '0'],
  ['EVAL', '#!python\nreturn 1', '0'],
  ['EVAL', '#!lua foo=bar\nreturn 1', '0'],
  ['EVAL', '#!lua flags=no-writes\n\nerror("x")', '0'],
  ['EVAL', '#!lua', '0'],
  ['EVAL_RO', "return redis.call('set','a','b')", '0'],
  ['EVAL_RO', "return redis.pcall('set','a','b')", '0'],
  ['SCRIPT', 'LOAD', 'return 7'],
  ['EVALSHA_RO', '0c7f4e0ff8d28b1c20cdb2ab4b2d7b1a0d6b1e1f', '0'],
  ['EVALSHA', 'a2d7b1c1d5cd2a6d3a4b6e0b9e21c5bc0d22a1d0', '0'],
  ['SCRIPT', 'EXISTS', 'x', 'y'],
  ['EVAL', 'return 1', '1'],
  ['EVAL', 'return 1'],
  ['EVAL', 'return 1', '9223372036854775808'],
  ['EVAL', 'return 1', '-9223372036854775808'],
  ['EVAL', 'return 1', ' 1', 'a'],
  ['MULTI'], E("return redis.call('incr','mc')"), E("return redis.call('incr','mc')"), ['EXEC'],
  ['MULTI'], E("return redis.call('incr'"), ['EXEC'],
  ['MULTI'], E("return redis.call('lpush','mc','x')"), E("return redis.call('get','mc')"), ['EXEC'],
  E("return redis.call('exec')"),
  E("return redis.call('watch','x')"),
  E("return redis.call('script','load','return 1')"),
  E("return redis.call('evalsha','x','0')"),
  E("return redis.call('client','list') ~= nil"),
  E("return redis.call('hello')"),
  E("return redis.call('time')[1] ~= nil"),
  E("return redis.call('object','encoding','mc')"),
  E("return redis.call('debug','sleep','0')"),
  E("local t = {} for i=1,5 do t[i] = i end t[3] = nil return t"),
  E("return {1,2,nil,4}"),
  E("return {nil,2}"),
  E("return {'a', {'b', {'c', {'d'}}}, {ok='x'}, {err='y'}, {double=1}}"),
  E("return {1, true, false, 2.5, 'x'}"),
  E("redis.setresp(3) return {1, true, false, 2.5, 'x', nil, 3}"),
  E("return redis.status_reply('a\\r\\nb')"),
  E("return {ok='a\\nb'}"),
  E("return redis.error_reply('My error')"),
  E("return redis.error_reply('')"),
  E("error(redis.error_reply('OOPS bad'))"),
  E("local ok, e = pcall(redis.call, 'nosuch') return e"),
  E("local ok, e = pcall(redis.call, 'nosuch') return e.err"),
  E("local ok, e = pcall(error, 'x') return e"),
  E("local ok, e = pcall(function() local a = nil; return a.b end) return e"),
  E("local ok, e = pcall(function() return nil + 1 end) return e"),
  E("local x = nil; return x + 1"),
  E("local t = {} return t.a.b"),
  E("return undefinedfn()"),
  E("local s = 'x' return s:nosuch()"),
  E("return #nil"),
  E("return 1 < 'x'"),
  E("return 'a' .. {}"),
  E("return string.rep()"),
  E("return ('x'):rep(3)"),
  E("return string.format('%5.1f|%-3d|%x|%q', 3.14159, 7, 255, 'a\\nb')"),
  E("return tostring(nil) .. tostring(true)"),
  E("return tonumber('  12  ') + tonumber('1e2') + tonumber('0x1f')"),
  E("return tonumber('abc') == nil"),
  E("return select('#', 1, 2, 3)"),
  E("return table.concat({1, 2.5, 'x'}, ',')"),
  E("local t = {3,1,2} table.sort(t) return t"),
  E("local t = {} table.insert(t, 'a') table.insert(t, 1, 'b') return t"),
  E("return {string.byte('ABC', 1, 3)}"),
  E("return string.char(72, 105)"),
  E("return {string.find('hello world', 'o w')}"),
  E("return {string.match('key:123', '(%a+):(%d+)')}"),
  E("return (string.gsub('hello', 'l', 'L'))"),
  E("return string.sub('hello', -3)"),
  E("return math.floor(3.7) + math.ceil(3.2) + math.abs(-2) + math.max(1, 5, 3)"),
  E("return tostring(math.huge) .. tostring(-math.huge) .. tostring(math.pi)"),
  E("return math.fmod(7, 3) .. ' ' .. math.sqrt(16) .. ' ' .. 7 % 3 .. ' ' .. -7 % 3"),
  E("return 7 / 2"),
  E("return tostring(7 / 2)"),
  E("return tostring(2^53 + 1)"),
  E("return tostring(0.1 + 0.2)"),
  E("return tostring(100) .. tostring(-0)"),
  E("return tostring(1e100)"),
  E("return redis.call('incrbyfloat', 'f', 0.1)"),
  E("return redis.call('incrby', 'i', 3000000000)"),
  E("return redis.call('incrby', 'i', 2147483647 + 2147483647)"),
  E("return redis.call('get', 'i') + 1"),
  E("return type(redis.call('incrby', 'i', 1))"),
  E("return redis.call('zadd', 'zz', 1.5, 'a', 2, 'b')"),
  E("return redis.call('zrange', 'zz', 0, -1, 'withscores')"),
  E("redis.setresp(3) return redis.call('zrange', 'zz', 0, -1, 'withscores')"),
  E("redis.setresp(3) return redis.call('zscore', 'zz', 'a')"),
  E("redis.setresp(3) return redis.call('hgetall', 'nohash')"),
  E("redis.setresp(3) return redis.call('sismember', 'noset', 'x')"),
  E("redis.setresp(3) return redis.call('config','get','maxmemory')"),
  E("return redis.call('hello', '3')"),
  E("return redis.sha1hex('abc') .. redis.sha1hex(12)"),
  E("return redis.REDIS_VERSION .. ' ' .. redis.REDIS_VERSION_NUM"),
  E("return redis.LOG_WARNING"),
  E("redis.log(redis.LOG_WARNING, 'hello from test')"),
  E("redis.log()"),
  E("redis.log('x', 'y')"),
  E("redis.log(9, 'y')"),
  E("return redis.set_repl(redis.REPL_ALL)"),
  E("return redis.set_repl(99)"),
  E("return redis.replicate_commands()"),
  E("return redis.breakpoint()"),
  E("return redis.debug('x')"),
  E("return redis.acl_check_cmd('set', 'a', 'b')"),
  E("return redis.acl_check_cmd('nosuch')"),
  E("return gcinfo() > 0"),
  E("return type(loadstring('return 1'))"),
  E("return loadstring('return 1')()"),
  E("return unpack({1,2,3})"),
  E("return {unpack({1,2,3})}"),
  E("return coroutine.wrap(function() coroutine.yield(5) end)()"),
  E("return pcall(error)"),
  E("return {pcall(error, 'x')}"),
  E("return {xpcall(function() error('x') end, function(e) return 'handled: ' .. e end)}"),
  E("return assert(false, 'assert msg')"),
  E("return assert(nil)"),
  E("return getmetatable('').__index == string"),
  E("string.x = 1"),
  E("cjson.x = 1"),
  E("redis.call = nil"),
  E("table.insert = nil"),
  E("local ok, e = pcall(function() x = 1 end) return e"),
  E("return rawget(_G, 'redis') ~= nil"),
  E("return rawget(_G, 'nosuch')"),
  E("rawset(redis, 'x', 1)"),
  E("setmetatable(redis, {})"),
  E("return next({}) == nil"),
  E("local n = 0 for k in pairs(redis) do n = n + 1 end return n"),
  E("local mt = {} local t = setmetatable({}, mt) return getmetatable(t) == mt"),
];

/** math.random: Redis's rand48 sequence, kept across scripts (the servers are fresh). */
const RANDOM: Cmd[] = [  E("return {tostring(math.random()), math.random(1000), math.random(5,7)}"),
  E("return {tostring(math.random()), math.random(1000), math.random(5,7)}"),
  E("math.randomseed(42) return {tostring(math.random()), math.random(1000)}"),
  E("return {tostring(math.random())}"),
  E("return math.random(0)"),];

/** Error statistics, frozen expiry clock, blocking commands as non-blocking, cjson/cmsgpack/bit/struct in depth. */
const LIBS: Cmd[] = [
  ['CONFIG', 'RESETSTAT'],
  E("redis.call('set','k','v','px',1) local t = redis.call('time') local s = t[1]*1000000+t[2] while true do local n = redis.call('time') if n[1]*1000000+n[2] - s > 5000 then break end end return redis.call('exists','k')"),
  ['SET', 'str', 'x'],
  E("return redis.call('lpush','str','a')"),
  E("return redis.pcall('lpush','str','a')"),
  E("return redis.call('nosuch')"),
  E("return redis.pcall('nosuch')"),
  E("error('x')"),
  E("return {err='FOO bar'}"),
  E("return redis.error_reply('BAR baz')"),
  E("return 1 +"),
  ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0'],
  E("local ok, e = pcall(redis.call, 'lpush','str','a') return 1"),
  ['INFO', 'errorstats'],
  ['LPUSH', 'bl', 'a', 'b'],
  E("return redis.call('blpop','bl','0')"),
  E("return redis.call('blmove','bl','bl2','left','right','0')"),
  E("return redis.call('blpop','empty','0')"),
  E("return redis.call('bzpopmin','emptyz','0')"),
  E("return redis.call('blmpop','0','1','empty','left')"),
  ['ZADD', 'zb', '1', 'a'],
  E("return redis.call('bzpopmin','zb','0')"),
  E("redis.setresp(3) return redis.call('blpop','empty','0')"),
  E("local t = {} local cur = t for i=1,200 do cur[1] = {} cur = cur[1] end return cjson.encode(t)"),
  E("local s = string.rep('[', 1100) return cjson.decode(s)"),
  E("return cjson.decode('{\"a\":1,\"a\":2}').a"),
  E("return cjson.decode('[true,false,null,1.5e3,-0,\"x\\\\ty\"]')"),
  E("return cjson.decode('{\"a\" 1}')"),
  E("return cjson.decode('[1 2]')"),
  E("return cjson.decode('{1:2}')"),
  E("return cjson.decode('[1,]')"),
  E("return cjson.decode('\"abc')"),
  E("return cjson.decode('\"\\\\x\"')"),
  E("return cjson.decode('nul')"),
  E("return cjson.decode('1 2')"),
  E("return cjson.decode('  42  ')"),
  E("return cjson.decode(42)"),
  E("return cjson.decode()"),
  E("return cjson.encode()"),
  E("return cjson.encode(1, 2)"),
  E("return cjson.encode({a={b={c={1,2,{d='e'}}}}})"),
  E("return cjson.encode({[1]='a', [2]='b', x='y'})"),
  E("return cjson.encode({[1.5]='a'})"),
  E("return cjson.encode({[true]='a'})"),
  E("return cjson.encode({1e300, -1e-300, 2^53, 0.1+0.2, 100, -7})"),
  E("return cjson.encode('\\0a\\31\"\\\\/\\8\\9\\10\\12\\13')"),
  E("return cjson.encode(true)"),
  E("return cjson.encode(cjson.null)"),
  E("return cjson.encode(nil)"),
  E("return cjson.encode({[1]=1,[2]=2,[4]=4})"),
  E("return cjson.encode({[1]=1,[11]=11})"),
  E("return cjson.encode({[1]=1,[2]=2,[3]=3,[4]=4,[5]=5,[6]=6,[12]=12})"),
  E("return cjson.encode(cjson.decode('[\"\\\\ud83d\\\\ude00\", \"\\\\u0041\"]'))"),
  E("return cjson.decode('\"\\\\ud83d\\\\ude00\"')"),
  E("return type(cjson.decode('null'))"),
  E("return cjson.decode('1e400') == math.huge"),
  E("return cmsgpack.pack(0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, -1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649)"),
  E("return cmsgpack.pack(0.5, -0.5, 1e300, 3.4e38, 1/3, 0/0, 1/0)"),
  E("return cmsgpack.pack(string.rep('a', 31), string.rep('b', 32), string.rep('c', 255), string.rep('d', 256))"),
  E("local t = {} for i=1,16 do t[i]=i end return cmsgpack.pack(t)"),
  E("local t = {} for i=1,70000 do t[i]=1 end return #cmsgpack.pack(t)"),
  E("return cmsgpack.pack({[1]=1,[3]=3})"),
  E("return cmsgpack.pack({})"),
  E("return cmsgpack.pack({{{{{{{{{{{{{{{{{{{1}}}}}}}}}}}}}}}}}}})"),
  E("return cmsgpack.pack(function() end, true, false)"),
  E("return {cmsgpack.unpack(cmsgpack.pack(0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, -1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649))}"),
  E("local a, b, c = cmsgpack.unpack(cmsgpack.pack(0.5, 1e300, 3.4e38)) return {tostring(a), tostring(b), tostring(c)}"),
  E("return cmsgpack.unpack('\\193')"),
  E("return cmsgpack.unpack('\\217')"),
  E("return cmsgpack.unpack('\\205\\1')"),
  E("return cmsgpack.unpack('')"),
  E("return {cmsgpack.unpack('\\147\\1\\2')}"),
  E("return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3))}"),
  E("return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 1)}"),
  E("return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 2)}"),
  E("return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 2)}"),
  E("return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 2, 1)}"),
  E("return {cmsgpack.unpack_one(cmsgpack.pack(1), 5)}"),
  E("return {cmsgpack.unpack_one(cmsgpack.pack(1), -1)}"),
  E("return {cmsgpack.unpack(cmsgpack.pack({a=1, b={c='d'}}))}"),
  E("return cmsgpack.unpack(cmsgpack.pack({a=1})).a"),
  E("return {bit.tobit(0xffffffff), bit.tobit(2^31), bit.tobit(-2^31-1), bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-1.5)}"),
  E("return {bit.tohex(1, 3), bit.tohex(-1, 20), bit.tohex(0x1234abcd, -8), bit.tohex(255, 0)}"),
  E("return {bit.lshift(1, 32), bit.lshift(1, 33), bit.rshift(0x80000000, 31), bit.arshift(0x80000000, 31), bit.rol(0x80000001, 1), bit.ror(1, 1), bit.bswap(0x12345678)}"),
  E("return {bit.band(), 1}"),
  E("return bit.band('x')"),
  E("return bit.bor('3', 4)"),
  E("return {bit.bxor(1), bit.bor(1, 2, 4, 8), bit.bnot(-1)}"),
  E("return struct.pack('<bBhHlLiIfd', -1, 255, -2, 65535, -3, 3, -4, 4, 1.5, 2.5)"),
  E("return struct.pack('>bBhHlLiIfd', -1, 255, -2, 65535, -3, 3, -4, 4, 1.5, 2.5)"),
  E("return {struct.unpack('<bBhHlLiIfd', struct.pack('<bBhHlLiIfd', -1, 255, -2, 65535, -3, 3, -4, 4, 1.5, 2.5))}"),
  E("return struct.pack('i1i2i3i8', 1, 2, 3, 4)"),
  E("return {struct.unpack('>i3', '\\255\\255\\254')}"),
  E("return struct.pack('c5', 'ab')"),
  E("return struct.pack('c2', 'abcd')"),
  E("return struct.pack('c0', 'abcd')"),
  E("return struct.pack('s', 'ab')"),
  E("return {struct.unpack('Bc0', '\\3abcd')}"),
  E("return {struct.unpack('c0', 'abc')}"),
  E("return struct.pack('!4bi', 1, 2)"),
  E("return struct.pack('!8bd', 1, 2)"),
  E("return struct.size('!4bi')"),
  E("return struct.size('s')"),
  E("return struct.pack('x')"),
  E("return {struct.unpack('i', 'ab')}"),
  E("return {struct.unpack('b', 'ab', 2)}"),
  E("return {struct.unpack('b', 'ab', 3)}"),
  E("return struct.pack('i40', 1)"),
  E("return struct.pack('i', 'x')"),
  E("return struct.pack('i')"),
  E("return struct.pack('>I4', 2^32)"),
  E("return struct.pack('>i4', 2^31)"),
];

/** Lua 5.1 arithmetic, number printing and string.format (C printf on doubles), deep recursion. */
const LUA51: Cmd[] = [
  // Hex numerals are doubles in Lua 5.1 (BullMQ's priority score multiplies by 0x100000000)
  E('return tostring(0x100000000)'),
  E('return tostring(10 * 0x100000000 + 1 % 0x100000000)'),
  E('return tostring(tonumber("0x100000000")) .. tostring(tonumber("0x")) .. tostring(tonumber(" 0x10 "))'),
  E('return {tostring(0xFFFFFFFFFFFFFFFF), tostring(-0x10), tostring(0x1p4), 0x7fffffff + 1}'),
  E("return string.format('%#g %#g %#g %#.3g %#G %#g %#.0g %#g', 1, 1e100, 0.0001, 2.5, 1e-10, 123456, 5, 1234567)"),
  E("return string.format('%#x %#o %#X %#x', 0, 0, 255, 16)"),
  E("return string.format('%#.0f %#.0e %#10.2g|', 3, 3, 1)"),
  E("local t = {} local cur = t for i=1,10000 do cur[1] = {} cur = cur[1] end return 1"),
  E("local function f() return f() + 1 end return f()"),
  E("local function f(n) if n == 0 then return 0 end return 1 + f(n-1) end return f(100)"),
  E("local s = string.rep('x', 100) return #s"),
  E("return #table.concat({'a','b'})"),
  E("local t = setmetatable({}, {__index = function(t, k) return k .. '!' end}) return t.x"),
  E("local t = setmetatable({}, {__tostring = function() return 'T' end}) return tostring(t)"),
  E("return string.format('%d', 3.7)"),
  E("return string.format('%5s|%-5s|', 'a', 'b')"),
  E("return string.format('%g %g %g', 1e20, 0.1, 100)"),
  E("return string.format('%.14g', 2^63)"),
  E("return string.format('%i', 42)"),
  E("return string.format('%c%c', 72, 73)"),
  E("return string.format('%o %X %e', 8, 255, 12345.678)"),
  E("return string.format('%s', 1.5)"),
  E("return string.format('%s', 10)"),
  E("return string.format('%10.3s|', 'abcdef')"),
  E("return string.format('%%')"),
  E("return string.format('%z', 1)"),
  E("return tostring(12345678901234567890)"),
  E("return 0x10 + 0"),
  E("return 1e309"),
  E("return -(0/0)"),
  E("return math.floor(-0.5)"),
  E("return tostring(math.floor(2^40 + 0.5))"),
  E("return tostring(2^31 * 2)"),
  E("local a = 2147483647 return tostring(a + 1)"),
  E("local a = 4294967296 return tostring(a * a)"),
  E("return tostring(5 % -3) .. ' ' .. tostring(-5 % 3) .. ' ' .. tostring(5.5 % 2)"),
  E("return tostring(2^0.5)"),
  E("return tostring(10 / 3)"),
  E("return tostring(-1e-7)"),
  E("return #'abc' + #{1,2}"),
  E("local t = {} t[2^53] = 1 return next(t) == 2^53"),
  E("for i = 1, 3 do end return tostring(1.0)"),
  E("local x = 0 for i = 1, 2, 0.5 do x = x + i end return tostring(x)"),
  E("return string.rep('ab', 3)"),
  E("return ('%d'):format(5)"),
  E("return table.remove({1,2,3})"),
  E("return math.min(1)"),
  E("return tostring(math.max(1, 2.5))"),
  E("return select(-1, 1, 2, 3)"),
  E("return type(newproxy)"),
  E("return type(module)"),
  E("return type(setfenv)"),
  E("return type(getfenv)"),
  E("return string.format('%d', 3.7)"),
  E("return string.format('%d|%5d|%-5d|%05d|%+d|% d|%.3d', -3.7, 42, 42, 42, 42, 42, 7)"),
  E("return string.format('%g %g %g %g %g', 1e20, 0.1, 100, 1e-5, 123456789)"),
  E("return string.format('%.14g', 2^63)"),
  E("return string.format('%o %X %e %E', 8, 255, 12345.678, 0.000123)"),
  E("return string.format('%s %s %s', 10, 1.5, 'x')"),
  E("return string.format('%f %.2f %10.3f|%-10.1f|%.0f %.0f', 3.14159, 2.675, -1.5, 2.25, 0.5, 1.5)"),
  E("return string.format('%.2f %.1f %.3e', 0.125, 0.25, 1.0005)"),
  E("return string.format('%x %#x %#o %X', -1, 255, 8, 3000000000)"),
  E("return string.format('%5.2s|%.1s|%-4s|', 'abc', 'xyz', 'a')"),
  E("return string.format('%q', 'a\"b\\\\c\\nd\\0e\\r')"),
  E("return string.format('%c', 65)"),
  E("return string.format('%f %e %g', 1/0, -1/0, 0/0)"),
  E("return string.format('%d')"),
  E("return string.format('%d', 'x')"),
  E("return string.format('%y', 1)"),
  E("return string.format('%123d', 1)"),
  E("return string.format('%------d', 1)"),
  E("return string.format('%s')"),
  E("return string.format()"),
  E("return string.format('%5.1f', 1e300)"),
  E("return string.format('%f', 1e22)"),
  E("return string.format('%.20f', 0.1)"),
  E("return string.format('%g %g %G', 0.0001, 0.00001, 1e-10)"),
  E("return string.format('%s', {}) ~= nil"),
  E("return string.format('%s %s', true, nil)"),
  E("return string.format('%d', 2^63)"),
  E("return string.format('%d', -2^63)"),
  E("return string.format('%u', -1)"),
];

/** cmsgpack nesting limits (Lua 5.1 stack of 8000 slots) and string.rep. */
const LIMITS: Cmd[] = [
  E("local t = cmsgpack.unpack(string.rep('\\145', 3998) .. '\\1') return 1"),
  E("local t = cmsgpack.unpack(string.rep('\\145', 3999) .. '\\1') return 1"),
  E("local t = cmsgpack.unpack(string.rep('\\145', 4000) .. '\\1') return 1"),
  E("local t = cmsgpack.unpack(string.rep('\\129\\1', 3999) .. '\\1') return 1"),
  E("local t = cmsgpack.unpack(string.rep('\\129\\1', 4000) .. '\\1') return 1"),
  E("local t = cmsgpack.unpack(string.rep('\\129', 7998) .. '\\1') return 1"),
  E("local t = cmsgpack.unpack(string.rep('\\129', 7999) .. '\\1') return 1"),
  E("local t = cmsgpack.unpack(string.rep('\\129', 8000) .. '\\1') return 1"),
  E("local a, b = cmsgpack.unpack_one(string.rep('\\145', 3998) .. '\\1') return a"),
  E("local a, b = cmsgpack.unpack_one(string.rep('\\145', 3999) .. '\\1') return a"),
  E("return string.rep('ab', 3, ',')"),
  E("return string.rep('ab', 0)"),
  E("return string.rep('', 5)"),
  E("return string.rep('x', -1)"),
  E("return string.rep('x', 2.7)"),
  E("return string.rep('x')"),
  E("return string.rep()"),
];

const deepJson = (n: number): string => `local t = {} local cur = t for i=1,${n} do cur[1] = {} cur = cur[1] end return cjson.encode(t)`;

/** cjson nesting limits and cycles. */
const JSON_LIMITS: Cmd[] = [
  E(deepJson(998)), E(deepJson(999)), E(deepJson(1000)),
  E(`return cjson.decode(string.rep('[', 1000) .. string.rep(']', 1000)) ~= nil`),
  E(`return cjson.decode(string.rep('[', 1001) .. string.rep(']', 1001)) ~= nil`),
  E(`return cjson.decode(string.rep('{"a":', 1000) .. '1' .. string.rep('}', 1000)) ~= nil`),
  E(`return cjson.decode(string.rep('{"a":', 1001) .. '1' .. string.rep('}', 1001)) ~= nil`),
  E("local t = {} t[1] = t return cjson.encode(t)"),
  E("local t = {} t.a = t return cmsgpack.pack(t)"),
];

/** No 32-bit integer wrap-around (every number is a double, as Lua 5.1), NaN and inf printing. */
const DOUBLES: Cmd[] = [
  E("return tostring(math.floor(100000) * math.floor(100000))"),
  E("return tostring(#'abcd' * 2^40)"),
  E("local s = 0 for i = 1, 100 do s = s + i * 2147483647 end return tostring(s)"),
  E("return tostring(string.len('abc') * 2147483647 * 3)"),
  E("local n = math.floor(tonumber(ARGV[1]) / 1000) return tostring(n + n)", 0, '1700000000000000'),
  E("return tostring(math.floor(2^31 + 0.5))"),
  E("return tostring(-math.floor(3))"),
  E("return tostring(#{1,2,3} / 2)"),
  E("return string.sub('hello', 2, 4) .. string.byte('A') .. select('#', 1, 2)"),
  E("local t = {} t[#t + 1] = 'a' t[#t + 1] = 'b' return t"),
  E("local t = {10, 20, 30} return t[math.floor(2.5)]"),
  E("for i = #'abc', 1, -1 do end return 1"),
  E("local r = {} for i = 1, 3 do r[i] = tostring(i) end return r"),
  E("return tostring(math.floor(-7 / 2)) .. tostring(math.ceil(7 / 2))"),
  E("return tostring(#'ab' == 2) .. tostring(1 == 1.0)"),
  E("return {string.find('abc', 'b')}"),
  E("return tostring(select(2, string.find('abc', 'b')))"),
  E("return string.rep('x', #'abc')"),
  E("return tostring(math.max(#'a', 2.5))"),
  E("return table.concat({1, #'ab', 3.5}, '-')"),
  E("return tostring(2^31 + #'a') .. ' ' .. tostring(-2^31 - #'a')"),
  E("return tostring(#'a' - 2^53)"),
  E("return tostring(0/0)"), E("return tostring(-(0/0))"), E("local z = 0 return tostring(z/z)"), E("local z = 0 return tostring(-(z/z))"),
  E("local a = tonumber(ARGV[1]) return tostring(a - a)", 0, 'inf'),
];

/** Shebang lines and their flags with EVAL and EVAL_RO. */
const SHEBANG: Cmd[] = [
  ['EVAL_RO', '#!lua\nreturn 1', '0'],
  ['EVAL_RO', '#!lua\nreturn redis.call("set","a","b")', '0'],
  ['EVAL_RO', '#!lua flags=no-writes\nreturn redis.call("get","a")', '0'],
  ['EVAL', '#!lua flags=no-writes,allow-oom\nreturn 1', '0'],
  ['EVAL', '#!lua flags=\nreturn 1', '0'],
  ['EVAL', '#!lua  flags=no-writes\nreturn 1', '0'],
  ['EVAL', '#!lua name=x\nreturn 1', '0'],
  ['EVAL', '#!\nreturn 1', '0'],
  ['EVAL', '#! lua\nreturn 1', '0'],
  ['EVAL', '#!lua\nerror("x")', '0'],
  ['EVAL', '#!lua\n\nreturn 1 +', '0'],
  ['EVAL', '#!lua flags=no-cluster\nreturn redis.call("set", "k", "v")', '0'],
  ['EVAL', '#!lua\nreturn redis.call("get", KEYS[1])', '1', 'k'],
  ['EVAL', '#!lua\nreturn redis.call("get", "undeclared")', '0'],
  ['SCRIPT', 'LOAD', '#!lua flags=bogus\nreturn 1'],
  ['EVAL', '#!lua flags=no-writes\nreturn redis.call("expire", "k", "10")', '0'],
];

/** Metatables: the string metatable is read-only, _G's shows as an empty table. */
const METATABLES: Cmd[] = [
  E("getmetatable('').__index = nil"), E("return ('x'):upper()"), E("getmetatable('').foo = 1"),
  E("return type(getmetatable(''))"), E("return getmetatable(_G)"), E("return getmetatable(redis)"),
  E("return getmetatable('').__index == string"), E("return getmetatable('').__index.upper('a')"),
  E("local t = setmetatable({}, {__index = {a = 1}}) return getmetatable(t).__index.a"),
  E("return getmetatable(nil)"), E("return getmetatable(1)"),
];

/** maxmemory: deny-oom commands refused in a script until it has written; shebang allow-oom. */
const OOM: Cmd[] = [
  ['SET', 'a', '1'],
  ['CONFIG', 'SET', 'maxmemory', '1'],
  E("return redis.call('set','a','b')"),
  E("return redis.pcall('set','a','b')"),
  E("return redis.call('get','a')"),
  E("redis.call('del','nokey') return redis.call('set','a','b')"),
  E("redis.call('del','a') return redis.call('set','a','b')"),
  E("return redis.call('incr','a')"),
  ['EVAL', '#!lua\nreturn 1', '0'],
  ['EVAL', '#!lua flags=no-writes\nreturn redis.call("get", "a")', '0'],
  ['EVAL', '#!lua flags=allow-oom\nreturn redis.call("set", "a", "c")', '0'],
  ['SET', 'x', 'y'],
  ['CONFIG', 'SET', 'maxmemory', '0'],
  E("return redis.call('set','a','b')"),
];

describeCompat('scripting against redis-server', () => {
  const d = useDiffer({ reset: false });
  beforeEach(async () => {
    await d?.reset();
    await d?.run([['SCRIPT', 'FLUSH']]);
  });

  it('math.random sequence', async (t) => {
    await d.run(RANDOM);
  });

  it('flags, library and globals (RESP2)', async (t) => {
    await d.run(MORE);
  });

  it('flags, library and globals (RESP3)', async (t) => {
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run(MORE);
  });

  it('error stats, expiry clock, blocking commands, libraries (RESP2)', async (t) => {
    await d.run(LIBS);
  });

  it('error stats, expiry clock, blocking commands, libraries (RESP3)', async (t) => {
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run(LIBS);
  });

  it('Lua 5.1 numbers and string.format', async (t) => {
    await d.run(LUA51);
  });

  it('cmsgpack nesting limits and string.rep', async (t) => {
    await d.run(LIMITS);
  });

  it('cjson nesting limits', async (t) => {
    await d.run(JSON_LIMITS);
  });

  it('EVAL inside MULTI/EXEC and WATCH touched by a script', async (t) => {
    await d.run([['SET', 'w', '1'], ['WATCH', 'w'], ['MULTI'], E("return redis.call('incr', KEYS[1])", 1, 'w')], { conn: 0 });
    await d.run([E("return redis.call('set', KEYS[1], 'changed')", 1, 'w')], { conn: 1 });
    await d.run([['EXEC'], ['GET', 'w']], { conn: 0 });
    // A script that only reads does not touch WATCHed keys.
    await d.run([['WATCH', 'w'], ['MULTI'], E("return redis.call('get', KEYS[1])", 1, 'w')], { conn: 0 });
    await d.run([E("return redis.call('get', KEYS[1])", 1, 'w')], { conn: 1 });
    await d.run([['EXEC']], { conn: 0 });
    // A script with an error inside MULTI, and a compile error queued.
    await d.run([['MULTI'], E("return redis.call('lpush', KEYS[1], 'x')", 1, 'w'), E('return +'), ['EXEC']], { conn: 0 });
    // SELECT in a script leaves the caller's database alone.
    await d.run([E("redis.call('select', '2') return redis.call('set', 'in2', 'v')"), ['EXISTS', 'in2'], ['SELECT', '2'], ['GET', 'in2'], ['SELECT', '0']], { conn: 0 });
  });

  it('numbers are doubles: no integer wrap, NaN and inf as glibc prints them', async (t) => {
    await d.run(DOUBLES);
  });

  it('shebang flags', async (t) => {
    await d.run(SHEBANG);
  });

  it('metatables (RESP2 and RESP3)', async (t) => {
    await d.run(METATABLES);
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run(METATABLES);
  });

  it('scripts under maxmemory', async (t) => {
    try {
      await d.run(OOM);
    } finally {
      await d.run([['CONFIG', 'SET', 'maxmemory', '0']]);
    }
  });

  it('replies and error texts (RESP2)', async (t) => {
    await d.run(BASICS);
  });

  it('replies and error texts (RESP3)', async (t) => {
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run(BASICS);
  });

  it('conversions, redis.call and libraries (RESP2)', async (t) => {
    await d.run(CONVERSIONS);
  });

  it('conversions, redis.call and libraries (RESP3)', async (t) => {
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run(CONVERSIONS);
  });
});
