// Baseline process: an Express handler that inserts one row in a Postgres transaction and answers
// 202 — the least an ingest endpoint that promises durability before answering can do. Same Express,
// same JSON parser, same pg pool size as the API. Settings come as one JSON argument.
import type { AddressInfo } from "node:net";
import express from "express";
import pg from "pg";

type Settings = { databaseUrl: string; poolSize: number; applicationName: string };

const settings = JSON.parse(process.argv[2] ?? "{}") as Settings;
const pool = new pg.Pool({
  connectionString: settings.databaseUrl,
  max: settings.poolSize,
  application_name: settings.applicationName,
});
const app = express();
app.disable("x-powered-by");
app.use(express.json({ limit: "300kb" }));
app.post("/events", async (req, res) => {
  const client = await pool.connect();
  try {
    await client.query("begin");
    const inserted = await client.query<{ id: string }>(
      "insert into bench_rows (payload) values ($1) returning id",
      [req.body],
    );
    await client.query("commit");
    res.status(202).json({ id: inserted.rows[0]?.id });
  } catch (error) {
    await client.query("rollback").catch(() => {});
    res.status(500).json({ error: String(error) });
  } finally {
    client.release();
  }
});
const server = app.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`);
});
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    server.close();
    await pool.end();
    process.exit(0);
  });
}
