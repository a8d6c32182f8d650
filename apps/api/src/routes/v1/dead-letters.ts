// /v1/admin/dead-letters: what exhausted its retries, browsed and replayed by operators.
import { type DeadLetter, listDeadLetters, replayDeadLetter, replayDeadLetters } from "@hookline/db";
import { z } from "zod";
import type { ApiDeps } from "../../deps.js";
import { enqueueAccepted } from "../../enqueue.js";
import { HttpProblem } from "../../problem.js";
import { defineRoute, notFound } from "../../route.js";
import { eventTypeSchema, idParam, isoDate, listOf, pageQuery, timestamp } from "./common.js";

const filterFields = {
  applicationId: idParam("application").optional(),
  endpointId: idParam("endpoint").optional(),
  eventType: eventTypeSchema.optional(),
  since: isoDate.optional(),
  until: isoDate.optional(),
};

const deadLetterOut = z
  .object({
    id: z.string(),
    deliveryId: z.string(),
    applicationId: z.string(),
    endpointId: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    reason: z.string(),
    createdAt: timestamp,
  })
  .meta({ id: "DeadLetter" });

function toDeadLetterOut(row: DeadLetter): z.input<typeof deadLetterOut> {
  return {
    id: row.id,
    deliveryId: row.deliveryId,
    applicationId: row.applicationId,
    endpointId: row.endpointId,
    eventId: row.eventId,
    eventType: row.eventType,
    reason: row.reason,
    createdAt: row.createdAt.toISOString(),
  };
}

export function deadLetterRoutes({ db, queue, logger }: ApiDeps) {
  return [
    defineRoute({
      method: "get",
      path: "/v1/admin/dead-letters",
      operationId: "v1.deadLetter.list",
      summary: "List open dead letters, newest first (attempt history: GET the delivery)",
      tags: ["Dead letters"],
      roles: ["admin"],
      query: z.strictObject({ ...pageQuery, ...filterFields }),
      response: listOf(deadLetterOut),
      handler: async ({ query }) => {
        const page = await listDeadLetters(db, query, query);
        return { data: page.data.map(toDeadLetterOut), nextCursor: page.nextCursor };
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/admin/dead-letters/replay",
      operationId: "v1.deadLetter.replayMany",
      summary: "Replay every open dead letter matching the filters (dryRun: only count them)",
      tags: ["Dead letters"],
      roles: ["admin"],
      body: z.strictObject({ ...filterFields, dryRun: z.boolean().default(false) }),
      response: z
        .object({ replayed: z.number().int(), dryRun: z.boolean() })
        .meta({ id: "BulkReplayResult" }),
      handler: async ({ body }) => {
        const { dryRun, ...filter } = body;
        const result = await replayDeadLetters(db, filter, { dryRun });
        await enqueueAccepted(queue, logger, result.deliveryIds);
        return { replayed: result.count, dryRun };
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/admin/dead-letters/:deadLetterId/replay",
      operationId: "v1.deadLetter.replay",
      summary: "Replay one dead letter: the delivery goes back to pending, same webhook-id",
      tags: ["Dead letters"],
      roles: ["admin"],
      params: z.strictObject({ deadLetterId: idParam("deadLetter") }),
      status: 202,
      response: z.object({ deliveryId: z.string() }).meta({ id: "ReplayResult" }),
      problems: [409],
      handler: async ({ params }) => {
        const result = await replayDeadLetter(db, params.deadLetterId);
        switch (result.kind) {
          case "not-found":
            throw notFound("dead letter", params.deadLetterId);
          case "already-replayed":
            throw new HttpProblem("conflict", `replayed already, at ${result.replayedAt.toISOString()}`);
          case "replayed":
            await enqueueAccepted(queue, logger, [result.deliveryId]);
            return { deliveryId: result.deliveryId };
        }
      },
    }),
  ];
}
