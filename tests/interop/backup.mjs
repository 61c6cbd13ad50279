// Interop (backup): a table changed by gen (append), delete and the runtime's put/flush
// (Update commits) is backed up into a chain kept in another directory; every version
// restored from the chain alone is an ordinary Lance table that LanceDB 0.37.1 opens, and its
// rows equal LanceDB's own view of the original table at that version (addr + fingerprint).
// LanceDB also opens the chain table itself and a snapshot table.
import * as fs from "node:fs";
import * as path from "node:path";
import { lancedb, check, cli, finish, tmpdir, openLance, lanceRows, diffRows, sortBy } from "./lib.mjs";

const dir = tmpdir("backup");
const db = path.join(dir, "db");
const T = path.join(db, "nodes.lance");
cli(["gen", T, "--rows", "3000"]);                                   // v1
cli(["delete", T, "--ids", "1,2,3,500,2999"]);                       // v2
for (const [a, h] of [["80:05", "ab"], ["80:06", "cd"], ["81:00", "ef"]]) cli(["put", db, a, h.repeat(2048)]);
cli(["flush", db]);                                                  // v3 (Update)
cli(["gen", T, "--rows", "200"]);                                    // v4
const chain = path.join(dir, "elsewhere", "nodes.backup.lance");
fs.mkdirSync(path.dirname(chain));
cli(["backup", "create", T, "--chain", chain, "--from", "0", "--interval", "2"]);
check(/: ok$/m.test(cli(["backup", "verify", chain])), "verify reports ok");

const conn = await lancedb.connect(db);
const orig = await conn.openTable("nodes");
const versions = (await orig.listVersions()).map((v) => v.version);
check(versions.length === 4, `4 versions, got ${versions}`);
const out = path.join(dir, "out");
fs.mkdirSync(out);
for (const v of versions) {
  for (const dirn of ["--forward", "--backward"]) {
    const r = path.join(out, `r${v}${dirn.slice(2, 3)}.lance`);
    const res = cli(["backup", "restore", chain, "--version", String(v), "--out", r, ...(v === 4 && dirn === "--backward" ? [] : [dirn])]);
    check(res.includes(`version ${v}`), res);
    const rt = await openLance(r);
    const got = await lanceRows(rt);
    check(got.schema.fields.map((f) => f.name).join(",") === "addr,fingerprint", `v${v}: columns ${got.schema.fields.map((f) => f.name)}`);
    check(String(got.schema.fields[0].type) === "Uint16", `v${v}: addr type ${got.schema.fields[0].type}`);
    await orig.checkout(v);
    const want = (await lanceRows(orig)).rows.map((x) => ({ addr: x.addr, fingerprint: x.fingerprint }));
    const d = diffRows(sortBy(got.rows, "addr"), sortBy(want, "addr"), `v${v} ${dirn}`);
    check(d === "", d);
    check(got.rows.length === want.length && want.length > 0, `v${v}: ${got.rows.length} rows`);
  }
}
// The chain table, its segments (one per later snapshot marker) and a snapshot are Lance
// tables LanceDB reads.
const segdir = path.join(chain, "_segments");
const segs = fs.existsSync(segdir) ? fs.readdirSync(segdir).filter((n) => n.endsWith(".lance")).sort() : [];
check(segs.length === 2, `2 segments after the first snapshot (interval 2, 4 versions), got ${segs}`);
const crow = [];
for (const t of [chain, ...segs.map((n) => path.join(segdir, n))]) {
  const ct = await openLance(t);
  crow.push(...(await ct.query().select(["from_version", "to_version", "kind"]).toArray()));
}
check(crow.filter((x) => x.kind === 0).length === 4, `4 record headers in the chain (${crow.length} rows)`);
check(crow.filter((x) => x.kind === 1).length >= 2, "MODIFY entries present");
const st = await openLance(path.join(chain, "_snapshots", "2.lance"));
check((await st.countRows()) === 2995, "snapshot of v2 has 2995 rows");
finish();
