import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  cellArea,
  cellScoreRange,
  decodeScore,
  distance,
  encode,
  encodeScore,
  estimateSteps,
  latDistance,
  neighbours,
  pointMatcher,
  scoreToGeohash,
  searchCells,
  type GeoShape,
} from '../../src/types/geohash.js';
import { crAsin, crCos, crSin } from '../../src/util/crmath.js';
import { formatFixed, formatFixedPoint, formatHumanDouble } from '../../src/protocol/numbers.js';
import { rng } from '../helpers/rng.js';

/** Points with the score, GEOPOS and GEOHASH replies redis-server 7.0.15 gave for them. */
const KNOWN: { lon: string; lat: string; score: string; pos: [string, string]; hash: string }[] = [
  { lon: '13.361389', lat: '38.115556', score: '3479099956230698', pos: ['13.36138933897018433', '38.11555639549629859'], hash: 'sqc8b49rny0' },
  { lon: '180', lat: '10', score: '10138940401276181', pos: ['180', '9.99999839351156794'], hash: '81b0bh2n0n0' },
  { lon: '180', lat: '85.05112878', score: '13510798882111488', pos: ['180', '85.0511287799999991'], hash: 'bp05b5048p0' },
  { lon: '-180', lat: '-85.05112878', score: '0', pos: ['-179.99999731779098511', '-85.05112751263942528'], hash: '00bh0hbj200' },
  { lon: '0', lat: '0', score: '3377699720527872', pos: ['0.00000268220901489', '0.00000126736058093'], hash: 's0000000000' },
  { lon: '-122.4194', lat: '37.7749', score: '1367859919124626', pos: ['-122.41940170526504517', '37.77490001056577995'], hash: '9q8yyk8ytp0' },
  { lon: '151.2093', lat: '-33.8688', score: '3252046221964352', pos: ['151.20929986238479614', '-33.86880091934155956'], hash: 'r3gx2f77bj0' },
  { lon: '-179.99', lat: '-16.5', score: '353287978054848', pos: ['-179.98999804258346558', '-16.49999931370297901'], hash: '' },
];

/** GEOPOS of scores ZADD put in directly (any double: Redis casts it to uint64_t as x86 does). */
const ODD_SCORES: [number, [string, string]][] = [
  [-5, ['180', '85.0511287799999991']],
  [Infinity, ['-179.99999731779098511', '-85.05112751263942528']],
  [-Infinity, ['180', '-85.05112751263942528']],
  [1e300, ['-179.99999731779098511', '-85.05112751263942528']],
  [2 ** 63, ['180', '-85.05112751263942528']],
  [1.5, ['-179.99999731779098511', '-85.05112497791824921']],
  [2 ** 64, ['-179.99999731779098511', '-85.05112751263942528']],
  [-(2 ** 63), ['180', '-85.05112751263942528']],
  [-1e300, ['180', '-85.05112751263942528']],
];

const pos = (score: number) => decodeScore(score).map(formatHumanDouble);

