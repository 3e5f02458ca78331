/**
 * SLOWLOG and LATENCY (the latency monitor, LATENCY DOCTOR and GRAPH, and
 * the per-command latency histograms), as Redis 7.0 answers them.
 */
import type { HandlerMap, Session, Server } from '../server/server.js';
import type { Command } from '../command/table.js';
import { LatencyHistogram } from '../server/monitoring.js';
import { getRange, replyHelp as help, subcommandSyntaxError as subSyntax } from './args.js';

// ---------------------------------------------------------------- SLOWLOG

const SLOWLOG_HELP = [
  'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
  'HELP',
  '    Prints this help.',
];

// ---------------------------------------------------------------- LATENCY

const LATENCY_HELP = [
  'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
  'HELP',
  '    Prints this help.',
];

const LATENCY_DISABLED =
  "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. " +
  'You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. ' +
  "If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";

const LATENCY_NOTHING =
  'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. ' +
  'I honestly think you ought to sleep tonight.\n';

/** LATENCY DOCTOR: Redis's report (per-event statistics, then the advices that apply). */
function latencyDoctor(server: Server): string {
  const lat = server.latency;
  const cfg = server.config;
  if (lat.events.size === 0 && cfg.latencyThreshold === 0) return LATENCY_DISABLED;
  let out = '';
  let n = 0;
  let advices = 0;
  let slowlogEnabled = false;
  let slowlogTuning = false;
  let slowlogInspect = false;
  let largeObjects = false;
  let scheduler = false;
  const now = Math.floor(Date.now() / 1000);
  for (const [name, e] of lat.events) {
    n++;
    if (n === 1) out += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
    const samples = e.samples;
    let sum = 0;
    let oldest = 0;
    for (const x of samples) {
      sum += x.latency;
      if (oldest === 0 || x.time < oldest) oldest = x.time;
    }
    const count = samples.length;
    const avg = count ? Math.floor(sum / count) : 0;
    let period = count ? now - oldest : 0;
    if (count && period === 0) period = 1;
    let dev = 0;
    for (const x of samples) dev += Math.abs(avg - x.latency);
    const mad = count ? Math.floor(dev / count) : 0;
    out +=
      `${n}. ${name}: ${count} latency spikes (average ${avg}ms, mean deviation ${mad}ms, ` +
      `period ${(count ? period / count : 0).toFixed(2)} sec). Worst all time event ${e.max}ms.`;
    if (name.toLowerCase() === 'command') {
      if (cfg.slowlogSlowerThan < 0) {
        slowlogEnabled = true;
        advices++;
      } else if (Math.trunc(cfg.slowlogSlowerThan / 1000) > cfg.latencyThreshold) {
        slowlogTuning = true;
        advices++;
      }
      slowlogInspect = true;
      largeObjects = true;
      advices += 2;
    }
    if (name.toLowerCase() === 'fast-command') {
      scheduler = true;
      advices++;
    }
    out += '\n';
  }
  if (n === 0 && advices === 0) return out + LATENCY_NOTHING;
  if (advices === 0) {
    return (
      out +
      "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n"
    );
  }
  out += '\nI have a few advices for you:\n\n';
  const us = cfg.latencyThreshold * 1000;
  if (slowlogEnabled) {
    out += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${us}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
  }
  if (slowlogTuning) {
    out += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${us}'.\n`;
  }
  if (slowlogInspect) {
    out += '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
  }
  if (scheduler) {
    out +=
      '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n' +
      '  1) Lower the system load.\n' +
      '  2) Use a computer / VM just for Redis if you are running other software in the same system.\n' +
      '  3) Check if you have a "noisy neighbour" problem.\n' +
      "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
      '  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n';
  }
  if (largeObjects) {
    out += '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
  }
  return out;
}

/** Renders a sparkline as Redis's sparkline.c does (fill mode, labels written vertically below). */
function sparkline(samples: { value: number; label: string }[], columns: number, rows: number): string {
  const charsetFill = '_o#';
  const charsetLen = 3;
  const labelMarginTop = 1;
  let min = 0;
  let max = 0;
  samples.forEach((x, i) => {
    if (i === 0) min = max = x.value;
    else if (x.value < min) min = x.value;
    else if (x.value > max) max = x.value;
  });
  let out = '';
  for (let off = 0; off < samples.length; off += columns) {
    const len = Math.min(columns, samples.length - off);
    if (off !== 0) out += '\n';
    let relmax = max - min;
    if (relmax === 0) relmax = 1;
    const steps = charsetLen * rows;
    let row = 0;
    for (let loop = true; loop; ) {
      loop = false;
      const chars: string[] = new Array(len).fill(' ');
      for (let j = 0; j < len; j++) {
        const x = samples[off + j];
        const relval = x.value - min;
        let step = Math.trunc(Math.trunc(relval * steps) / relmax);
        if (step < 0) step = 0;
        if (step >= steps) step = steps - 1;
        if (row < rows) {
          const idx = step - (rows - row - 1) * charsetLen;
          loop = true;
          if (idx >= 0 && idx < charsetLen) chars[j] = charsetFill[idx];
          else if (idx >= charsetLen) chars[j] = '|';
        } else {
          if (row - rows < labelMarginTop) {
            loop = true;
            break;
          }
          const labelChar = row - rows - labelMarginTop;
          if (x.label.length > labelChar) {
            loop = true;
            chars[j] = x.label[labelChar];
          }
        }
      }
      if (loop) {
        row++;
        out += chars.join('') + '\n';
      }
    }
  }
  return out;
}

