// Interop (a): every column type and nulls written by `bindspace import` are read by LanceDB
// 0.37.1 with equal values, and LanceDB's hamming vector search over our fsl_u8:2048 column
// returns the same top-10 as a brute-force scan of `bindspace scan` output and as `bindspace
// search` -- before and after
// `bindspace delete` adds roaring .bin deletion files.
import * as fs from "node:fs";
import * as path from "node:path";
import { arrow, check, cli, finish, tmpdir, openLance, lanceRows, canonRows, canonOurs, sortBy,
         diffRows, scanOurs, hammingHex, log } from "./lib.mjs";

const dir = tmpdir("types");

// ---- every type, nulls included --------------------------------------------------------------
const SCHEMA = "id:u64!,b:bool,i8:i8,i16:i16,i32:i32,i64:i64,u8:u8,u16:u16,u32:u32,u64:u64," +
  "f32:f32,f64:f64,s:utf8,ls:large_utf8,bin:binary,lbin:large_binary,fsb:fsb:16,v8:fsl_u8:8," +
  "fp:fsl_u8:2048,vf:fsl_f32:3";
const N = 257;
const hexOf = (n, f) => Array.from({ length: n }, (_, k) => f(k).toString(16).padStart(2, "0")).join("");
function row(i) {
  const nul = (m) => i % m === 0;
  return {
    id: i,
    b: nul(5) ? null : i % 3 === 0,
    i8: nul(7) ? null : [-128, 127, 0, -1][i % 4] + (i % 4 === 2 ? i % 100 : 0),
    i16: nul(11) ? null : i % 2 ? -32768 + i : 32767 - i,
    i32: i % 13 === 1 ? null : i % 2 ? -2147483648 + i : 2147483647 - i,
    i64: nul(6) ? null : (i % 2 ? "-9223372036854775808" : "9223372036854775807"),
    u8: nul(8) ? null : (i * 7) % 256,
    u16: i % 9 === 1 ? null : 65535 - i,
    u32: nul(10) ? null : 4294967295 - i,
    u64: nul(12) ? null : i % 3 === 0 ? "18446744073709551615" : String(i * 1000003),
    f32: nul(14) ? null : i % 17 === 0 ? "NaN" : i % 19 === 0 ? "-Infinity" : (i - 100) * 0.1,
    f64: nul(15) ? null : i % 23 === 0 ? "Infinity" : (i - 128) / 3,
    s: nul(16) ? null : i % 5 === 1 ? "" : `s-${i} "quoted" \\ é ✓ \n tab\t`,
    ls: i % 18 === 1 ? null : `large-${i}`.repeat(i % 4),
    bin: nul(20) ? null : hexOf(i % 6, (k) => (i + k) & 255),
    lbin: i % 21 === 1 ? null : hexOf(i % 3, (k) => (i * k) & 255),
    fsb: nul(22) ? null : hexOf(16, (k) => (i + 3 * k) & 255),
    v8: i % 24 === 1 ? null : hexOf(8, (k) => (i * k + 1) & 255),
    fp: i % 25 === 1 ? null : hexOf(2048, (k) => (i * 31 + k * 7 + (k >> 5)) & 255),
    vf: nul(26) ? null : [i * 0.25, -i, 1e-3 * i],
  };
}
const lines = Array.from({ length: N }, (_, i) => JSON.stringify(row(i))
  .replace(/"i64":"(-?\d+)"/, '"i64":$1')).join("\n") + "\n"; // i64 as a bare JSON number
const jsonl = path.join(dir, "types.jsonl");
fs.writeFileSync(jsonl, lines);
const T = path.join(dir, "types.lance");
cli(["import", T, jsonl, "--schema", SCHEMA, "--batch-rows", "100"]); // 3 commits, 3 fragments