describe('geohash', () => {
  it('encodes points to the scores redis-server gives them', () => {
    for (const k of KNOWN) {
      const e = encodeScore(Number(k.lon), Number(k.lat))!;
      assert.equal(e.text, k.score, `${k.lon},${k.lat}`);
      assert.equal(e.score, Number(k.score));
    }
    // the integer above 2^53 is propagated exactly, stored rounded
    assert.equal(encodeScore(180, 10)!.score, 10138940401276180);
    assert.equal(encodeScore(180.0000001, 0), null);
    assert.equal(encodeScore(0, GEO_LAT_MAX + 1e-9), null);
  });

  it('decodes scores to the coordinates and geohashes redis-server prints', () => {
    for (const k of KNOWN) {
      assert.deepEqual(pos(Number(k.score)), k.pos, k.score);
      if (k.hash !== '') assert.equal(scoreToGeohash(Number(k.score)), k.hash);
    }
    for (const [s, p] of ODD_SCORES) assert.deepEqual(pos(s), p, String(s));
  });

  it('round trips: a decoded point encodes to its own cell', () => {
    const r = rng(7);
    for (let i = 0; i < 20000; i++) {
      const lon = r() * 360 - 180;
      const lat = GEO_LAT_MIN + r() * (GEO_LAT_MAX - GEO_LAT_MIN);
      const s = encodeScore(lon, lat)!.score;
      const [x, y] = decodeScore(s);
      assert.ok(Math.abs(x - lon) < 360 / 2 ** 26 && Math.abs(y - lat) < 171 / 2 ** 26, `${lon},${lat}`);
      assert.equal(encodeScore(x, y)!.score, s, `${lon},${lat}`);
      // the score lies within the cell of its point at every step
      for (const step of [1, 5, 13, 26]) {
        const [min, max] = cellScoreRange(encode(lon, lat, step)!);
        assert.ok(min <= s && s < max, `step ${step}`);
      }
    }
  });

  it('moves to neighbours with wrap-around at the antimeridian and the poles', () => {
    const step = 4;
    const top = 2 ** step - 1;
    const ne = encode(179.9, GEO_LAT_MAX - 0.1, step)!;
    assert.deepEqual([ne.lat, ne.lon], [top, top]);
    const [n, s, e, w, nE, nW, sE, sW] = neighbours(ne);
    assert.deepEqual([n.lat, n.lon], [0, top]); // north of the top row is the bottom row
    assert.deepEqual([s.lat, s.lon], [top - 1, top]);
    assert.deepEqual([e.lat, e.lon], [top, 0]); // east of the last column is the first
    assert.deepEqual([w.lat, w.lon], [top, top - 1]);
    assert.deepEqual([nE.lat, nE.lon, nW.lat, nW.lon, sE.lat, sE.lon, sW.lat, sW.lon], [0, 0, 0, top - 1, top - 1, 0, top - 1, top - 1]);
    // a point at the very top of both ranges carries the bit above the step, as Redis's encoder
    const corner = encode(180, GEO_LAT_MAX, step)!;
    assert.deepEqual([corner.lat, corner.lon], [2 ** step, 2 ** step]);
    const [cn, , ce, cw] = neighbours(corner);
    assert.deepEqual([cn.lat, cn.lon, ce.lat, ce.lon, cw.lat, cw.lon], [1, 2 ** step, 2 ** step, 1, 2 ** step, top]);
    const a = cellArea(encode(-180, GEO_LAT_MIN, step)!);
    assert.deepEqual([a.lonMin, a.latMin], [-180, GEO_LAT_MIN]);
  });

  it('chooses the search cells as Redis does', () => {
    assert.equal(estimateSteps(0, 0), 26);
    assert.equal(estimateSteps(1000, 0), 14);
    assert.equal(estimateSteps(1000, 70), 13);
    assert.equal(estimateSteps(1000, -81), 12);
    assert.equal(estimateSteps(1e9, 0), 1);
    const shape = (lon: number, lat: number, radius: number): GeoShape => ({ box: false, lon, lat, radius, width: 0, height: 0, conversion: 1000 });
    // a huge radius: the world in four cells (the rest are the same cells again)
    const world = searchCells(shape(10, 10, 30000));
    assert.ok(world.every((c) => c !== null && c.step === 1));
    // near the antimeridian: the east neighbour wraps to the far west column
    const fiji = searchCells(shape(179.999, -16.5, 50));
    const [centre, , , east] = fiji;
    assert.equal(centre!.lon, 2 ** centre!.step - 1);
    assert.equal(east!.lon, 0);
    // a small circle in the middle of its cell leaves out every neighbour
    // (10 cm: the finest cells, 28 cm high and 60 cm wide here)
    assert.equal(estimateSteps(0.1, 10), 26);
    const a = cellArea(encode(10, 10, 26)!);
    const inner = searchCells(shape((a.lonMin + a.lonMax) / 2, (a.latMin + a.latMax) / 2, 0.0001));
    assert.equal(inner[0]!.step, 26);
    assert.deepEqual(inner.slice(1), [null, null, null, null, null, null, null, null]);
    // near a cell's northern edge, the northern neighbours stay
    const edge = searchCells(shape((a.lonMin + a.lonMax) / 2, a.latMax - 1e-7, 0.0001));
    assert.deepEqual(
      edge.map((c) => c !== null),
      [true, true, false, false, false, false, false, false, false],
    );
  });

  it('measures distances as redis-server does', () => {
    const d = (a: [number, number], b: [number, number]) => distance(a[0], a[1], b[0], b[1]);
    const sf = decodeScore(1367859919124626);
    const syd = decodeScore(3252046221964352);
    const lon = encodeScore(-0.1276, 51.5072)!.score;
    const fiji = decodeScore(encodeScore(179.99, -16.5)!.score);
    const fiji2 = decodeScore(353287978054848);
    assert.equal(formatFixedPoint(d(sf, syd), 4), '11951031.4578');
    assert.equal(formatFixedPoint(d(fiji, fiji2) / 1000, 4), '2.1333');
    assert.equal(formatFixedPoint(d(decodeScore(lon), sf) / 1609.34, 4), '5355.5416');
    assert.equal(formatFixedPoint(d(decodeScore(13510798882111488), decodeScore(0)) / 0.3048, 4), '62072980.9353');
    assert.equal(d(sf, sf), 0);
  });
});

