// Interop (graph): LanceDB 0.37.1 performs every table operation on an edges table that
// carries bindspace's neighbour index (append, small and large delete, update, optimize =
// compaction, add column, drop an unindexed column, drop dst, overwrite). After each one we
// record what LanceDB left of our IndexMetadata in the manifest, run `bindspace index
// reconcile`, and check that the index covers exactly the live fragments and that
// `bindspace neighbors` (1 and 2 hops) equals a brute force over the rows LanceDB reads.
// Prints one MATRIX line per operation (docs/graph.md).
import * as fs from "node:fs";
import * as path from "node:path";
import { arrow, check, cli, cliRun, finish, tmpdir, openLance } from "./lib.mjs";

const TYPES = ["knows", "likes", "owns"];
const NODES = 60;
let seed = 12345;
const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor((seed / 2147483648) * n); };

function edges(n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push({ src: rnd(NODES), dst: rnd(NODES), type: TYPES[rnd(3)], properties: `{"i":${i}}` });
  return out;
}

function arrowEdges(list) {
  const F = (name, t) => new arrow.Field(name, t, true);
  const schema = new arrow.Schema([F("src", new arrow.Uint64()), F("dst", new arrow.Uint64()),
    F("type", new arrow.Utf8()), F("properties", new arrow.Utf8())]);
  const n = list.length;
  const children = [
    arrow.makeData({ type: new arrow.Uint64(), length: n, data: BigUint64Array.from(list, (e) => BigInt(e.src)) }),
    arrow.makeData({ type: new arrow.Uint64(), length: n, data: BigUint64Array.from(list, (e) => BigInt(e.dst)) }),
    arrow.vectorFromArray(list.map((e) => e.type), new arrow.Utf8()).data[0],
    arrow.vectorFromArray(list.map((e) => e.properties), new arrow.Utf8()).data[0],
  ];
  return new arrow.Table([new arrow.RecordBatch(schema, arrow.makeData({
    type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children }))]);
}

function setup(tag) {
  const db = path.join(tmpdir(`graph-${tag}`), "db");
  for (let k = 0; k < 3; k++) {
    const f = path.join(path.dirname(db), `e${k}.jsonl`);
    fs.writeFileSync(f, edges(200).map((e) => JSON.stringify({ ...e, properties: JSON.parse(e.properties) })).join("\n") + "\n");
    cli(["edges", "import", db, f]);
  }
  cli(["index", "build", db]);
  return db;
}

const manifestLine = (db) => (cli(["index", "status", db]).split("\n").find((l) => l.startsWith("manifest:")) ?? "").slice(10);

// Brute force over what LanceDB reads.
async function lanceEdges(db) {
  const t = await openLance(path.join(db, "edges.lance"));
  const rows = await t.query().toArray();
  return rows.map((r) => ({ src: r.src === null || r.src === undefined ? null : BigInt(r.src),
    dst: r.dst === null || r.dst === undefined ? null : BigInt(r.dst), type: r.type ?? "" }));
}
function brute(rows, node, type, dir) {
  const s = new Set();
  for (const r of rows) {
    if (r.src === null || r.dst === null) continue;
    if (type && r.type !== type) continue;
    if ((dir === "out" || dir === "both") && r.src === node) s.add(r.dst);
    if ((dir === "in" || dir === "both") && r.dst === node) s.add(r.src);
  }
  return s;
}
const sorted = (s) => [...s].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String).join(",");

async function checkExact(db, what) {
  const rows = await lanceEdges(db);
  let bad = 0, total = 0;
  for (let node = 0n; node < BigInt(NODES); node += 7n)
    for (const type of [null, "knows"])
      for (const dir of ["out", "in", "both"]) {
        const args = ["neighbors", db, String(node), `--${dir}`, ...(type ? ["--type", type] : [])];
        const got = cli(args).trim().split("\n").filter(Boolean).join(",");
        const want = sorted(brute(rows, node, type, dir));
        total++;
        if (got !== want) { bad++; if (bad < 3) console.error(`${what}: ${args.join(" ")} got [${got}] want [${want}]`); }
      }
  // two hops, out, any type, from node 1
  const h1 = brute(rows, 1n, null, "out");
  const want2 = new Set(h1);
  for (const x of h1) for (const y of brute(rows, x, null, "out")) want2.add(y);
  want2.delete(1n);
  const got2 = cli(["neighbors", db, "1", "--hops", "2"]).trim().split("\n").filter(Boolean).join(",");
  total++;
  if (got2 !== sorted(want2)) { bad++; console.error(`${what}: 2 hops got [${got2}] want [${sorted(want2)}]`); }
  check(bad === 0, `${what}: ${bad} of ${total} neighbour queries differ from the brute force over LanceDB's rows`);
  return bad === 0;
}

