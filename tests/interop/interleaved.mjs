// Interop (c): bindspace and LanceDB 0.37.1 take turns writing one table -- bindspace creates
// and appends, LanceDB appends, both delete (each one unioning the other's deletion file),
// bindspace compacts, LanceDB updates and optimizes -- and after every commit both read every
// version identically. LanceDB reopens the table before each of its writes (a stale handle
// would go through conflict resolution, which needs our transaction files; see the last step).
import * as fs from "node:fs";
import * as path from "node:path";
import { arrow, lancedb, check, cli, finish, tmpdir, compareVersion, openLance, log, parseLines, hammingHex } from "./lib.mjs";

const dir = tmpdir("interleaved");
const T = path.join(dir, "mixed.lance");
const steps = [];

// LanceDB rows in bindspace's gen schema (addr u16!, id u64!, fingerprint fsl_u8:2048!, label utf8)
function lanceRowsFor(lo, n) {
  const F = (name, t, nullable) => new arrow.Field(name, t, nullable);
  const schema = new arrow.Schema([
    F("addr", new arrow.Uint16(), false), F("id", new arrow.Uint64(), false),
    F("fingerprint", new arrow.FixedSizeList(2048, F("item", new arrow.Uint8(), true)), false),
    F("label", new arrow.Utf8(), true)]);
  const fp = new Uint8Array(n * 2048);
  for (let i = 0; i < fp.length; i++) fp[i] = (i * 131 + lo * 7 + (i >> 11)) & 255;
  const children = [
    arrow.makeData({ type: new arrow.Uint16(), length: n, data: Uint16Array.from({ length: n }, (_, k) => 0x9000 + lo + k) }),
    arrow.makeData({ type: new arrow.Uint64(), length: n, data: BigUint64Array.from({ length: n }, (_, k) => BigInt(lo + k)) }),
    arrow.makeData({ type: schema.fields[2].type, length: n, nullCount: 0,
      child: arrow.makeData({ type: new arrow.Uint8(), length: n * 2048, data: fp }) }),
    arrow.vectorFromArray(Array.from({ length: n }, (_, k) => ((lo + k) % 10 === 3 ? null : `lance-${lo + k}`)), new arrow.Utf8()).data[0],
  ];
  return new arrow.Table([new arrow.RecordBatch(schema, arrow.makeData({
    type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children }))]);
}

async function lance(what, fn) { const t = await openLance(T); const r = await fn(t); steps.push(`lancedb ${what}`); return r; }
function ours(what, args) { const out = cli(args); steps.push(`bindspace ${what}`); log(out.trim()); }

async function checkAll() {
  const t = await openLance(T);
  const versions = (await t.listVersions()).map((v) => v.version);
  for (const v of versions) { await t.checkout(v); await compareVersion(t, T, v); }
  return versions.length;
}

ours("gen 400", ["gen", T, "--rows", "400", "--seed", "3"]);                               // v1
await lance("add 300", (t) => t.add(lanceRowsFor(400, 300)));                             // v2
ours("delete range 50:120", ["delete", T, "--range", "50:120"]);                          // v3 .bin
await lance("delete id % 5 = 0", (t) => t.delete("id % 5 = 0"));                          // v4 unions our .bin
ours("compact", ["compact", T]);                                                          // v5
await lance("add 250", (t) => t.add(lanceRowsFor(700, 250)));                             // v6
await lance("delete id % 11 = 1", (t) => t.delete("id % 11 = 1"));                         // v7 .arrow (ZSTD)
ours("delete ids", ["delete", T, "--ids", "701,702,703,800,949,12"]);                     // v8 unions LanceDB's .arrow
await lance("update label", (t) => t.update({ where: "id >= 300 AND id < 330", valuesSql: { label: "'upd'" } })); // v9
ours("gen 120", ["gen", T, "--rows", "120"]);                                             // v10
await lance("optimize", (t) => t.optimize());                                             // v11 (+ v12)
ours("delete range", ["delete", T, "--range", "960:1000"]);
const n = await checkAll();
check(n >= 12, `expected at least 12 versions, got ${n}`);

