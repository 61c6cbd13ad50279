// Interop: a BindSpace database written with `bindspace put` / `flush` (several flushes, so
// rows replaced through deletion vectors) opens with LanceDB 0.37.1: the same rows, the same
// fingerprints as `bindspace get`, at every version; and a row LanceDB adds is seen by the
// space at its next open.
import * as path from "node:path";
import { lancedb, check, cli, cliRun, finish, tmpdir } from "./lib.mjs";

const db = path.join(tmpdir("space"), "db");
const hexOf = (seed) => {
  let s = "";
  for (let w = 0; w < 256; w++) {
    const v = (BigInt(seed) * 0x9E3779B97F4A7C15n + BigInt(w) * 0x1234567n) & 0xFFFFFFFFFFFFFFFFn;
    const b = []; for (let i = 0; i < 8; i++) b.push(Number((v >> BigInt(8 * i)) & 0xFFn));
    s += Buffer.from(b).toString("hex");
  }
  return s;
};
const want = new Map(); // addr -> hex
const put = (addr, seed) => { cli(["put", db, String(addr), hexOf(seed)]); want.set(addr, hexOf(seed)); };

for (let i = 0; i < 40; i++) put(0x8000 + i, i);
put(0x1234, 1000);
check(cli(["flush", db]).trim() === "version 1", "first flush makes version 1");
for (let i = 0; i < 10; i++) put(0x8000 + 3 * i, 2000 + i);   // modify through the cache
for (let i = 0; i < 5; i++) put(0x9000 + i, 3000 + i);        // new rows
check(cli(["flush", db]).trim() === "version 2", "second flush makes version 2");
put(0x8001, 4000);
check(cli(["flush", db]).trim() === "version 3", "third flush makes version 3");

const conn = await lancedb.connect(db);
check((await conn.tableNames()).includes("nodes"), "LanceDB lists the nodes table");
const tbl = await conn.openTable("nodes");
check(Number(await tbl.countRows()) === want.size, `LanceDB counts ${want.size} rows`);
const rows = await tbl.query().toArray();
const seen = new Set();
for (const r of rows) {
  const addr = Number(r.addr);
  const fp = Buffer.from(Uint8Array.from(r.fingerprint.toArray ? r.fingerprint.toArray() : r.fingerprint)).toString("hex");
  check(!seen.has(addr), `address ${addr} appears once`);
  seen.add(addr);
  check(want.get(addr) === fp, `fingerprint of ${addr} as LanceDB reads it`);
  check(BigInt(r.id) === BigInt(addr), `id of ${addr}`);
  check(cli(["get", db, String(addr)]).trim() === fp, `bindspace get ${addr} equals LanceDB's row`);
}
const versions = await tbl.listVersions();
check(versions.length === 3, `3 versions (got ${versions.length})`);
await tbl.checkout(1);
check(Number(await tbl.countRows()) === 41, "version 1 has 41 rows");
await tbl.checkoutLatest();

// LanceDB adds a row; the space sees it when it opens the new version.
const fpNew = Array.from(Buffer.from(hexOf(5000), "hex"));
await tbl.add([{ addr: 0xA000, id: 0xA000, fingerprint: fpNew, label: "from-lancedb", properties: null }]);
check(cli(["get", db, "0xA000"]).trim() === hexOf(5000), "the space reads a row LanceDB added");
put(0xA000, 6000);
check(cli(["flush", db]).trim() === "version 5", "a flush after LanceDB's commit makes version 5");
const t2 = await conn.openTable("nodes");
const r2 = (await t2.query().where("addr = 40960").toArray())[0];
check(r2 && Buffer.from(Uint8Array.from(r2.fingerprint.toArray())).toString("hex") === hexOf(6000),
      "LanceDB reads the space's update of its row");
check(r2 && r2.label === "from-lancedb", "the row keeps its label across a flush");
check(cliRun(["put", db, "0x0700", hexOf(1)]).code !== 0, "the read-only surface refuses a put");
finish();