describe('search shortcuts', () => {
  /** geoWithinShape as Redis writes it, without shortcuts. */
  function reference(s: GeoShape, score: number): number {
    const [x, y] = decodeScore(score);
    if (!s.box) {
      const d = distance(s.lon, s.lat, x, y);
      return d > s.radius * s.conversion ? -1 : d;
    }
    if (latDistance(y, s.lat) > (s.height * s.conversion) / 2) return -1;
    if (distance(x, y, s.lon, y) > (s.width * s.conversion) / 2) return -1;
    return distance(s.lon, s.lat, x, y);
  }
  const nextDown = (v: number) => {
    const b = new Float64Array([v]);
    new BigInt64Array(b.buffer)[0] -= 1n;
    return b[0];
  };

  it('never change whether a point is in, nor its distance', () => {
    const r = rng(5);
    const lat = () => GEO_LAT_MIN + r() * (GEO_LAT_MAX - GEO_LAT_MIN);
    for (let i = 0; i < 300; i++) {
      const c = { lon: r() * 360 - 180, lat: r() < 0.2 ? (r() < 0.5 ? -1 : 1) * (80 + r() * 5) : lat() };
      const scores: number[] = [];
      for (let j = 0; j < 40; j++) {
        const near = r() < 0.7;
        const lon = near ? Math.max(-180, Math.min(180, c.lon + (r() - 0.5) * 4)) : r() * 360 - 180;
        const la = near ? Math.max(GEO_LAT_MIN, Math.min(GEO_LAT_MAX, c.lat + (r() - 0.5) * 4)) : lat();
        scores.push(encodeScore(lon, la)!.score);
      }
      // limits exactly at some points' distances, and just below them
      const [px, py] = decodeScore(scores[0]);
      const d0 = distance(c.lon, c.lat, px, py);
      const w0 = distance(px, py, c.lon, py);
      const shapes: GeoShape[] = [
        { box: false, ...c, radius: d0, width: 0, height: 0, conversion: 1 },
        { box: false, ...c, radius: nextDown(d0), width: 0, height: 0, conversion: 1 },
        { box: false, ...c, radius: r() * 500, width: 0, height: 0, conversion: 1000 },
        { box: false, ...c, radius: 20000, width: 0, height: 0, conversion: 1000 },
        { box: true, ...c, radius: 0, width: 2 * w0, height: 1e9, conversion: 1 },
        { box: true, ...c, radius: 0, width: 2 * nextDown(w0), height: 1e9, conversion: 1 },
        { box: true, ...c, radius: 0, width: r() * 800, height: r() * 800, conversion: 1000 },
        { box: true, ...c, radius: 0, width: 40000, height: 20000, conversion: 1000 },
      ];
      for (const s of shapes) {
        const m = pointMatcher(s);
        for (const sc of scores) assert.equal(m(sc), reference(s, sc), JSON.stringify({ s, sc }));
      }
    }
  });
});

