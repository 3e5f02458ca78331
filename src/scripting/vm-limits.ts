/**
 * Limits of the Lua VM, set before the VM's modules load (it reads them from
 * FENGARICONF once). The stack is bounded at 100,000 slots instead of a
 * million: runaway recursion then fails with "stack overflow" after some
 * tens of thousands of calls (Lua 5.1, as Redis embeds it, allows 20,000),
 * in a fraction of a second instead of seconds. Settings a user gives in
 * FENGARICONF are kept.
 */
const current = process.env.FENGARICONF;
let conf: Record<string, unknown> = {};
if (current !== undefined && current !== '') {
  try {
    conf = JSON.parse(current) as Record<string, unknown>;
  } catch {
    conf = {};
  }
}
if (conf.LUAI_MAXSTACK === undefined) conf.LUAI_MAXSTACK = 100000;
process.env.FENGARICONF = JSON.stringify(conf);

export const LUA_MAX_STACK = conf.LUAI_MAXSTACK as number;
