// `hookline deliveries list|get|retry`: the delivery log, with the list filters of the API.
import type { Attempt, Delivery, DeliveryStatus } from "@hookline/sdk";
import { type Command, Option } from "commander";
import { type Cli, contextOf } from "../context.js";
import { fetchList, type ListOptions, withListOptions } from "../list-options.js";
import { type Column, renderFields, renderTable, shortTime } from "../table.js";

export const DELIVERY_COLUMNS: Column<Delivery>[] = [
  { header: "id", value: (delivery) => delivery.id },
  { header: "status", value: (delivery) => delivery.status },
  { header: "event", value: (delivery) => delivery.eventId },
  { header: "type", value: (delivery) => delivery.eventType },
  { header: "endpoint", value: (delivery) => delivery.endpointId },
  { header: "attempts", value: (delivery) => delivery.attemptCount },
  { header: "last", value: (delivery) => delivery.lastStatusCode ?? delivery.lastError, maxWidth: 40 },
];

const ATTEMPT_COLUMNS: Column<Attempt>[] = [
  { header: "#", value: (attempt) => attempt.attemptNumber },
  { header: "at", value: (attempt) => shortTime(attempt.attemptedAt) },
  { header: "ms", value: (attempt) => attempt.durationMs },
  { header: "status", value: (attempt) => attempt.statusCode ?? attempt.errorClass },
  { header: "response", value: (attempt) => attempt.responseBody ?? attempt.errorMessage, maxWidth: 50 },
];

const STATUSES: DeliveryStatus[] = ["pending", "succeeded", "failed"];

interface DeliveryListOptions extends ListOptions {
  app: string;
  status?: DeliveryStatus;
  endpoint?: string;
  type?: string;
  event?: string;
}

export function registerDeliveries(program: Command, cli: Cli): void {
  const deliveries = program
    .command("deliveries")
    .description("browse and retry an application's deliveries");

  withListOptions(
    deliveries
      .command("list")
      .description("list deliveries, newest first")
      .requiredOption("--app <id>", "application id or uid")
      .addOption(new Option("--status <status>", "only this status").choices(STATUSES))
      .option("--endpoint <id>", "only to this endpoint (ep_…)")
      .option("--type <eventType>", "only this event type")
      .option("--event <id>", "only of this event (msg_…)"),
  ).action(async (options: DeliveryListOptions, command: Command) => {
    const ctx = contextOf(cli, command);
    const client = ctx.client();
    const filter = {
      ...(options.status ? { status: options.status } : {}),
      ...(options.endpoint ? { endpointId: options.endpoint } : {}),
      ...(options.type ? { eventType: options.type } : {}),
      ...(options.event ? { eventId: options.event } : {}),
    };
    const page = await fetchList(
      options,
      (query) => client.deliveries.list(options.app, { ...filter, ...query }),
      (query) => client.deliveries.listAll(options.app, { ...filter, ...query }),
    );
    ctx.output.list(page, DELIVERY_COLUMNS, "deliveries");
  });

  deliveries
    .command("get")
    .description("one delivery with every attempt")
    .argument("<deliveryId>", "dlv_… id")
    .requiredOption("--app <id>", "application id or uid")
    .action(async (deliveryId: string, options: { app: string }, command: Command) => {
      const ctx = contextOf(cli, command);
      const delivery = await ctx.client().deliveries.get(options.app, deliveryId);
      ctx.output.result(delivery, () =>
        [
          renderFields([
            ["delivery", delivery.id],
            ["status", delivery.status],
            ["event", `${delivery.eventId} (${delivery.eventType})`],
            ["endpoint", delivery.endpointId],
            ["attempts", delivery.attemptCount],
            ["next attempt", shortTime(delivery.nextAttemptAt) || null],
            ["last error", delivery.lastError],
          ]),
          "",
          delivery.attempts.length > 0 ? renderTable(delivery.attempts, ATTEMPT_COLUMNS) : "no attempts yet",
        ].join("\n"),
      );
    });

  deliveries
    .command("retry")
    .description("deliver again now (same webhook-id, fresh retry schedule)")
    .argument("<deliveryId>", "dlv_… id")
    .requiredOption("--app <id>", "application id or uid")
    .action(async (deliveryId: string, options: { app: string }, command: Command) => {
      const ctx = contextOf(cli, command);
      const delivery = await ctx.client().deliveries.retry(options.app, deliveryId);
      ctx.output.result(
        delivery,
        () => `${delivery.id} is ${delivery.status} again: it will be delivered now`,
      );
    });
}