// An IVF_FLAT hamming index built by LanceDB survives our delete, append and compaction:
// `bindspace info` lists it, and LanceDB's indexed search (all partitions probed) still equals
// brute force over `bindspace scan`.
await lance("createIndex", (t) => t.createIndex("fingerprint", {
  config: lancedb.Index.ivfFlat({ distanceType: "hamming", numPartitions: 2 }) }));
ours("delete ids after index", ["delete", T, "--ids", "5,6,7,8,9,600,601"]);
ours("gen 40 after index", ["gen", T, "--rows", "40"]);
{
  const pre = JSON.parse(cli(["info", T, "--json"])).indices[0];
  const st = await (await openLance(T)).indexStats(pre?.name ?? "fingerprint_idx");
  check(pre && pre.fragments.length > 0 && st.numIndexedRows > 0,
    `before compaction the index covers fragments [${pre?.fragments}] (LanceDB: ${JSON.stringify(st)})`);
  log("index before compaction:", JSON.stringify(pre?.fragments), "LanceDB:", JSON.stringify(st));
}
ours("compact after index", ["compact", T]);
const info = JSON.parse(cli(["info", T, "--json"]));
check(info.indices.length === 1 && info.indices[0].columns.join() === "fingerprint",
  `bindspace info indices: ${JSON.stringify(info.indices)}`);
log("index after compaction:", JSON.stringify(info.indices), "fragments:", info.fragments.map((f) => f.id).join(","));
{
  const t = await openLance(T);
  const stats = await t.indexStats(info.indices[0]?.name ?? "fingerprint_idx");
  log("LanceDB indexStats:", JSON.stringify(stats));
  const rows = parseLines(cli(["scan", T, "--columns", "id,fingerprint", "--rowaddr"]));
  check(rows.length === await t.countRows(), `rows ${rows.length} vs LanceDB ${await t.countRows()}`);
  for (const k of [0, 250, rows.length - 1]) {
    const q = Buffer.from(rows[k].fingerprint, "hex");
    q[k % 2048] ^= 0x11;
    const qhex = q.toString("hex");
    const brute = rows.map((r) => ({ id: String(r.id), d: hammingHex(qhex, r.fingerprint), a: BigInt(r._rowaddr) }))
      .sort((x, y) => x.d - y.d || (x.a < y.a ? -1 : 1)).slice(0, 10).map((x) => `${x.id}:${x.d}`).join(" ");
    const res = await t.vectorSearch(new Uint8Array(q)).column("fingerprint").distanceType("hamming")
      .nprobes(2).limit(10).select(["id", "_distance"]).toArray();
    const got = res.map((r) => `${r.id}:${r._distance}`).join(" ");
    check(got.split(" ")[0] === brute.split(" ")[0], `indexed search for row ${k}: top hit ${got.split(" ")[0]} vs brute ${brute.split(" ")[0]}`);
    check(got === brute, `indexed search for row ${k}: [${got}] vs brute force [${brute}]`);
  }
}
await checkAll();

// A LanceDB handle opened before our commit writes after it: LanceDB must rebase over our
// Delete using our transaction file and keep both deletions.
const stale = await openLance(T);
const before = await stale.countRows();
ours("delete ids (while LanceDB holds a stale handle)", ["delete", T, "--ids", "401,402"]);
await stale.delete("id = 403");
steps.push("lancedb delete from stale handle");
const fresh = await openLance(T);
check(await fresh.countRows() === before - 3, `stale-handle delete: ${await fresh.countRows()} rows, want ${before - 3}`);
await checkAll();

const deletions = fs.readdirSync(path.join(T, "_deletions"));
log(steps.join(" -> "));
log("deletion files:", deletions.join(" "));
check(deletions.some((f) => f.endsWith(".arrow")) && deletions.some((f) => f.endsWith(".bin")),
  `both kinds of deletion files exist: ${deletions}`);
finish();
