// Names for the generated OpenAPI types (schema.d.ts), so callers never spell out
// `components["schemas"][...]`. Every type here is derived, none is written by hand.
import type { components, operations } from "./schema.js";

type Schemas = components["schemas"];

export type Application = Schemas["Application"];
export type ApiKey = Schemas["ApiKey"];
export type CreatedApiKey = Schemas["CreatedApiKey"];
export type Event = Schemas["Event"];
export type EventWithDeliveries = Schemas["EventWithDeliveries"];
export type IngestResult = Schemas["IngestResult"];
export type BatchIngestResult = Schemas["BatchIngestResult"];
export type Endpoint = Schemas["Endpoint"];
export type EndpointUpdateResult = Schemas["EndpointUpdateResult"];
export type EndpointSecret = Schemas["EndpointSecret"];
export type TestEventResult = Schemas["TestEventResult"];
export type Delivery = Schemas["Delivery"];
export type DeliveryWithAttempts = Schemas["DeliveryWithAttempts"];
export type Attempt = Schemas["Attempt"];
export type DeadLetter = Schemas["DeadLetter"];
export type BulkReplayResult = Schemas["BulkReplayResult"];
export type ReplayResult = Schemas["ReplayResult"];
export type StreamToken = Schemas["StreamToken"];
export type Problem = Schemas["Problem"];
export type DeliveryStatus = Delivery["status"];
export type Role = ApiKey["role"];

/** Operation ids of API v1 (`v1.event.create`, …). */
export type OperationId = keyof operations;

/** The JSON body an operation takes. */
export type RequestBody<K extends OperationId> = operations[K] extends {
  requestBody: { content: { "application/json": infer Body } };
}
  ? Body
  : never;

/** The query parameters an operation takes (pagination and filters). */
export type QueryOf<K extends OperationId> = NonNullable<operations[K]["parameters"]["query"]>;

export type CreateApplication = RequestBody<"v1.application.create">;
export type CreateKey = RequestBody<"v1.key.create">;
export type SendEvent = RequestBody<"v1.event.create">;
export type SendEvents = RequestBody<"v1.event.createBatch">;
export type CreateEndpoint = RequestBody<"v1.endpoint.create">;
export type UpdateEndpoint = RequestBody<"v1.endpoint.update">;
export type RotateSecret = RequestBody<"v1.endpoint.rotateSecret">;
export type ReplayDeadLetters = RequestBody<"v1.deadLetter.replayMany">;

export type EventFilter = QueryOf<"v1.event.list">;
export type DeliveryFilter = QueryOf<"v1.delivery.list">;
export type DeadLetterFilter = QueryOf<"v1.deadLetter.list">;
export type PageQuery = QueryOf<"v1.application.list">;
export type StreamQuery = QueryOf<"v1.stream.sse">;
