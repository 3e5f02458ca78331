import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer, type Cmd } from '../helpers/differ.js';
import { rng } from '../helpers/rng.js';

const LAT = 85.05112878;
const UNITS = ['m', 'km', 'mi', 'ft'] as const;
const TO_METRES: Record<string, number> = { m: 1, km: 1000, mi: 1609.34, ft: 0.3048 };

/**
 * A seeded set of points: clusters around cities, points anywhere, near the
 * poles and the antimeridian, on the very edges of the valid ranges, and
 * repeated positions (equal distances). Coordinates are written with 4 to
 * 10 decimals.
 */
function points(seed: number, n: number): { add: Cmd; members: string[]; coords: [string, string][] } {
  const r = rng(seed);
  const clamp = (v: number, m: number) => Math.max(-m, Math.min(m, v));
  // truncated toward zero, so that a point on the edge of a range stays inside it
  const text = (v: number) => {
    const scale = 10 ** (4 + Math.floor(r() * 7));
    return String(Math.trunc(v * scale) / scale);
  };
  const CITIES: [number, number][] = [
    [13.361389, 38.115556],
    [2.3522, 48.8566],
    [-74.006, 40.7128],
    [139.6917, 35.6895],
    [179.95, -16.5],
    [-179.95, 65.2],
    [0, 0],
    [-0.1276, 51.5072],
    [24.9, 84.8],
    [-60, -84.9],
  ];
  const coords: [string, string][] = [];
  for (let i = 0; i < n; i++) {
    const k = r();
    let lon: number;
    let lat: number;
    if (k < 0.25) {
      lon = r() * 360 - 180;
      lat = r() * 2 * LAT - LAT;
    } else if (k < 0.37) {
      lon = r() * 360 - 180;
      lat = (r() < 0.5 ? -1 : 1) * (80 + r() * (LAT - 80));
    } else if (k < 0.49) {
      lon = (r() < 0.5 ? -1 : 1) * (179 + r());
      lat = r() * 2 * LAT - LAT;
    } else if (k < 0.53) {
      lon = [-180, 180, 0][Math.floor(r() * 3)];
      lat = [LAT, -LAT, 0, 45][Math.floor(r() * 4)];
    } else if (k < 0.63 && coords.length > 0) {
      coords.push(coords[Math.floor(r() * coords.length)]);
      continue;
    } else {
      const [x, y] = CITIES[Math.floor(r() * CITIES.length)];
      const spread = r() < 0.5 ? 0.05 : 2;
      lon = clamp(x + (r() - 0.5) * spread, 180);
      lat = clamp(y + (r() - 0.5) * spread, LAT);
    }
    coords.push([text(lon), text(lat)]);
  }
  const add: Cmd = ['GEOADD', 'g'];
  const members: string[] = [];
  for (let i = 0; i < n; i++) {
    members.push(`p${i}`);
    add.push(coords[i][0], coords[i][1], `p${i}`);
  }
  return { add, members, coords };
}

/** A search's centre and shape (GEOSEARCH syntax, and the GEORADIUS pieces). */
function randomQuery(r: () => number, members: string[]): { from: string[]; by: string[]; radius: [string, string] | null; lonlat: [string, string] | null; member: string | null } {
  const unit = UNITS[Math.floor(r() * UNITS.length)];
  const size = () => String(Number(((10 ** (r() * 7.3)) / TO_METRES[unit]).toPrecision(1 + Math.floor(r() * 5))));
  let lonlat: [string, string] | null = null;
  let member: string | null = null;
  if (r() < 0.5) member = members[Math.floor(r() * members.length)];
  else {
    const k = r();
    const lon = k < 0.2 ? (r() < 0.5 ? -1 : 1) * (179.5 + r() * 0.5) : r() * 360 - 180;
    const lat = k > 0.8 ? (r() < 0.5 ? -1 : 1) * (82 + r() * (LAT - 82)) : r() * 2 * LAT - LAT;
    lonlat = [String(Number(lon.toFixed(5))), String(Number(lat.toFixed(5)))];
  }
  const from = member !== null ? ['FROMMEMBER', member] : ['FROMLONLAT', ...lonlat!];
  let by: string[];
  let radius: [string, string] | null = null;
  if (r() < 0.5) {
    radius = [size(), unit];
    by = ['BYRADIUS', ...radius];
  } else by = ['BYBOX', size(), size(), unit];
  return { from, by, radius, lonlat, member };
}

