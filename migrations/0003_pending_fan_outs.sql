CREATE TABLE "pending_fan_outs" (
	"event_id" text PRIMARY KEY NOT NULL,
	"endpoint_ids" text[] NOT NULL
);
--> statement-breakpoint
ALTER TABLE "pending_fan_outs" ADD CONSTRAINT "pending_fan_outs_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;