#!/usr/bin/env node
// The sinew-server command: see src/cli/main.ts.
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
