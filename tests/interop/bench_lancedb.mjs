// LanceDB side of bench/bench_lance.c: creates a 2.0 table of N rows (addr u16, id u64,
// fingerprint fixed_size_list<uint8,2048>, label utf8) and scans it fully, printing one JSON
// line {"write_s":..., "scan_s":..., "rows":...}. Usage: node bench_lancedb.mjs DIR N RUNS
import * as lancedb from "@lancedb/lancedb";
import * as arrow from "apache-arrow";
import * as fs from "node:fs";

const [dir, nArg, runsArg] = process.argv.slice(2);
const n = Number(nArg || 65536), runs = Number(runsArg || 3);
let s = 0x12345678 >>> 0;
function next() { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0); }
const fpBytes = new Uint8Array(n * 2048);
const u32 = new Uint32Array(fpBytes.buffer);
for (let i = 0; i < u32.length; i++) u32[i] = next();
const addr = new Uint16Array(n), id = new BigUint64Array(n), labels = [];
for (let i = 0; i < n; i++) { addr[i] = i & 0xffff; id[i] = BigInt(i); labels.push(`row-${i}`); }
const fpType = new arrow.FixedSizeList(2048, new arrow.Field("item", new arrow.Uint8(), true));
const schema = new arrow.Schema([
  new arrow.Field("addr", new arrow.Uint16(), false),
  new arrow.Field("id", new arrow.Uint64(), false),
  new arrow.Field("fingerprint", fpType, false),
  new arrow.Field("label", new arrow.Utf8(), true),
]);
const child = arrow.makeData({ type: new arrow.Uint8(), length: n * 2048, data: fpBytes });
const fpData = arrow.makeData({ type: fpType, length: n, nullCount: 0, child });
const batch = new arrow.RecordBatch(schema, arrow.makeData({
  type: new arrow.Struct(schema.fields), length: n, nullCount: 0,
  children: [arrow.vectorFromArray(addr).data[0], arrow.vectorFromArray(id).data[0], fpData,
             arrow.vectorFromArray(labels, new arrow.Utf8()).data[0]],
}));
const table = new arrow.Table([batch]);
let bestW = Infinity, bestS = Infinity;
for (let r = 0; r < runs; r++) {
  fs.rmSync(`${dir}/ldb.lance`, { recursive: true, force: true });
  const db = await lancedb.connect(dir);
  let t0 = process.hrtime.bigint();
  const tbl = await db.createTable("ldb", table, { storageOptions: { new_table_data_storage_version: "2.0" } });
  let t1 = process.hrtime.bigint();
  bestW = Math.min(bestW, Number(t1 - t0) / 1e9);
  t0 = process.hrtime.bigint();
  const all = await tbl.query().toArrow();
  t1 = process.hrtime.bigint();
  if (all.numRows !== n) throw new Error(`scan returned ${all.numRows} rows`);
  bestS = Math.min(bestS, Number(t1 - t0) / 1e9);
}
console.log(JSON.stringify({ write_s: bestW, scan_s: bestS, rows: n }));
