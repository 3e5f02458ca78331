/**
 * CLIENT TRACKING, CLIENT CACHING, CLIENT GETREDIR, CLIENT TRACKINGINFO
 * (client-side caching; the logic is in src/server/tracking.ts).
 */
import type { HandlerMap } from '../server/server.js';
import { ClientFlag } from '../server/client.js';
import { Err } from '../protocol/errors.js';
import { parseLL } from '../protocol/numbers.js';
import { is } from './args.js';
import { Tracking } from '../server/tracking.js';

export const trackingCommands: HandlerMap = {
  'client|tracking'(c, argv) {
    const server = c.server;
    let redirect = 0;
    const opts = { bcast: false, optin: false, optout: false, noloop: false };
    const prefixes: string[] = [];
    for (let j = 3; j < argv.length; j++) {
      const more = argv.length - 1 - j;
      const a = argv[j];
      if (is(a, 'redirect') && more > 0) {
        j++;
        if (redirect !== 0) {
          c.w.error('ERR A client can only redirect to a single other client');
          return;
        }
        const id = parseLL(argv[j]);
        if (id === null) {
          c.w.error(Err.notInteger);
          return;
        }
        if (!server.clients.has(id)) {
          c.w.error('ERR The client ID you want redirect to does not exist');
          return;
        }
        redirect = id;
      } else if (is(a, 'bcast')) {
        opts.bcast = true;
      } else if (is(a, 'optin')) {
        opts.optin = true;
      } else if (is(a, 'optout')) {
        opts.optout = true;
      } else if (is(a, 'noloop')) {
        opts.noloop = true;
      } else if (is(a, 'prefix') && more > 0) {
        prefixes.push(argv[++j]);
      } else {
        c.w.error(Err.syntax);
        return;
      }
    }
    const tracking = server.tracking;
    if (is(argv[2], 'on')) {
      if (!opts.bcast && prefixes.length > 0) {
        c.w.error('ERR PREFIX option requires BCAST mode to be enabled');
        return;
      }
      const st = Tracking.state(c);
      if (st !== null && st.bcast !== opts.bcast) {
        c.w.error(
          "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
        );
        return;
      }
      if (opts.bcast && (opts.optin || opts.optout)) {
        c.w.error('ERR OPTIN and OPTOUT are not compatible with BCAST');
        return;
      }
      if (opts.optin && opts.optout) {
        c.w.error("ERR You can't specify both OPTIN mode and OPTOUT mode");
        return;
      }
      if (st !== null && ((opts.optin && st.optout) || (opts.optout && st.optin))) {
        c.w.error(
          "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
        );
        return;
      }
      if (opts.bcast) {
        const err = tracking.checkPrefixCollisions(c, prefixes);
        if (err !== null) {
          c.w.error(err);
          return;
        }
      }
      tracking.enable(c, redirect, opts, prefixes);
    } else if (is(argv[2], 'off')) {
      tracking.disable(c);
    } else {
      c.w.error(Err.syntax);
      return;
    }
    c.w.ok();
  },

  'client|caching'(c, argv) {
    const st = Tracking.state(c);
    if (st === null || (c.flags & ClientFlag.Tracking) === 0) {
      c.w.error('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
      return;
    }
    if (is(argv[2], 'yes')) {
      if (!st.optin) {
        c.w.error('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
        return;
      }
    } else if (is(argv[2], 'no')) {
      if (!st.optout) {
        c.w.error('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
        return;
      }
    } else {
      c.w.error(Err.syntax);
      return;
    }
    st.caching = true;
    c.w.ok();
  },

  'client|getredir'(c) {
    const st = Tracking.state(c);
    c.w.int(st === null ? -1 : st.redirect);
  },

  'client|trackinginfo'(c) {
    const st = Tracking.state(c);
    const w = c.w;
    w.map(3);
    w.bulk('flags');
    const flags: string[] = [st === null ? 'off' : 'on'];
    if (st !== null) {
      if (st.bcast) flags.push('bcast');
      if (st.optin) {
        flags.push('optin');
        if (st.caching) flags.push('caching-yes');
      }
      if (st.optout) {
        flags.push('optout');
        if (st.caching) flags.push('caching-no');
      }
      if (st.noloop) flags.push('noloop');
      if (st.brokenRedirect) flags.push('broken_redirect');
    }
    w.set(flags.length);
    for (const f of flags) w.bulk(f);
    w.bulk('redirect');
    w.int(st === null ? -1 : st.redirect);
    w.bulk('prefixes');
    const prefixes = st === null ? [] : [...st.prefixes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    w.bulkArray(prefixes);
  },
};