const tbl = await openLance(T);
check(await tbl.countRows() === N, `LanceDB countRows ${await tbl.countRows()} != ${N}`);
const { schema, rows } = await lanceRows(tbl);
const typeNames = Object.fromEntries(schema.fields.map((f) => [f.name, String(f.type)]));
log(typeNames);
check(/FixedSizeList\[2048\]<Uint8>/.test(typeNames.fp), `fp type in LanceDB: ${typeNames.fp}`);
check(schema.fields.find((f) => f.name === "id").nullable === false, "id is not nullable in LanceDB");
check(schema.fields.filter((f) => f.name !== "id").every((f) => f.nullable), "other columns nullable");
const want = canonRows(Array.from({ length: N }, (_, i) => row(i)), schema);
const d = diffRows(sortBy(rows, "id"), sortBy(want, "id"), "LanceDB vs input");
check(d === "", d);
const d2 = diffRows(sortBy(canonRows(scanOurs(T), schema), "id"), sortBy(want, "id"), "bindspace scan vs input");
check(d2 === "", d2);
// a LanceDB filter over our data
const filtered = await tbl.query().where("i32 IS NULL").select(["id"]).toArray();
check(filtered.length === want.filter((r) => r.i32 === "null").length, "LanceDB filter i32 IS NULL");

// ---- hamming search: LanceDB vs brute force over `bindspace scan` ---------------------------
const S = path.join(dir, "fps.lance");
cli(["gen", S, "--rows", "3000", "--seed", "11"]);
async function compareSearch(label) {
  const ours = scanOurs(S, 0, ["--columns", "id,fingerprint", "--rowaddr"]);
  const st = await openLance(S);
  const queries = [];
  for (const [k, flips] of [[5, 0], [777, 3], [1500, 40], [2999, 400], [42, 2000]]) {
    const src = ours.find((r) => Number(r.id) === k) ?? ours[k % ours.length];
    const q = Buffer.from(src.fingerprint, "hex");
    for (let j = 0; j < flips; j++) { const bit = (j * 2654435761 + k) % 16384; q[bit >> 3] ^= 1 << (bit & 7); }
    queries.push(q);
  }
  queries.push(Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 97 + 13) & 255)));
  // `bindspace search` (exact top-k; key = addr = 0x8000 | id for these ids) on the same queries
  const qfile = path.join(dir, "queries.txt");
  fs.writeFileSync(qfile, queries.map((q) => q.toString("hex")).join("\n") + "\n");
  const searched = cli(["search", S, "--queries", qfile, "-k", "10"]).trim().split("\n").map((l) => JSON.parse(l));
  for (const [qi, q] of queries.entries()) {
    const qhex = q.toString("hex");
    const brute = ours.map((r) => ({ id: String(r.id), d: hammingHex(qhex, r.fingerprint), a: BigInt(r._rowaddr) }))
      .sort((x, y) => x.d - y.d || (x.a < y.a ? -1 : 1)).slice(0, 10);
    const res = await st.vectorSearch(new Uint8Array(q)).column("fingerprint").distanceType("hamming")
      .limit(10).select(["id", "_distance"]).toArray();
    const lance = res.map((r) => ({ id: String(r.id), d: Number(r._distance) }));
    const a = brute.map((x) => `${x.id}:${x.d}`).join(" "), b = lance.map((x) => `${x.id}:${x.d}`).join(" ");
    check(a === b, `${label} query ${qi}: brute force [${a}] vs LanceDB [${b}]`);
    const mine = searched.filter((r) => r.query === qi).sort((x, y) => x.rank - y.rank)
      .map((r) => `${r.key - 0x8000}:${r.distance}`).join(" ");
    check(mine === b, `${label} query ${qi}: bindspace search [${mine}] vs LanceDB [${b}]`);
  }
}
await compareSearch("search");
// deletions through bindspace (.bin files, a run container for the range) hide rows from LanceDB
cli(["delete", S, "--range", "700:1600"]);
cli(["delete", S, "--ids", "5,42,2999"]);
const st2 = await openLance(S);
check(await st2.countRows() === 3000 - 901 - 3, `LanceDB count after bindspace deletes: ${await st2.countRows()}`);
const delFiles = fs.readdirSync(path.join(S, "_deletions"));
check(delFiles.length === 2 && delFiles.every((f) => f.endsWith(".bin")), `deletion files ${delFiles}`);
await compareSearch("search after deletes");
finish();
