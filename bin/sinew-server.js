#!/usr/bin/env -S node --max-semi-space-size=64
// The sinew-server command: see src/cli/main.ts.
//
// Node options (the first line; `npm start` passes the same ones): a young
// generation of up to 64 MB per semi-space. Every value a write stores
// survives its first scavenge (the keyspace holds it); a larger young
// generation scavenges less often, so fewer of them are copied before the
// key is written again (MSET without pipelining: -8% CPU per request,
// p95 latency from ~6 ms to ~2 ms). V8 starts it small and grows it only
// under heavy allocation, then keeps it: up to 128 MB more RSS (see
// docs/PERFORMANCE.md).
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