/** LATENCY GRAPH: Redis's header, then a sparkline of the samples labelled with their age. */
function latencyGraph(server: Server, event: string): string | null {
  const e = server.latency.events.get(event);
  if (e === undefined || e.samples.length === 0) return null;
  const now = Math.floor(Date.now() / 1000);
  let min = 0;
  let max = 0;
  const seq = e.samples.map((x, i) => {
    if (i === 0) min = max = x.latency;
    else {
      if (x.latency > max) max = x.latency;
      if (x.latency < min) min = x.latency;
    }
    const age = now - x.time;
    const label = age < 60 ? `${age}s` : age < 3600 ? `${Math.floor(age / 60)}m` : age < 86400 ? `${Math.floor(age / 3600)}h` : `${Math.floor(age / 86400)}d`;
    return { value: x.latency, label };
  });
  return `${event} - high ${max} ms, low ${min} ms (all time high ${e.max} ms)\n` + '-'.repeat(80) + '\n' + sparkline(seq, 80, 4);
}

/** One LATENCY HISTOGRAM entry: calls and cumulative (usec, count) buckets. */
function writeHistogram(c: Session, name: string, h: LatencyHistogram): void {
  const w = c.w;
  w.bulk(name);
  w.map(2);
  w.bulk('calls');
  w.int(h.total);
  w.bulk('histogram_usec');
  const buckets = h.logBuckets();
  w.map(buckets.length);
  for (const [us, n] of buckets) {
    w.int(us);
    w.int(n);
  }
}


export const slowlogLatencyCommands: HandlerMap = {
  'slowlog|get'(c, argv) {
    if (argv.length > 3) {
      subSyntax(c, 'SLOWLOG', argv[1]);
      return;
    }
    const entries = c.server.slowlog.entries;
    let count = 10;
    if (argv.length === 3) {
      const n = getRange(c, argv[2], -1, Number.MAX_SAFE_INTEGER, 'ERR count should be greater than or equal to -1');
      if (n === null) return;
      count = n === -1 ? entries.length : n;
    }
    const n = Math.min(count, entries.length);
    const w = c.w;
    w.array(n);
    for (let i = 0; i < n; i++) {
      const e = entries[i];
      w.array(6);
      w.int(e.id);
      w.int(e.time);
      w.int(e.durationUs);
      w.array(e.argv.length);
      for (const a of e.argv) w.bulk(a);
      w.bulk(e.addr);
      w.bulk(e.name);
    }
  },
  'slowlog|len'(c) {
    c.w.int(c.server.slowlog.entries.length);
  },
  'slowlog|reset'(c) {
    c.server.slowlog.reset();
    c.w.ok();
  },
  'slowlog|help'(c) {
    help(c, SLOWLOG_HELP);
  },

  'latency|latest'(c) {
    const w = c.w;
    const events = c.server.latency.events;
    w.array(events.size);
    for (const [name, e] of events) {
      const last = e.samples[e.samples.length - 1];
      w.array(4);
      w.bulk(name);
      w.int(last?.time ?? 0);
      w.int(last?.latency ?? 0);
      w.int(e.max);
    }
  },
  'latency|history'(c, argv) {
    const e = c.server.latency.events.get(argv[2]);
    const samples = e?.samples ?? [];
    c.w.array(samples.length);
    for (const s of samples) {
      c.w.array(2);
      c.w.int(s.time);
      c.w.int(s.latency);
    }
  },
  'latency|reset'(c, argv) {
    c.w.int(c.server.latency.reset(argv.slice(2)));
  },
  'latency|doctor'(c) {
    c.w.verbatim(latencyDoctor(c.server));
  },
  'latency|graph'(c, argv) {
    const g = latencyGraph(c.server, argv[2]);
    if (g === null) {
      c.w.error(`ERR No samples available for event '${argv[2]}'`);
      return;
    }
    c.w.verbatim(g);
  },
  'latency|histogram'(c, argv) {
    const table = c.server.commands;
    const hists = c.server.latency.commands.byCommand;
    const list: [string, LatencyHistogram][] = [];
    const addCmd = (cmd: Command) => {
      const h = hists.get(cmd.fullname);
      if (h !== undefined) list.push([cmd.fullname, h]);
      if (cmd.subcommands !== null) for (const sub of cmd.subcommands.values()) addCmd(sub);
    };
    if (argv.length === 2) {
      for (const cmd of table.all) addCmd(cmd);
    } else {
      for (let j = 2; j < argv.length; j++) {
        const cmd = table.lookupFull(argv[j]);
        if (cmd !== undefined) addCmd(cmd);
      }
    }
    c.w.map(list.length);
    for (const [name, h] of list) writeHistogram(c, name, h);
  },
  'latency|help'(c) {
    help(c, LATENCY_HELP);
  },

};
