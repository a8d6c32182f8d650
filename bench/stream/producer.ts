// Writes the bench's events straight into the log and announces them as ingest does (one pub/sub
// message per commit), so the API process under test spends its CPU on streaming alone. Each
// payload carries its sequence number and send time: `{"n", "t", "pad"}` (jsonb keeps that order).
import { newId } from "@hookline/core";
import type { Database } from "@hookline/db";
import type { Redis } from "ioredis";

export type ProducerOptions = {
  db: Database;
  redis: Redis;
  channel: string;
  applicationId: string;
  padBytes: number;
};

const INSERT = `
insert into events (id, application_id, event_type, payload)
select unnest($1::text[]), $2, 'bench.tick', unnest($3::jsonb[])`;

export class Producer {
  produced = 0;
  readonly #options: ProducerOptions;
  readonly #pad: string;

  constructor(options: ProducerOptions) {
    this.#options = options;
    this.#pad = "x".repeat(options.padBytes);
  }

  /** One transaction of `count` events, then its announcement. */
  async insert(count: number): Promise<void> {
    const ids: string[] = [];
    const payloads: string[] = [];
    const sentAt = Date.now();
    for (let i = 0; i < count; i++) {
      ids.push(newId("event"));
      payloads.push(`{"n":${this.produced + i},"t":${sentAt},"pad":"${this.#pad}"}`);
    }
    await this.#options.db.$client.query({
      name: "bench_stream_insert",
      text: INSERT,
      values: [ids, this.#options.applicationId, payloads],
    });
    this.produced += count;
    await this.#options.redis.publish(this.#options.channel, this.#options.applicationId);
  }

  /** About `perSecond` events a second for `durationMs`, in small transactions every few ms. */
  async atRate(perSecond: number, durationMs: number): Promise<void> {
    const started = Date.now();
    for (;;) {
      const elapsed = Date.now() - started;
      if (elapsed >= durationMs) return;
      const due = Math.floor((perSecond * elapsed) / 1000) - this.produced;
      if (due > 0) await this.insert(Math.min(due, 1000));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** `total` events as fast as Postgres takes them, `batch` per transaction. */
  async flat(total: number, batch: number): Promise<void> {
    while (this.produced < total) await this.insert(Math.min(batch, total - this.produced));
  }
}
