// `hookline dead-letters list|replay`: what exhausted its retries, and putting it back in line.
import type { DeadLetter, DeadLetterFilter, HooklineClient } from "@hookline/sdk";
import type { Command } from "commander";
import { isoTime, positiveInteger } from "../arguments.js";
import { replayEach } from "../bulk-replay.js";
import { type Cli, type CommandContext, contextOf } from "../context.js";
import { UsageError } from "../io.js";
import { fetchList, type ListOptions, withListOptions } from "../list-options.js";
import { createProgress } from "../progress.js";
import { type Column, renderTable, shortTime } from "../table.js";

const DEAD_LETTER_COLUMNS: Column<DeadLetter>[] = [
  { header: "id", value: (row) => row.id },
  { header: "created", value: (row) => shortTime(row.createdAt) },
  { header: "application", value: (row) => row.applicationId },
  { header: "endpoint", value: (row) => row.endpointId },
  { header: "type", value: (row) => row.eventType },
  { header: "delivery", value: (row) => row.deliveryId },
  { header: "reason", value: (row) => row.reason, maxWidth: 50 },
];

interface FilterOptions {
  app?: string;
  endpoint?: string;
  type?: string;
  since?: string;
  until?: string;
}

function withFilters(command: Command): Command {
  return command
    .option("--app <id>", "only of this application (app_…)")
    .option("--endpoint <id>", "only to this endpoint (ep_…)")
    .option("--type <eventType>", "only this event type")
    .option("--since <time>", "dead-lettered at or after (ISO-8601)", isoTime)
    .option("--until <time>", "dead-lettered before (ISO-8601)", isoTime);
}

function filterOf(options: FilterOptions): DeadLetterFilter {
  return {
    ...(options.app ? { applicationId: options.app } : {}),
    ...(options.endpoint ? { endpointId: options.endpoint } : {}),
    ...(options.type ? { eventType: options.type } : {}),
    ...(options.since ? { since: options.since } : {}),
    ...(options.until ? { until: options.until } : {}),
  };
}

interface ReplayOptions extends FilterOptions {
  dryRun?: boolean;
  all?: boolean;
  concurrency: number;
}

export function registerDeadLetters(program: Command, cli: Cli): void {
  const deadLetters = program.command("dead-letters").description("list and replay dead letters (admin key)");

  withListOptions(
    withFilters(deadLetters.command("list").description("list open dead letters, newest first")),
  ).action(async (options: FilterOptions & ListOptions, command: Command) => {
    const ctx = contextOf(cli, command);
    const client = ctx.client();
    const filter = filterOf(options);
    const page = await fetchList(
      options,
      (query) => client.deadLetters.list({ ...filter, ...query }),
      (query) => client.deadLetters.listAll({ ...filter, ...query }),
    );
    ctx.output.list(page, DEAD_LETTER_COLUMNS, "dead letters");
  });

  withFilters(
    deadLetters
      .command("replay")
      .description("replay one dead letter by id, or every one matching the filters")
      .argument("[deadLetterId]", "dlq_… id; without it, the filters choose")
      .option("--dry-run", "only show what would be replayed")
      .option("--all", "with no filter: replay every open dead letter")
      .option("--concurrency <n>", "replays in flight at once", positiveInteger, 4),
  ).action(async (deadLetterId: string | undefined, options: ReplayOptions, command: Command) => {
    const ctx = contextOf(cli, command);
    if (deadLetterId !== undefined) return replayOne(ctx, deadLetterId, options);
    return replayMatching(ctx, options);
  });
}

async function replayOne(ctx: CommandContext, id: string, options: ReplayOptions): Promise<void> {
  if (options.dryRun || Object.keys(filterOf(options)).length > 0 || options.all) {
    throw new UsageError("--dry-run, --all and the filters apply to bulk replay, not to one id");
  }
  const result = await ctx.client().deadLetters.replay(id);
  ctx.output.result(
    { id, ...result },
    () => `replayed ${id}: delivery ${result.deliveryId} is pending again`,
  );
}

async function replayMatching(ctx: CommandContext, options: ReplayOptions): Promise<void> {
  const filter = filterOf(options);
  if (Object.keys(filter).length === 0 && !options.all) {
    throw new UsageError(
      "no filter given: add --all to replay every open dead letter, or narrow with --app …",
    );
  }
  const client = ctx.client();
  const matching = await openDeadLetters(client, filter);
  if (options.dryRun) {
    ctx.output.result({ dryRun: true, count: matching.length, deadLetters: matching }, () =>
      matching.length === 0
        ? "no dead letters match"
        : `${renderTable(matching, DEAD_LETTER_COLUMNS)}\n\nwould replay ${matching.length} dead letter(s)`,
    );
    return;
  }
  const progress = createProgress(ctx.cli.io.stderr, matching.length, {
    label: "replaying",
    quiet: ctx.output.json,
  });
  const summary = await replayEach(
    matching.map((row) => row.id),
    (id) => client.deadLetters.replay(id),
    { concurrency: options.concurrency, onProgress: (done) => progress.update(done) },
  );
  progress.stop();
  if (summary.failed > 0) ctx.cli.exitCode = 1;
  ctx.output.result(summary, () =>
    [
      `replayed ${summary.replayed}, skipped ${summary.skipped} (already replayed), failed ${summary.failed}`,
      ...summary.outcomes.flatMap((outcome) =>
        outcome.kind === "failed" ? [`  ${outcome.id}: ${outcome.error}`] : [],
      ),
    ].join("\n"),
  );
}

/** Every matching dead letter, read before replaying so the set does not move under the loop. */
async function openDeadLetters(client: HooklineClient, filter: DeadLetterFilter): Promise<DeadLetter[]> {
  const rows: DeadLetter[] = [];
  for await (const row of client.deadLetters.listAll({ ...filter, limit: 250 })) rows.push(row);
  return rows;
}
