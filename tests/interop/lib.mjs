// Shared helpers of the interop tests (test_*.sh run the *.mjs scripts here with BSP_CLI set):
// run the bindspace CLI, read a table the way LanceDB 0.37.1 reads it, and bring both views
// to one canonical text per value so rows compare exactly.
//
// Canonical values (by the Arrow type LanceDB reports): null -> "null"; integers -> decimal
// (BigInt, so u64/i64 are exact); float32 -> String(Math.fround(x)); float64 -> String(x);
// strings -> JSON; binary, fixed-size binary, fixed_size_list<uint8> -> lowercase hex;
// fixed_size_list<float> -> [f32,...]; bool -> true/false.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import * as lancedb from "@lancedb/lancedb";
import * as arrow from "apache-arrow";

export { lancedb, arrow };
export const CLI = process.env.BSP_CLI;
if (!CLI) { console.error("BSP_CLI must name the bindspace binary"); process.exit(2); }

let passes = 0, fails = 0;
export function check(cond, msg) {
  if (cond) passes++;
  else { fails++; console.error(`FAIL: ${msg}`); }
  return cond;
}
export function finish() {
  console.log(`${passes} passed, ${fails} failed`);
  process.exit(fails ? 1 : 0);
}
export function log(...a) { if (process.env.BSP_INTEROP_VERBOSE) console.log(...a); }

export function tmpdir(tag) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `bsp-interop-${tag}-`));
  if (!process.env.BSP_KEEP_TMP) process.on("exit", () => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Run the CLI; returns {code, stdout, stderr}. */
export function cliRun(args, input) {
  const r = spawnSync(CLI, args, { input, encoding: "utf8", maxBuffer: 1 << 30 });
  return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}
/** Run the CLI and require success. */
export function cli(args, input) {
  const r = cliRun(args, input);
  if (r.code !== 0) throw new Error(`bindspace ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** JSON lines from `bindspace scan`, with long integer literals kept exact (as strings). */
export function parseLines(text) {
  return text.split("\n").filter((l) => l.length).map((l) =>
    JSON.parse(l.replace(/([:,\[])(-?\d{16,})(?=[,\]}])/g, '$1"$2"')));
}
export function scanOurs(table, version, extra = []) {
  const args = ["scan", table, ...(version ? ["--version", String(version)] : []), ...extra];
  return parseLines(cli(args));
}

/** LanceDB handle for a dataset dir `<db>/<name>.lance`. */
export async function openLance(tablePath) {
  const db = await lancedb.connect(path.dirname(tablePath));
  return db.openTable(path.basename(tablePath).replace(/\.lance$/, ""));
}

const hex = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString("hex");
const f32s = (x) => (Number.isNaN(x) ? "NaN" : String(Math.fround(x)));
const num = (x) => (x === "NaN" ? NaN : x === "Infinity" ? Infinity : x === "-Infinity" ? -Infinity : Number(x));

function kind(type) {
  const T = arrow.Type;
  switch (type.typeId) {
    case T.Int: return "int";
    case T.Float: return type.precision === arrow.Precision.SINGLE ? "f32" : type.precision === arrow.Precision.DOUBLE ? "f64" : "f16";
    case T.Bool: return "bool";
    case T.Utf8: case T.LargeUtf8: return "str";
    case T.Binary: case T.LargeBinary: case T.FixedSizeBinary: return "bytes";
    case T.FixedSizeList: return type.children[0].type.typeId === T.Float ? "vecf" : "bytes";
    default: return `unsupported:${type}`;
  }
}

/** Canonical text of a value as LanceDB returned it. */
export function canonLance(v, type) {
  if (v === null || v === undefined) return "null";
  switch (kind(type)) {
    case "int": return BigInt(v).toString();
    case "f32": return f32s(v);
    case "f64": return String(v);
    case "bool": return v ? "true" : "false";
    case "str": return JSON.stringify(v);
    case "bytes": return hex(v instanceof Uint8Array ? v : Uint8Array.from(v.toArray ? v.toArray() : v));
    case "vecf": return "[" + Array.from(v.toArray ? v.toArray() : v, f32s).join(",") + "]";
    default: return `?${kind(type)}`;
  }
}
/** Canonical text of a value as `bindspace scan` printed it (or as a JSONL input row holds it). */
export function canonOurs(v, type) {
  if (v === null || v === undefined) return "null";
  switch (kind(type)) {
    case "int": return BigInt(v).toString();
    case "f32": return f32s(num(v));
    case "f64": return String(num(v));
    case "bool": return v ? "true" : "false";
    case "str": return JSON.stringify(v);
    case "bytes": return typeof v === "string" ? v.toLowerCase() : hex(Uint8Array.from(v));
    case "vecf": return "[" + v.map((x) => f32s(num(x))).join(",") + "]";
    default: return `?${kind(type)}`;
  }
}

/** Rows of a LanceDB table (current checkout) as canonical objects {col: text}. */
export async function lanceRows(tbl) {
  const schema = await tbl.schema();
  const rows = await tbl.query().toArray();
  return { schema, rows: rows.map((r) => Object.fromEntries(schema.fields.map((f) => [f.name, canonLance(r[f.name], f.type)]))) };
}
export function canonRows(rows, schema) {
  return rows.map((r) => Object.fromEntries(schema.fields.map((f) => [f.name, canonOurs(r[f.name], f.type)])));
}

/** Sort canonical rows by an integer key column (ties keep their order). */
export function sortBy(rows, key) {
  return [...rows].sort((a, b) => { const x = BigInt(a[key]), y = BigInt(b[key]); return x < y ? -1 : x > y ? 1 : 0; });
}

/** Compare two lists of canonical rows; returns "" when equal, else a short description. */
export function diffRows(a, b, what) {
  if (a.length !== b.length) return `${what}: ${a.length} rows vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    const ka = Object.keys(a[i]), kb = Object.keys(b[i]);
    if (ka.join(",") !== kb.join(",")) return `${what}: row ${i} columns [${ka}] vs [${kb}]`;
    for (const k of ka)
      if (a[i][k] !== b[i][k]) return `${what}: row ${i} column ${k}: ${a[i][k].slice(0, 80)} vs ${b[i][k].slice(0, 80)}`;
  }
  return "";
}

/** Compare bindspace's view of `table` at `version` with LanceDB's (tbl checked out there). */
export async function compareVersion(tbl, table, version, key = "id") {
  const { schema, rows } = await lanceRows(tbl);
  const ours = canonRows(scanOurs(table, version), schema);
  const d = diffRows(sortBy(ours, key), sortBy(rows, key), `v${version}`);
  check(d === "", d || "");
  // column order and count as well
  const oursCols = Object.keys(scanOurs(table, version, ["--limit", "1"])[0] ?? {});
  if (rows.length) check(oursCols.join(",") === schema.fields.map((f) => f.name).join(","),
    `v${version}: columns [${oursCols}] vs LanceDB [${schema.fields.map((f) => f.name)}]`);
  return rows.length;
}

/** popcount of a XOR b for two hex strings of equal length. */
export function hammingHex(a, b) {
  let d = 0;
  for (let i = 0; i < a.length; i += 8) {
    let x = (parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16)) >>> 0;
    x -= (x >>> 1) & 0x55555555; x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    d += (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return d;
}
