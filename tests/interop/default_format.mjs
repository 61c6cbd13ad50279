// Interop (d): a table LanceDB 0.37.1 creates with its default storage version (2.1) gets our
// clear error from every table command, and a refused write leaves the table untouched.
import * as fs from "node:fs";
import * as path from "node:path";
import { arrow, lancedb, check, cliRun, finish, tmpdir, openLance } from "./lib.mjs";

const dir = tmpdir("default21");
const db = await lancedb.connect(dir);
const ids = BigInt64Array.from({ length: 50 }, (_, i) => BigInt(i));
await db.createTable("d", [...ids].map((id) => ({ id, label: `x${id}` })), { mode: "create" });
const T = path.join(dir, "d.lance");
const before = fs.readdirSync(path.join(T, "_versions")).sort().join(",");

for (const args of [["scan", T], ["info", T], ["compact", T], ["delete", T, "--ids", "1"],
                    ["gen", T, "--rows", "3"]]) {
  const r = cliRun(args);
  check(r.code === 1, `${args[0]}: exit ${r.code}, want 1 (${r.stderr.trim()})`);
  check(/2\.1/.test(r.stderr) && /not supported|unsupported/i.test(r.stderr),
    `${args[0]}: stderr should name format 2.1 as unsupported: ${r.stderr.trim()}`);
  check(r.stdout === "", `${args[0]}: printed on stdout: ${r.stdout.slice(0, 100)}`);
}
const jsonl = path.join(dir, "rows.jsonl");
fs.writeFileSync(jsonl, '{"id":100,"label":"y"}\n');
const r = cliRun(["import", T, jsonl]);
check(r.code === 1 && /2\.1/.test(r.stderr), `import into 2.1: exit ${r.code}: ${r.stderr.trim()}`);
check(fs.readdirSync(path.join(T, "_versions")).sort().join(",") === before, "refused commands left _versions unchanged");
check(await (await openLance(T)).countRows() === 50, "LanceDB still reads 50 rows");
console.log(`message: ${r.stderr.trim()}`);
finish();