/** Optional arguments: an order, COUNT (with ANY), the WITH* options, shuffled. */
function randomOptions(r: () => number, withs: boolean): string[] {
  const parts: string[][] = [];
  const o = r();
  if (o < 0.3) parts.push(['ASC']);
  else if (o < 0.6) parts.push(['DESC']);
  const c = r();
  if (c < 0.25) parts.push(['COUNT', String(1 + Math.floor(r() * 20))]);
  else if (c < 0.4) parts.push(['COUNT', String(1 + Math.floor(r() * 20)), 'ANY']);
  else if (c < 0.45) parts.push(['COUNT', '1000000']);
  if (withs) {
    if (r() < 0.5) parts.push(['WITHDIST']);
    if (r() < 0.35) parts.push(['WITHCOORD']);
    if (r() < 0.35) parts.push(['WITHHASH']);
  }
  for (let i = parts.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [parts[i], parts[j]] = [parts[j], parts[i]];
  }
  return parts.flat();
}

/** The member/score pairs of a raw RESP2 ZRANGE ... WITHSCORES reply. */
function pairsOf(raw: string): [string, string][] {
  const lines = raw.split('\r\n');
  const out: [string, string][] = [];
  for (let i = 1; i + 3 < lines.length; i += 4) out.push([lines[i + 1], lines[i + 3]]);
  return out;
}

