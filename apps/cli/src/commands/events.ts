// `hookline events list|get`: an application's event log.
import type { Event } from "@hookline/sdk";
import type { Command } from "commander";
import { isoTime } from "../arguments.js";
import { type Cli, contextOf } from "../context.js";
import { fetchList, type ListOptions, withListOptions } from "../list-options.js";
import { type Column, renderFields, renderTable, shortTime } from "../table.js";
import { DELIVERY_COLUMNS } from "./deliveries.js";

const EVENT_COLUMNS: Column<Event>[] = [
  { header: "id", value: (event) => event.id },
  { header: "type", value: (event) => event.eventType },
  { header: "created", value: (event) => shortTime(event.createdAt) },
  { header: "payload", value: (event) => JSON.stringify(event.payload), maxWidth: 50 },
];

interface EventListOptions extends ListOptions {
  app: string;
  type?: string;
  since?: string;
  until?: string;
}

export function registerEvents(program: Command, cli: Cli): void {
  const events = program.command("events").description("browse an application's events");

  withListOptions(
    events
      .command("list")
      .description("list events, newest first")
      .requiredOption("--app <id>", "application id or uid")
      .option("--type <eventType>", "only this event type")
      .option("--since <time>", "created at or after (ISO-8601)", isoTime)
      .option("--until <time>", "created before (ISO-8601)", isoTime),
  ).action(async (options: EventListOptions, command: Command) => {
    const ctx = contextOf(cli, command);
    const client = ctx.client();
    const filter = {
      ...(options.type ? { eventType: options.type } : {}),
      ...(options.since ? { since: options.since } : {}),
      ...(options.until ? { until: options.until } : {}),
    };
    const page = await fetchList(
      options,
      (query) => client.events.list(options.app, { ...filter, ...query }),
      (query) => client.events.listAll(options.app, { ...filter, ...query }),
    );
    ctx.output.list(page, EVENT_COLUMNS, "events");
  });

  events
    .command("get")
    .description("one event with its payload and deliveries")
    .argument("<eventId>", "msg_… id")
    .requiredOption("--app <id>", "application id or uid")
    .action(async (eventId: string, options: { app: string }, command: Command) => {
      const ctx = contextOf(cli, command);
      const event = await ctx.client().events.get(options.app, eventId);
      ctx.output.result(event, () =>
        [
          renderFields([
            ["event", event.id],
            ["type", event.eventType],
            ["created", shortTime(event.createdAt)],
            ["idempotency key", event.idempotencyKey],
          ]),
          "",
          JSON.stringify(event.payload, null, 2),
          "",
          event.deliveries.length > 0 ? renderTable(event.deliveries, DELIVERY_COLUMNS) : "no deliveries",
        ].join("\n"),
      );
    });
}
