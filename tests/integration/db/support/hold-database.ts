/**
 * A second Wrenn process for the lock tests: opens the embedded database in argv[2], writes
 * a row, prints "ready", then holds it. A line "exit" on stdin makes it exit without closing
 * (the exit hook must still remove the lock).
 */
import { openDatabase } from "@wrenn/db";
import { createInterface } from "node:readline";

const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: hold-database.ts <dataDir>");
const { db } = await openDatabase({ dataDir });
await db.insertInto("teams").values({ id: `team-${process.pid}`, name: "held" }).onConflict((oc) => oc.doNothing()).execute();
process.stdout.write("ready\n");
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "exit") process.exit(0);
});
