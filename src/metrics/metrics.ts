/**
 * The server's metrics, section by section, as one snapshot of name/value
 * pairs: INFO renders it as Redis's text; any other consumer (a metrics
 * endpoint) reads the same pairs. Names and values are Redis 7.0's.
 */
import os from 'node:os';
import { ClientFlag } from '../server/client.js';
import { SINEW_VERSION } from '../server/version.js';
import type { Server } from '../server/server.js';

/** One metric: its INFO name and value. */
export type Metric = [name: string, value: string | number];

export interface MetricsSection {
  /** The INFO section title ("Server", "CPU", ...). */
  title: string;
  metrics: Metric[];
}

/** A byte count as Redis's *_human fields show it. */
export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(2)}K`;
  if (n < 1024 * 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(2)}M`;
  if (n < 1024 ** 4) return `${(n / 1024 ** 3).toFixed(2)}G`;
  if (n < 1024 ** 5) return `${(n / 1024 ** 4).toFixed(2)}T`;
  return `${(n / 1024 ** 5).toFixed(2)}P`;
}

export function metricsSection(server: Server, name: string): MetricsSection | null {
  const metrics: Metric[] = [];
  const add = (k: string, v: string | number) => void metrics.push([k, v]);
  const cfg = server.config;
  const now = Date.now();
  switch (name) {
    case 'server': {
      add('redis_version', SINEW_VERSION);
      add('redis_git_sha1', '00000000');
      add('redis_git_dirty', 0);
      add('redis_build_id', '0');
      add('redis_mode', 'standalone');
      add('os', `${os.type()} ${os.release()} ${os.arch() === 'x64' ? 'x86_64' : os.arch()}`);
      add('arch_bits', 64);
      add('monotonic_clock', 'POSIX clock_gettime');
      add('multiplexing_api', 'epoll');
      add('atomicvar_api', 'c11-builtin');
      add('gcc_version', '0.0.0');
      add('process_id', process.pid);
      add('process_supervised', server.supervisedBy);
      add('run_id', server.runId);
      add('tcp_port', server.port);
      add('server_time_usec', now * 1000);
      const up = Math.floor((now - server.startTime) / 1000);
      add('uptime_in_seconds', up);
      add('uptime_in_days', Math.floor(up / 86400));
      add('hz', cfg.hz);
      add('configured_hz', cfg.getInt('hz'));
      add('lru_clock', Math.floor(now / 1000) & ((1 << 24) - 1));
      add('executable', server.executable);
      add('config_file', server.configFile);
      add('io_threads_active', 0);
      break;
    }
    case 'clients': {
      let maxIn = 0;
      let maxOut = 0;
      let pubsubClients = 0;
      let tracking = 0;
      for (const c of server.clients.values()) {
        maxIn = Math.max(maxIn, c.parser.pending);
        maxOut = Math.max(maxOut, c.w.length);
        if (c.has(ClientFlag.PubSub)) pubsubClients++;
        if (c.has(ClientFlag.Tracking)) tracking++;
      }
      add('connected_clients', server.clients.size);
      add('cluster_connections', 0);
      add('maxclients', cfg.getInt('maxclients'));
      add('client_recent_max_input_buffer', maxIn);
      add('client_recent_max_output_buffer', maxOut);
      add('blocked_clients', server.blocking.blockedClients + server.clientPause.heldClients);
      add('tracking_clients', tracking);
      add('clients_in_timeout_table', server.blocking.blockedClients);
      void pubsubClients;
      break;
    }
    case 'memory': {
      const used = server.usedMemory();
      const peakMemory = server.samplePeakMemory(used);
      const mu = process.memoryUsage();
      const maxmem = cfg.maxmemory;
      const total = os.totalmem();
      add('used_memory', used);
      add('used_memory_human', bytesToHuman(used));
      add('used_memory_rss', mu.rss);
      add('used_memory_rss_human', bytesToHuman(mu.rss));
      add('used_memory_peak', peakMemory);
      add('used_memory_peak_human', bytesToHuman(peakMemory));
      add('used_memory_peak_perc', `${((used / peakMemory) * 100).toFixed(2)}%`);
      add('used_memory_overhead', server.startupMemory);
      add('used_memory_startup', server.startupMemory);
      const dataset = Math.max(0, used - server.startupMemory);
      add('used_memory_dataset', dataset);
      add('used_memory_dataset_perc', `${used > server.startupMemory ? ((dataset / (used - server.startupMemory)) * 100).toFixed(2) : '0.00'}%`);
      add('allocator_allocated', mu.heapUsed);
      add('allocator_active', mu.heapTotal);
      add('allocator_resident', mu.rss);
      add('total_system_memory', total);
      add('total_system_memory_human', bytesToHuman(total));
      add('used_memory_lua', 0);
      add('used_memory_vm_eval', 0);
      add('used_memory_lua_human', '0B');
      add('used_memory_scripts_eval', (server.scriptingIfStarted?.bodyBytes ?? 0));
      add('number_of_cached_scripts', (server.scriptingIfStarted?.scripts.size ?? 0));
      add('number_of_functions', 0);
      add('number_of_libraries', 0);
      add('used_memory_vm_functions', 0);
      add('used_memory_vm_total', 0);
      add('used_memory_vm_total_human', '0B');
      add('used_memory_functions', 0);
      add('used_memory_scripts', (server.scriptingIfStarted?.bodyBytes ?? 0));
      add('used_memory_scripts_human', '0B');
      add('maxmemory', maxmem);
      add('maxmemory_human', bytesToHuman(maxmem));
      add('maxmemory_policy', cfg.get('maxmemory-policy'));
      add('allocator_frag_ratio', (mu.heapTotal / Math.max(1, mu.heapUsed)).toFixed(2));
      add('allocator_frag_bytes', mu.heapTotal - mu.heapUsed);
      add('allocator_rss_ratio', (mu.rss / Math.max(1, mu.heapTotal)).toFixed(2));
      add('allocator_rss_bytes', mu.rss - mu.heapTotal);
      add('rss_overhead_ratio', '1.00');
      add('rss_overhead_bytes', 0);
      add('mem_fragmentation_ratio', (mu.rss / Math.max(1, used)).toFixed(2));
      add('mem_fragmentation_bytes', mu.rss - used);
      add('mem_not_counted_for_evict', 0);
      add('mem_replication_backlog', 0);
      add('mem_total_replication_buffers', 0);
      add('mem_clients_slaves', 0);
      let clientMem = 0;
      // the connections' figures, as client eviction adds them up (CLIENT LIST tot-mem)
      for (const c of server.clients.values()) clientMem += c.memoryUsage();
      add('mem_clients_normal', clientMem);
      add('mem_cluster_links', 0);
      add('mem_aof_buffer', server.aof.bufferLength);
      add('mem_allocator', 'v8');
      add('active_defrag_running', 0);
      add('lazyfree_pending_objects', 0);
      add('lazyfreed_objects', 0);
      break;
    }
    case 'persistence': {
      const rdb = server.rdb;
      add('loading', rdb.loading ? 1 : 0);
      add('async_loading', 0);
      add('current_cow_peak', 0);
      add('current_cow_size', 0);
      add('current_cow_size_age', 0);
      add('current_fork_perc', rdb.keysTotal > 0 ? ((rdb.keysProcessed / rdb.keysTotal) * 100).toFixed(2) : '0.00');
      add('current_save_keys_processed', rdb.keysProcessed);
      add('current_save_keys_total', rdb.keysTotal);
      if (rdb.loading) {
        const now = Math.floor(Date.now() / 1000);
        const elapsed = now - rdb.loadingStart;
        const perc = rdb.loadingTotalBytes > 0 ? (rdb.loadingLoadedBytes / rdb.loadingTotalBytes) * 100 : 0;
        const eta = elapsed === 0 || rdb.loadingLoadedBytes === 0 ? 1 : Math.round(((rdb.loadingTotalBytes - rdb.loadingLoadedBytes) * elapsed) / rdb.loadingLoadedBytes);
        add('loading_start_time', rdb.loadingStart);
        add('loading_total_bytes', rdb.loadingTotalBytes);
        add('loading_rdb_used_mem', rdb.loadingRdbUsedMem);
        add('loading_loaded_bytes', rdb.loadingLoadedBytes);
        add('loading_loaded_perc', perc.toFixed(2));
        add('loading_eta_seconds', eta);
      }
      add('rdb_changes_since_last_save', server.dirty);
      add('rdb_bgsave_in_progress', rdb.bgsaveInProgress ? 1 : 0);
      add('rdb_last_save_time', server.lastSave);
      add('rdb_last_bgsave_status', rdb.lastBgsaveOk ? 'ok' : 'err');
      add('rdb_last_bgsave_time_sec', rdb.lastBgsaveTimeSec);
      add('rdb_current_bgsave_time_sec', rdb.currentBgsaveSec);
      add('rdb_saves', rdb.rdbSaves);
      add('rdb_last_cow_size', rdb.lastAsideBytes);
      add('rdb_last_load_keys_expired', rdb.lastLoadKeysExpired);
      add('rdb_last_load_keys_loaded', rdb.lastLoadKeysLoaded);
      const aof = server.aof;
      add('aof_enabled', aof.state !== 'off' ? 1 : 0);
      add('aof_rewrite_in_progress', aof.rewriteInProgress ? 1 : 0);
      add('aof_rewrite_scheduled', aof.rewriteScheduled ? 1 : 0);
      add('aof_last_rewrite_time_sec', aof.lastRewriteTimeSec);
      add('aof_current_rewrite_time_sec', aof.currentRewriteSec);
      add('aof_last_bgrewrite_status', aof.lastBgrewriteOk ? 'ok' : 'err');
      add('aof_rewrites', aof.rewrites);
      add('aof_rewrites_consecutive_failures', aof.consecutiveFailures);
      add('aof_last_write_status', aof.lastWriteStatusOk ? 'ok' : 'err');
      add('aof_last_cow_size', aof.lastCowSize);
      add('module_fork_in_progress', 0);
      add('module_fork_last_cow_size', 0);
      if (cfg.getBool('appendonly')) {
        add('aof_current_size', aof.currentSize);
        add('aof_base_size', aof.rewriteBaseSize);
        add('aof_pending_rewrite', aof.rewriteScheduled ? 1 : 0);
        add('aof_buffer_length', aof.bufferLength);
        add('aof_pending_bio_fsync', aof.pendingBioFsync);
        add('aof_delayed_fsync', aof.delayedFsync);
      }
      break;
    }
    case 'stats': {
      const s = server.stats;
      const ks = server.keyspace;
      add('total_connections_received', s.connectionsReceived);
      add('total_commands_processed', s.commandsProcessed);
      add('instantaneous_ops_per_sec', server.instantaneousOps);
      let netOut = 0;
      for (const c of server.clients.values()) netOut += c.netOut;
      add('total_net_input_bytes', s.netInputBytes);
      add('total_net_output_bytes', s.netOutputBytes + netOut);
      add('total_net_repl_input_bytes', 0);
      add('total_net_repl_output_bytes', 0);
      add('instantaneous_input_kbps', '0.00');
      add('instantaneous_output_kbps', '0.00');
      add('instantaneous_input_repl_kbps', '0.00');
      add('instantaneous_output_repl_kbps', '0.00');
      add('rejected_connections', s.rejectedConnections);
      add('sync_full', 0);
      add('sync_partial_ok', 0);
      add('sync_partial_err', 0);
      add('expired_keys', ks.expiredKeys);
      add('expired_stale_perc', (ks.expiredStalePerc * 100).toFixed(2));
      add('expired_time_cap_reached_count', 0);
      add('expire_cycle_cpu_milliseconds', Math.round(ks.expireCycleCpuMs));
      add('evicted_keys', s.evictedKeys);
      add('evicted_clients', s.evictedClients);
      add('total_eviction_exceeded_time', 0);
      add('current_eviction_exceeded_time', 0);
      add('keyspace_hits', ks.hits);
      add('keyspace_misses', ks.misses);
      add('pubsub_channels', server.pubsub.channels.size);
      add('pubsub_patterns', server.pubsub.patterns.size);
      add('pubsubshard_channels', server.pubsub.shardChannels.size);
      add('latest_fork_usec', 0);
      add('total_forks', 0);
      add('migrate_cached_sockets', server.migrateCachedSockets);
      add('slave_expires_tracked_keys', 0);
      add('active_defrag_hits', 0);
      add('active_defrag_misses', 0);
      add('active_defrag_key_hits', 0);
      add('active_defrag_key_misses', 0);
      add('total_active_defrag_time', 0);
      add('current_active_defrag_time', 0);
      const t = server.tracking.info();
      add('tracking_total_keys', t.keys);
      add('tracking_total_items', t.items);
      add('tracking_total_prefixes', t.prefixes);
      add('unexpected_error_replies', s.unexpectedErrorReplies);
      add('total_error_replies', s.errorReplies);
      add('dump_payload_sanitizations', s.dumpPayloadSanitizations);
      add('total_reads_processed', s.ioReads);
      add('total_writes_processed', s.ioWrites);
      add('io_threaded_reads_processed', 0);
      add('io_threaded_writes_processed', 0);
      add('reply_buffer_shrinks', 0);
      add('reply_buffer_expands', 0);
      // (Redis 7.2's counters of ACL denials, as it counts them)
      const denied = server.acl.denied;
      add('acl_access_denied_auth', denied.auth);
      add('acl_access_denied_cmd', denied.command);
      add('acl_access_denied_key', denied.key);
      add('acl_access_denied_channel', denied.channel);
      break;
    }
    case 'replication':
      add('role', 'master');
      add('connected_slaves', 0);
      add('master_failover_state', 'no-failover');
      add('master_replid', server.replId);
      add('master_replid2', '0000000000000000000000000000000000000000');
      add('master_repl_offset', 0);
      add('second_repl_offset', -1);
      add('repl_backlog_active', 0);
      add('repl_backlog_size', cfg.getInt('repl-backlog-size'));
      add('repl_backlog_first_byte_offset', 0);
      add('repl_backlog_histlen', 0);
      break;
    case 'cpu': {
      const u = process.resourceUsage();
      const sys = (u.systemCPUTime / 1e6).toFixed(6);
      const user = (u.userCPUTime / 1e6).toFixed(6);
      add('used_cpu_sys', sys);
      add('used_cpu_user', user);
      add('used_cpu_sys_children', '0.000000');
      add('used_cpu_user_children', '0.000000');
      add('used_cpu_sys_main_thread', sys);
      add('used_cpu_user_main_thread', user);
      break;
    }
    case 'module_list':
    case 'modules':
      return { title: 'Modules', metrics };
    case 'commandstats': {
      for (const cmd of server.commands.all) {
        const list = cmd.subcommands === null ? [cmd] : [cmd, ...cmd.subcommands.values()];
        for (const x of list) {
          if (x.calls === 0 && x.rejectedCalls === 0 && x.failedCalls === 0) continue;
          const usec = Math.round(x.usec);
          const per = x.calls ? (x.usec / x.calls).toFixed(2) : '0.00';
          add(`cmdstat_${x.fullname}`, `calls=${x.calls},usec=${usec},usec_per_call=${per},rejected_calls=${x.rejectedCalls},failed_calls=${x.failedCalls}`);
        }
      }
      return { title: 'Commandstats', metrics };
    }
    case 'errorstats':
      // Redis keeps error codes in a radix tree: listed in byte order.
      for (const [code, n] of [...server.stats.errorsByCode].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) add(`errorstat_${code}`, `count=${n}`);
      return { title: 'Errorstats', metrics };
    case 'latencystats': {
      const pcts = cfg.get('latency-tracking-info-percentiles').split(' ').filter(Boolean).map(Number);
      const hists = server.latency.commands.byCommand;
      for (const cmd of server.commands.all) {
        const list = cmd.subcommands === null ? [cmd] : [cmd, ...cmd.subcommands.values()];
        for (const x of list) {
          const h = hists.get(x.fullname);
          if (h === undefined || h.total === 0) continue;
          add(`latency_percentiles_usec_${x.fullname}`, pcts.map((p) => `p${p}=${(h.valueAtPercentile(p) / 1000).toFixed(3)}`).join(','));
        }
      }
      return { title: 'Latencystats', metrics };
    }
    case 'cluster':
      add('cluster_enabled', 0);
      break;
    case 'keyspace':
      for (const db of server.keyspace.dbs) {
        if (db.size === 0) continue;
        add(`db${db.id}`, `keys=${db.size},expires=${db.expires.size},avg_ttl=${Math.round(db.avgTtl)}`);
      }
      return { title: 'Keyspace', metrics };
    default:
      return null;
  }
  const title = name === 'cpu' ? 'CPU' : name.charAt(0).toUpperCase() + name.slice(1);
  return { title, metrics };
}

