CREATE TABLE "processes" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"seen_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scheduler_runs" (
	"key" text PRIMARY KEY NOT NULL,
	"process_id" integer NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "slack_deliveries" (
	"key" text PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "posted_messages" ALTER COLUMN "ts" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "deployment_requests" ADD COLUMN "scheduled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "deployment_requests" ADD COLUMN "scheduled_by" text;--> statement-breakpoint
ALTER TABLE "deployment_requests" ADD COLUMN "reminders_sent" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "freezes" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "posted_messages" ADD COLUMN "writer" integer;--> statement-breakpoint
ALTER TABLE "posted_messages" ADD COLUMN "complete" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "process_id" integer;--> statement-breakpoint
CREATE INDEX "runs_running_idx" ON "runs" USING btree ("status") WHERE "runs"."status" = 'running';