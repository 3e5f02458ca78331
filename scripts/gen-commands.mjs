#!/usr/bin/env node
// Generates src/command/meta/commands.json: the facts of Redis 7.0's command
// table (arity, flags, ACL categories, key positions, key specs, group,
// since-version, argument structure), read from a running redis-server 7.0
// through COMMAND INFO and COMMAND DOCS. Prose (summaries, complexity,
// history) is left out on purpose.
//
// Usage: node scripts/gen-commands.mjs [port]   (needs `npm run build` first)
import net from 'node:net';
import { writeFileSync, mkdirSync } from 'node:fs';
import { ReplyReader, encodeCommand, RespMap } from '../dist/src/protocol/reply-reader.js';

const port = Number(process.argv[2] ?? 6379);

function request(sock, reader, args) {
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      reader.feed(chunk);
      const v = reader.next();
      if (v !== undefined) {
        sock.off('data', onData);
        resolve(v);
      }
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.write(encodeCommand(args));
  });
}

const mapToObj = (m) => {
  const o = {};
  for (const [k, v] of m.entries) o[k] = v;
  return o;
};

function plain(v) {
  if (v instanceof RespMap) {
    const o = {};
    for (const [k, val] of v.entries) o[k] = plain(val);
    return o;
  }
  if (v && typeof v === 'object' && 'items' in v) return v.items.map(plain);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object' && 'text' in v) return v.text;
  return v;
}

function cleanArgs(args) {
  if (!Array.isArray(args)) return undefined;
  return args.map((a) => {
    const out = {};
    for (const [k, v] of Object.entries(a)) {
      if (k === 'summary') continue;
      out[k] = k === 'arguments' ? cleanArgs(v) : v;
    }
    return out;
  });
}

function infoToMeta(info) {
  const [name, arity, flags, first, last, step, acl, tips, keySpecs, subs] = info;
  return {
    name,
    arity,
    flags,
    firstKey: first,
    lastKey: last,
    step,
    acl,
    tips,
    keySpecs,
    subcommands: subs.map(infoToMeta),
  };
}

function addDocs(meta, docs) {
  const d = docs[meta.name];
  if (d) {
    meta.group = d.group;
    meta.since = d.since;
    if (d.doc_flags && d.doc_flags.length) meta.docFlags = d.doc_flags;
    if (d.deprecated_since) meta.deprecatedSince = d.deprecated_since;
    if (d.arguments) meta.arguments = cleanArgs(d.arguments);
    const subdocs = d.subcommands ?? {};
    for (const s of meta.subcommands) addDocs(s, subdocs);
  }
}

const sock = net.connect(port, '127.0.0.1');
await new Promise((r) => sock.once('connect', r));
const reader = new ReplyReader();
await request(sock, reader, ['HELLO', '3']);
const infos = plain(await request(sock, reader, ['COMMAND', 'INFO']));
const docs = plain(await request(sock, reader, ['COMMAND', 'DOCS']));
const version = mapToObj(await request(sock, reader, ['HELLO', '3'])).version;
sock.end();

const metas = infos.map(infoToMeta);
for (const m of metas) addDocs(m, docs);
metas.sort((a, b) => (a.name < b.name ? -1 : 1));
mkdirSync('src/command/meta', { recursive: true });
writeFileSync('src/command/meta/commands.json', JSON.stringify({ source: `redis ${version}`, commands: metas }, null, 1) + '\n');
console.log(`wrote ${metas.length} commands from redis ${version}`);