describeCompat('geo commands against redis-server', () => {
  const d = useDiffer();
  const data = points(20260101, 300);
  /** Adds the points (all of them valid). */
  async function addPoints(): Promise<void> {
    const [reply] = await d.run([data.add]);
    assert.equal(reply, `:${data.members.length}\r\n`);
  }

  it('GEOADD: options, CH/NX/XX, limits of the ranges, errors', async () => {
    await d.runInBothProtocols([
      ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
      ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo'],
      ['GEOADD', 'g', 'CH', '13.361389', '38.115556', 'Palermo', '1', '2', 'Palermo', '3', '4', 'new'],
      ['GEOADD', 'g', 'ch', '1', '2', 'Palermo'],
      ['GEOADD', 'g', 'NX', 'CH', '5', '5', 'Palermo', '6', '6', 'nx'],
      ['GEOADD', 'g', 'XX', '7', '7', 'Palermo', '8', '8', 'xx'],
      ['GEOADD', 'g', 'xx', 'ch', 'nx', '7', '7', 'Palermo'],
      ['GEOADD', 'g', 'XX', 'CH', '7.5', '7.5', 'Palermo', '8', '8', 'xx'],
      ['GEOADD', 'g', '180', '85.05112878', 'ne', '-180', '-85.05112878', 'sw', '180', '10', 'above-2^53', '-0', '-0', 'zero'],
      ['ZRANGE', 'g', '0', '-1', 'WITHSCORES'],
      ['GEOADD', 'g', '180.0000001', '0', 'x'],
      ['GEOADD', 'g', '0', '85.05112879', 'x'],
      ['GEOADD', 'g', '-200', '-100', 'x'],
      ['GEOADD', 'g', '200.0078125', '-0', 'x'],
      ['GEOADD', 'g', 'inf', '0', 'x'],
      ['GEOADD', 'g', '1e300', '-inf', 'x'],
      ['GEOADD', 'g', '0.0000005', '-1000.0000005', 'x'],
      ['GEOADD', 'g', '1', '2', 'ok', '200', '2', 'bad'],
      ['ZSCORE', 'g', 'ok'],
      ['GEOADD', 'g', 'x', '2', 'm'],
      ['GEOADD', 'g', '1', 'nan', 'm'],
      ['GEOADD', 'g', '1', '2'],
      ['GEOADD', 'g', '1', '2', 'm', '3'],
      ['GEOADD', 'g', 'NX', 'XX', '1', '2', 'm'],
      ['GEOADD', 'g', 'ch', 'ch', 'ch'],
      ['GEOADD', 'g', 'nx', 'nx', 'nx'],
      ['GEOADD', 'g', 'GT', '1', '2', 'm'],
      ['GEOADD', 'g', 'GT', '1', '2'],
      ['GEOADD', 'g', 'INCR', '1', '2'],
      ['SET', 's', 'v'],
      ['GEOADD', 's', '1', '2', 'm'],
      ['GEOADD', 's', '1', '200', 'm'],
      ['GEOADD', 'missing', 'XX', '1', '2', 'm'],
      ['EXISTS', 'missing'],
      ['GEOADD', 'g'],
    ]);
  });

  it('GEOADD keeps the sorted set encodings (listpack limits)', async () => {
    const long = 'x'.repeat(65);
    const many: Cmd = ['GEOADD', 'big'];
    for (let i = 0; i < 129; i++) many.push(String(i - 64), String(i / 2 - 32), `m${i}`);
    await d.run([
      ['GEOADD', 'small', '1', '2', 'a', '3', '4', 'b'],
      ['OBJECT', 'ENCODING', 'small'],
      ['GEOADD', 'small', '5', '6', long],
      ['OBJECT', 'ENCODING', 'small'],
      many,
      ['OBJECT', 'ENCODING', 'big'],
      ['GEOSEARCH', 'big', 'FROMLONLAT', '0', '0', 'BYRADIUS', '500', 'km', 'ASC', 'WITHDIST'],
      ['GEOSEARCH', 'small', 'FROMLONLAT', '3', '4', 'BYRADIUS', '500', 'km', 'WITHDIST'],
    ]);
  });

  it('GEOPOS, GEOHASH and GEODIST of many points, in every unit', async () => {
    await addPoints();
    const r = rng(11);
    const cmds: Cmd[] = [
      ['GEOPOS', 'g', ...data.members, 'missing'],
      ['GEOHASH', 'g', ...data.members, 'missing'],
      ['GEOPOS', 'nokey', 'a', 'b'],
      ['GEOHASH', 'nokey', 'a'],
      ['GEODIST', 'nokey', 'a', 'b'],
      ['GEODIST', 'g', 'p0', 'missing'],
      ['GEODIST', 'g', 'missing', 'p0', 'km'],
      ['GEODIST', 'g', 'p0', 'p0'],
    ];
    for (let i = 0; i < 150; i++) {
      const a = data.members[Math.floor(r() * data.members.length)];
      const b = data.members[Math.floor(r() * data.members.length)];
      const u = r() < 0.2 ? [] : [UNITS[Math.floor(r() * UNITS.length)].toUpperCase()];
      cmds.push(['GEODIST', 'g', a, b, ...u]);
    }
    await d.runInBothProtocols(cmds, { keepData: true });
  });

  it('GEOSEARCH around many centres: every shape, unit, order, COUNT, ANY and WITH* option', async () => {
    await addPoints();
    const r = rng(12);
    const cmds: Cmd[] = [];
    for (let i = 0; i < 260; i++) {
      const q = randomQuery(r, data.members);
      cmds.push(['GEOSEARCH', 'g', ...q.from, ...q.by, ...randomOptions(r, true)]);
    }
    // the whole world, from the poles and the antimeridian
    for (const from of [['FROMLONLAT', '0', String(LAT)], ['FROMLONLAT', '180', '-80'], ['FROMLONLAT', '-180', '0'], ['FROMMEMBER', 'p1']]) {
      cmds.push(['GEOSEARCH', 'g', ...from, 'BYRADIUS', '25000', 'km', 'WITHDIST', 'DESC', 'COUNT', '40']);
      cmds.push(['GEOSEARCH', 'g', ...from, 'BYBOX', '40000', '20000', 'km']);
      cmds.push(['GEOSEARCH', 'g', ...from, 'BYRADIUS', '0', 'm', 'WITHHASH']);
    }
    await d.runInBothProtocols(cmds.slice(0, 80), { keepData: true });
    const out = await d.run(cmds.slice(80));
    assert.ok(out.filter((x) => !x.startsWith('*0')).length > out.length / 2, 'most searches find points');
  });

  it('GEORADIUS, GEORADIUSBYMEMBER and their _RO forms', async () => {
    await addPoints();
    const r = rng(13);
    const cmds: Cmd[] = [];
    for (let i = 0; i < 160; i++) {
      const q = randomQuery(r, data.members);
      const radius = q.radius ?? [String(Math.floor(r() * 3000)), 'km'];
      const ro = r() < 0.3 ? '_RO' : '';
      if (q.member !== null) cmds.push([`GEORADIUSBYMEMBER${ro}`, 'g', q.member, ...radius, ...randomOptions(r, true)]);
      else cmds.push([`GEORADIUS${ro}`, 'g', ...q.lonlat!, ...radius, ...randomOptions(r, true)]);
    }
    await d.runInBothProtocols(cmds.slice(0, 50), { keepData: true });
    await d.run(cmds.slice(50));
  });

  it('equal distances come out in Redis order, with and without COUNT (stable sort, partial quicksort)', async () => {
    const add: Cmd = ['GEOADD', 't'];
    for (let i = 0; i < 120; i++) add.push(i % 3 === 0 ? '10' : '10.001', i % 5 === 0 ? '20' : '20.001', `q${i}`);
    const cmds: Cmd[] = [add];
    for (const n of [1, 3, 6, 7, 8, 20, 40, 41, 50, 119, 120, 121]) {
      for (const o of ['ASC', 'DESC']) cmds.push(['GEOSEARCH', 't', 'FROMLONLAT', '10', '20', 'BYRADIUS', '1000', 'km', 'COUNT', String(n), o, 'WITHDIST']);
    }
    for (const extra of [[], ['ASC'], ['DESC'], ['COUNT', '30'], ['COUNT', '30', 'ANY'], ['COUNT', '30', 'ANY', 'DESC']]) {
      cmds.push(['GEOSEARCH', 't', 'FROMLONLAT', '10', '20', 'BYRADIUS', '1000', 'km', ...extra]);
    }
    await d.run(cmds);
  });

  it('STORE, STOREDIST and GEOSEARCHSTORE: replies, stored members and scores, encodings', async () => {
    await addPoints();
    await d.run([['CONFIG', 'SET', 'zset-max-listpack-entries', '16']]);
    try {
      await storeScenario();
    } finally {
      await d.run([['CONFIG', 'SET', 'zset-max-listpack-entries', '128']]);
    }
  });

  async function storeScenario(): Promise<void> {
    const r = rng(14);
    let exact = 0;
    let near = 0;
    for (let i = 0; i < 70; i++) {
      const q = randomQuery(r, data.members);
      const dist = r() < 0.5;
      const opts = randomOptions(r, false);
      let cmd: Cmd;
      if (i % 2 === 0) cmd = ['GEOSEARCHSTORE', 'dst', 'g', ...q.from, ...q.by, ...opts, ...(dist ? ['STOREDIST'] : [])];
      else {
        const radius = q.radius ?? ['2000', 'km'];
        const store = [dist ? 'STOREDIST' : 'STORE', 'dst'];
        cmd = q.member !== null ? ['GEORADIUSBYMEMBER', 'g', q.member, ...radius, ...opts, ...store] : ['GEORADIUS', 'g', ...q.lonlat!, ...radius, ...store, ...opts];
      }
      await d.run([cmd, ['EXISTS', 'dst'], ['OBJECT', 'ENCODING', 'dst'], ['ZCARD', 'dst']]);
      const [a, b] = await d.pair(0);
      const range = ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'];
      const [ra, rb] = await Promise.all([a.raw(...range), b.raw(...range)]);
      if (!dist) {
        assert.equal(ra, rb, `stored by: ${cmd.join(' ')}`);
        continue;
      }
      // Distances are computed with correctly rounded sin/cos/asin; glibc's
      // differ in the last bit for about one argument in a thousand, which
      // a score printed with %.17g shows.
      const pa = pairsOf(ra);
      const pb = pairsOf(rb);
      assert.deepEqual(
        pa.map((p) => p[0]),
        pb.map((p) => p[0]),
        `members stored by: ${cmd.join(' ')}`,
      );
      for (let j = 0; j < pa.length; j++) {
        if (pa[j][1] === pb[j][1]) exact++;
        else {
          const x = Number(pa[j][1]);
          const y = Number(pb[j][1]);
          assert.ok(Math.abs(x - y) <= Math.abs(y) * 1e-15, `distance of ${pa[j][0]} stored by ${cmd.join(' ')}: ${x} against ${y}`);
          near++;
        }
      }
    }
    assert.ok(exact > 200, `${exact} distances stored`);
    assert.ok(near <= exact / 50, `${near} of ${exact + near} stored distances differ in the last bits`);
    await d.run([
      ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm'],
      ['EXISTS', 'dst'],
      ['SET', 'dst', 'string'],
      ['GEORADIUS', 'g', '0', '0', '1', 'm', 'STORE', 'dst'],
      ['TYPE', 'dst'],
      ['SET', 'dst', 'string'],
      ['GEOSEARCHSTORE', 'dst', 'nokey', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'm'],
      ['TYPE', 'dst'],
      ['SET', 'dst', 'string'],
      ['GEORADIUSBYMEMBER', 'nokey', 'x', 'what', 'ever', 'STORE', 'dst'],
      ['TYPE', 'dst'],
      ['GEOSEARCHSTORE', 'g', 'g', 'FROMMEMBER', 'p0', 'BYRADIUS', '500', 'km', 'DESC', 'COUNT', '5'],
      ['ZRANGE', 'g', '0', '-1', 'WITHSCORES'],
    ]);
  }

  it('search errors, in Redis order', async () => {
    await d.runInBothProtocols([
      ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
      ['SET', 's', 'v'],
      ['GEOPOS', 's', 'a'],
      ['GEOHASH', 's', 'a'],
      ['GEODIST', 's', 'a', 'b'],
      ['GEODIST', 'g', 'a', 'b', 'parsecs'],
      ['GEODIST', 's', 'a', 'b', 'parsecs'],
      ['GEODIST', 'g', 'a', 'b', 'km', 'x'],
      ['GEORADIUS', 's', '1', '2', '3', 'km'],
      ['GEORADIUS', 's', '1', '2', '3', 'km', 'bogus'],
      ['GEORADIUS', 'g', 'x', '2', '3', 'km'],
      ['GEORADIUS', 'g', '1', '2', 'x', 'km'],
      ['GEORADIUS', 'g', '1', '2', '-1', 'km'],
      ['GEORADIUS', 'g', '1', '2', '1', 'parsec'],
      ['GEORADIUS', 'g', '200', '2', '1', 'km'],
      ['GEORADIUS', 'nokey', '200', '2', '1', 'km'],
      ['GEORADIUS', 'nokey', '1', '2', '1', 'km'],
      ['GEORADIUS', 'nokey', '1', '2', '1', 'km', 'STORE', 'd'],
      ['GEORADIUS', 'g', '1', '2', '1', 'km', 'STORE'],
      ['GEORADIUS', 'g', '1', '2', '1', 'km', 'COUNT'],
      ['GEORADIUS', 'g', '1', '2', '1', 'km', 'COUNT', '0'],
      ['GEORADIUS', 'g', '1', '2', '1', 'km', 'COUNT', '-1'],
      ['GEORADIUS', 'g', '1', '2', '1', 'km', 'COUNT', 'x'],
      ['GEORADIUS', 'g', '1', '2', '1', 'km', 'COUNT', '99999999999999999999'],
      ['GEORADIUS', 'g', '1', '2', '1', 'km', 'ANY'],
      ['GEORADIUS', 'g', '1', '2', '1', 'km', 'ANY', 'COUNT', '0'],
      ['GEORADIUS', 'g', '1', '2', '1', 'km', 'STORE', 'd', 'WITHDIST'],
      ['GEORADIUS', 'g', '1', '2', '1', 'km', 'WITHHASH', 'STOREDIST', 'd'],
      ['GEORADIUS', 'g', '1', '2', '1', 'km', 'FROMMEMBER', 'x'],
      ['GEORADIUS', 'g', '1', '2', '1', 'km', 'BYRADIUS', '1', 'km'],
      ['GEORADIUS', 'g', '1', '2', '1', 'km', 'STOREDIST'],
      ['GEORADIUS_RO', 'g', '1', '2', '1', 'km', 'STORE', 'd'],
      ['GEORADIUS_RO', 'g', '1', '2', '1', 'km', 'STOREDIST', 'd'],
      ['GEORADIUSBYMEMBER', 'g', 'x', '1', 'km'],
      ['GEORADIUSBYMEMBER', 'g', 'x', 'bad', 'unit'],
      ['GEORADIUSBYMEMBER', 'nokey', 'x', 'abc', 'xyz'],
      ['GEORADIUSBYMEMBER', 'nokey', 'x', 'abc', 'xyz', 'COUNT', '0'],
      ['GEORADIUSBYMEMBER', 'nokey', 'x', 'abc', 'xyz', 'WITHDIST', 'STORE', 'd'],
      ['GEORADIUSBYMEMBER', 'nokey', 'x', 'abc', 'xyz', 'ANY'],
      ['GEORADIUSBYMEMBER', 'g', 'Palermo', 'abc', 'km'],
      ['GEORADIUSBYMEMBER', 'g', 'Palermo', '10', 'xx'],
      ['GEORADIUSBYMEMBER', 's', 'Palermo', '10', 'km'],
      ['GEORADIUSBYMEMBER_RO', 'g', 'Palermo', '200', 'km', 'STORE', 'd'],
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'Palermo'],
      ['GEOSEARCH', 'g', 'BYRADIUS', '1', 'km'],
      ['geosearch', 'g', 'BYRADIUS', '1', 'km'],
      ['GeoSearch', 'nokey', 'FROMMEMBER', 'x', 'bybox', '1'],
      ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'x'],
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '1'],
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'parsec'],
      ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'Palermo', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '1', '2', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'Catania', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '100', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'km', 'BYBOX', '1', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '1', '2', 'BYBOX', '1', '1', 'km', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '1', '2', 'BYBOX', 'x', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '1', '2', 'BYBOX', '1', 'x', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '1', '2', 'BYBOX', '-1', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '1', '2', 'BYBOX', '1', '-1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '1', '2', 'BYBOX', '1', '1', 'kms'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'km', 'STORE', 'd'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'km', 'STOREDIST'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '200', '2', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '2', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'km', 'ANY'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1e400', 'km'],
      ['GEOSEARCH', 's', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'km', 'WITHDIST'],
      ['GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'km', 'STORE', 'x'],
      ['GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'km', 'STOREDIST', 'x'],
      ['GEOSEARCHSTORE', 'd', 'g', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCHSTORE', 'd', 's', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCHSTORE', 's', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '1', 'km'],
      ['TYPE', 's'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '1', '2', 'BYRADIUS', 'inf', 'km', 'WITHDIST'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '1', '2', 'BYBOX', 'inf', '1', 'km', 'WITHDIST'],
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '0', 'm', 'WITHDIST'],
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'Palermo', 'BYBOX', '0', '0', 'm', 'WITHDIST', 'WITHCOORD'],
      ['GEOSEARCH', 'g'],
      ['GEORADIUS', 'g', '1', '2', '3'],
      ['GEOPOS', 'g'],
    ]);
  });

  it('sorted sets not written by GEOADD: any score decodes as Redis casts it', async () => {
    await d.runInBothProtocols(
      [
        [
          'ZADD', 'w',
          '-5', 'neg', 'inf', 'pinf', '-inf', 'ninf', '1e300', 'huge', '9223372036854775808', 'p63', '1.5', 'frac',
          '9007199254740994', 'big53', '18446744073709551616', 'p64', '-9223372036854775808', 'n63', '-1e300', 'nhuge',
          '0', 'zero', '4503599627370496', 'p52', '4503599627370495', 'max52', '3.5e15', 'mid',
        ],
        ['GEOPOS', 'w', 'neg', 'pinf', 'ninf', 'huge', 'p63', 'frac', 'big53', 'p64', 'n63', 'nhuge', 'zero', 'p52', 'max52', 'mid'],
        ['GEOHASH', 'w', 'neg', 'pinf', 'ninf', 'huge', 'p63', 'frac', 'big53', 'p64', 'n63', 'nhuge', 'zero', 'p52', 'max52', 'mid'],
        ['GEODIST', 'w', 'neg', 'pinf'],
        ['GEODIST', 'w', 'zero', 'max52', 'km'],
        ['GEOSEARCH', 'w', 'FROMMEMBER', 'zero', 'BYRADIUS', '20000', 'km', 'WITHHASH', 'WITHDIST', 'WITHCOORD'],
        ['GEOSEARCH', 'w', 'FROMMEMBER', 'mid', 'BYRADIUS', '30000', 'km', 'WITHHASH', 'WITHDIST', 'WITHCOORD', 'ASC'],
        ['GEOSEARCH', 'w', 'FROMMEMBER', 'neg', 'BYBOX', '100000', '100000', 'km', 'WITHHASH', 'DESC'],
        ['GEORADIUSBYMEMBER', 'w', 'frac', '10', 'km', 'STORE', 'dst'],
        ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ],
      {},
    );
  });
});