describe('correctly rounded sin, cos, asin', () => {
  // [x, f(x) correctly rounded]: arguments where V8's Math functions are a bit off
  const SIN: [number, number][] = [
    [2.4005464490808857, 0.6750601316042176],
    [-2.114684769177353, -0.8557030139588105],
    [2.285208252690621, 0.755478662247023],
    [1.2915199814026934, 0.9612551726909716],
    [-0.512987200387407, -0.49078212764641854],
    [-1.1274192685550328, -0.9033080844484828],
    [-0.6933896409531749, -0.639147767496998],
    [2.1656245553896305, 0.8282447659981079],
    [3.141592653589793, 1.2246467991473532e-16],
    [1.5707963267948966, 1.0],
    [1e-10, 1e-10],
    [-2.356194490192345, -0.7071067811865476],
  ];
  const COS: [number, number][] = [
    [-1.2126452551308915, 0.35054322597323223],
    [0.6950516036663071, 0.7680206545329138],
    [-0.3809977471140278, 0.9282940885675622],
    [2.156344067882932, -0.5526559578369151],
    [2.3774327091579845, -0.7219638723926488],
    [2.38424711908551, -0.7266621731350664],
    [1.303620088437863, 0.2640089176075542],
    [2.930431805961481, -0.9777882656170388],
    [1.5707963267948966, 6.123233995736766e-17],
    [3.141592653589793, -1.0],
    [2.356194490192345, -0.7071067811865475],
    [0.7853981633974483, 0.7071067811865476],
  ];
  const ASIN: [number, number][] = [
    [0.60549232410267, 0.650384335256977],
    [0.8975814674049616, 1.1142524163211063],
    [0.9457527813501656, 1.239903897509197],
    [0.6539895310997962, 0.7128461386975736],
    [0.5809790226630867, 0.6199310259514926],
    [0.9683141894638538, 1.3183896282180851],
    [0.7803962607868015, 0.8952992948555579],
    [0.582022437825799, 0.6212135785007992],
    [0.9999999999999998, 1.5707963057214724],
    [0.5, 0.5235987755982989],
    [0.49999999999999994, 0.5235987755982988],
    [1e-9, 1e-9],
    [0.9999, 1.5566540733173846],
    [1, 1.5707963267948966],
  ];

  it('gives the correctly rounded results', () => {
    for (const [x, y] of SIN) assert.equal(crSin(x), y, `sin ${x}`);
    for (const [x, y] of COS) assert.equal(crCos(x), y, `cos ${x}`);
    for (const [x, y] of ASIN) {
      assert.equal(crAsin(x), y, `asin ${x}`);
      assert.equal(crAsin(-x), -y, `asin ${-x}`);
    }
    assert.ok(Object.is(crSin(-0), -0));
    assert.ok(Number.isNaN(crAsin(1.5)));
  });

  it('stays within one ulp of Math everywhere', () => {
    const r = rng(3);
    for (let i = 0; i < 20000; i++) {
      const x = (r() * 2 - 1) * 4;
      const y = r();
      for (const [a, b] of [
        [crSin(x), Math.sin(x)],
        [crCos(x), Math.cos(x)],
        [crAsin(y), Math.asin(y)],
      ]) {
        assert.ok(Math.abs(a - b) <= Math.abs(b) * 2.3e-16 + 1e-300, `${x} ${y}`);
      }
    }
  });
});

describe('number formats of GEO replies', () => {
  it('prints %f exactly, ties to even', () => {
    assert.equal(formatFixed(200.0078125, 6), '200.007812');
    assert.equal(formatFixed(200.0234375, 6), '200.023438');
    assert.equal(formatFixed(-0, 6), '-0.000000');
    assert.equal(formatFixed(1e300, 2).length, 301 + 3);
    assert.equal(formatFixed(-Infinity, 6), '-inf');
    assert.equal(formatFixed(0.1, 17), '0.10000000000000001');
  });
  it('prints human long doubles and fixed-point distances', () => {
    assert.equal(formatHumanDouble(-1e-20), '0');
    assert.equal(formatHumanDouble(180), '180');
    assert.equal(formatHumanDouble(85.05112878), '85.0511287799999991');
    // llrint of d * 10000: ties to even
    assert.equal(formatFixedPoint(0.00005, 4), '0.0000');
    assert.equal(formatFixedPoint(0.00015, 4), '0.0001');
    assert.equal(formatFixedPoint(0.00025, 4), '0.0002');
    assert.equal(formatFixedPoint(2.00015, 4), '2.0002');
    assert.equal(formatFixedPoint(12.5, 4), '12.5000');
    assert.equal(formatFixedPoint(0, 4), '0.0000');
  });
});
