// Interop (b): a 2.0 table created by LanceDB 0.37.1 and then appended to, deleted from (small
// deletes -> .arrow, a large one -> .bin), updated, compacted (optimize), column-added and
// column-dropped by LanceDB is read by bindspace at every version exactly as LanceDB reads it.
import * as fs from "node:fs";
import * as path from "node:path";
import { arrow, lancedb, check, cli, finish, tmpdir, compareVersion, log } from "./lib.mjs";

const dir = tmpdir("history");
const F = (n, t, nullable = true) => new arrow.Field(n, t, nullable);
const schema = new arrow.Schema([
  F("id", new arrow.Int64(), false),
  F("label", new arrow.Utf8()),
  F("score", new arrow.Float32()),
  F("blob", new arrow.Binary()),
  F("vec", new arrow.FixedSizeList(16, F("item", new arrow.Uint8(), true))),
  F("flag", new arrow.Bool()),
  F("big", new arrow.Uint64()),
]);
function batch(lo, n) {
  const col = (f) => Array.from({ length: n }, (_, k) => f(lo + k));
  const data = {
    id: col((i) => BigInt(i)),
    label: col((i) => (i % 9 === 0 ? null : `row-${i}`)),
    score: col((i) => (i % 11 === 0 ? null : i / 7)),
    blob: col((i) => (i % 13 === 0 ? null : Uint8Array.from({ length: i % 5 }, (_, k) => (i + k) & 255))),
    vec: col((i) => (i % 17 === 0 ? null : Array.from({ length: 16 }, (_, k) => (i * 3 + k) & 255))),
    flag: col((i) => (i % 4 === 0 ? null : i % 3 === 0)),
    big: col((i) => (i % 6 === 0 ? null : 18446744073709551615n - BigInt(i))),
  };
  return makeTable(data, n);
}
function makeTable(data, n) {
  const children = schema.fields.map((f) => arrow.vectorFromArray(data[f.name], f.type).data[0]);
  return new arrow.Table([new arrow.RecordBatch(schema, arrow.makeData({
    type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children }))]);
}

const db = await lancedb.connect(dir);
const T = path.join(dir, "hist.lance");
const tbl = await db.createTable("hist", batch(0, 6000), {
  mode: "create", storageOptions: { new_table_data_storage_version: "2.0" } });
await tbl.add(batch(6000, 700));                                  // v2: second fragment
await tbl.delete("id % 7 = 0");                                    // v3: .arrow files
await tbl.delete("id >= 100 AND id < 5700 AND id % 7 <> 0");      // v4: > 5000 -> .bin
await tbl.update({ where: "id < 60", valuesSql: { label: "concat(label, '-upd')", score: "score + 1.0" } }); // v5
await tbl.optimize();                                              // v6, v7
await tbl.addColumns([{ name: "id2", valueSql: "CAST(id * 2 AS BIGINT)" }]);
await tbl.dropColumns(["score"]);
const cur = await tbl.schema();
await tbl.add([{ id: 7000n, label: "last", blob: Buffer.from([1, 2]), vec: Array.from({ length: 16 }, () => 9),
  flag: true, big: 5n, id2: 14000n }].map((r) => Object.fromEntries(cur.fields.map((f) => [f.name, r[f.name]]))));

const deletions = fs.readdirSync(path.join(T, "_deletions"));
check(deletions.some((f) => f.endsWith(".arrow")), `LanceDB wrote .arrow deletion files: ${deletions}`);
check(deletions.some((f) => f.endsWith(".bin")), `LanceDB wrote a .bin deletion file: ${deletions}`);
log("deletion files:", deletions);

const versions = (await tbl.listVersions()).map((v) => v.version);
check(versions.length >= 9, `versions ${versions}`);
const ourVersions = cli(["versions", T, "--json"]).trim().split("\n").map((l) => JSON.parse(l).version);
check(ourVersions.join(",") === versions.join(","), `bindspace versions [${ourVersions}] vs LanceDB [${versions}]`);
const summary = [];
for (const v of versions) {
  await tbl.checkout(v);
  const n = await compareVersion(tbl, T, v);
  const info = JSON.parse(cli(["info", T, "--version", String(v), "--json"]));
  check(info.rows === await tbl.countRows(), `v${v}: bindspace rows ${info.rows} vs LanceDB ${await tbl.countRows()}`);
  summary.push(`v${v}:${n}rows/${info.fragments.length}frags`);
}
log(summary.join(" "));
finish();