function checkCovers(db, what, expectIndex) {
  const st = cli(["index", "status", db]);
  const m = /bitmap \{([^}]*)\}; live \{([^}]*)\}/.exec(st);
  if (!expectIndex) {
    check(/no neighbour index/.test(st), `${what}: expected no index, status: ${st}`);
    return true;
  }
  const ok = m && m[1] === m[2] && /0 unindexed, 0 stale/.test(st) && /\ncurrent\n/.test(st);
  check(!!ok, `${what}: index does not cover exactly the live fragments: ${st}`);
  return !!ok;
}

async function lanceIndexView(db) {
  try {
    const t = await openLance(path.join(db, "edges.lance"));
    const ix = await t.listIndices();
    return ix.length ? ix.map((i) => `${i.name}:${i.indexType}`).join(" ") : "none listed";
  } catch (e) { return `listIndices error: ${String(e.message ?? e).split("\n")[0].slice(0, 80)}`; }
}

const rowsOut = [];
async function op(name, fn, { expectIndex = true } = {}) {
  const db = setup(name.replace(/\W+/g, "_"));
  let err = null;
  try { await fn(await openLance(path.join(db, "edges.lance")), db); } catch (e) { err = String(e.message ?? e).split("\n")[0]; }
  if (!check(err === null, `${name}: LanceDB failed: ${err}`)) {
    rowsOut.push(`MATRIX | ${name} (LanceDB) | LanceDB error: ${err} | - | - |`);
    return;
  }
  const left = manifestLine(db);
  const seen = await lanceIndexView(db);
  const r = cliRun(["index", "reconcile", db]);
  check(r.code === 0, `${name}: reconcile failed: ${r.stderr}`);
  const action = r.stdout.trim().replace(/ \(edges version \d+\)$/, "");
  const cov = checkCovers(db, name, expectIndex);
  const probe = cliRun(["neighbors", db, "1"]);
  const exact = probe.code === 0 ? await checkExact(db, name)
    : check(!expectIndex && /src and dst/.test(probe.stderr), `${name}: neighbors failed: ${probe.stderr}`);
  // LanceDB can still read the table after our CreateIndex commit.
  let after = "";
  try { const t = await openLance(path.join(db, "edges.lance")); after = `${await t.countRows()} rows`; }
  catch (e) { after = `LanceDB cannot read: ${e.message}`; check(false, `${name}: ${after}`); }
  rowsOut.push(`MATRIX | ${name} (LanceDB) | ${left}; listIndices: ${seen} | ${action} | ${cov && exact ? "exact" : "FAILED"}, LanceDB reads ${after} |`);
}

const only = process.env.BSP_GRAPH_ONLY;
const ops = [
  ["append", (t) => t.add(arrowEdges(edges(150)))],
  ["delete a few rows", (t) => t.delete("src = 3 AND dst = 7 OR properties = '{\"i\":17}'")],
  ["delete 40% of rows", (t) => t.delete("src < 24")],
  ["update", (t) => t.update({ where: "src = 5", valuesSql: { dst: "59" } })],
  ["optimize (compaction)", async (t) => { await t.delete("src < 4"); await t.optimize(); }],
  ["add column", (t) => t.addColumns([{ name: "weight", valueSql: "1" }])],
  ["drop unindexed column", (t) => t.dropColumns(["properties"])],
  ["drop dst", (t) => t.dropColumns(["dst"]), { expectIndex: false }],
  ["overwrite", async (t, db) => {
    const conn = await (await import("@lancedb/lancedb")).connect(db);
    await conn.createTable("edges", arrowEdges(edges(100)), { mode: "overwrite" });
  }, { expectIndex: false }],
];
for (const [name, fn, opts] of ops) if (!only || name.startsWith(only)) await op(name, fn, opts);

for (const l of rowsOut) console.log(l);
finish();
