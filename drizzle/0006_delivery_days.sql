CREATE TABLE "delivery_days" (
	"environment_id" integer NOT NULL,
	"day" date NOT NULL,
	"deployments" integer DEFAULT 0 NOT NULL,
	"deployed" integer DEFAULT 0 NOT NULL,
	"approved" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "delivery_days_environment_id_day_pk" PRIMARY KEY("environment_id","day")
);
--> statement-breakpoint
DROP INDEX "deployment_requests_deployed_idx";--> statement-breakpoint
DROP INDEX "deployment_requests_approved_idx";--> statement-breakpoint
DROP INDEX "runs_outcomes_idx";--> statement-breakpoint
ALTER TABLE "deployment_requests" ADD COLUMN "lead_seconds" double precision GENERATED ALWAYS AS (date_part('epoch', deployed_at - created_at)) STORED;--> statement-breakpoint
ALTER TABLE "deployment_requests" ADD COLUMN "wait_seconds" double precision GENERATED ALWAYS AS (date_part('epoch', approved_at - created_at)) STORED;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "restored_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "restore_seconds" double precision GENERATED ALWAYS AS (date_part('epoch', restored_at - ended_at)) STORED;--> statement-breakpoint
ALTER TABLE "delivery_days" ADD CONSTRAINT "delivery_days_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deployment_requests_lead_idx" ON "deployment_requests" USING btree ("target_environment_id","lead_seconds","deployed_at");--> statement-breakpoint
CREATE INDEX "deployment_requests_wait_idx" ON "deployment_requests" USING btree ("target_environment_id","wait_seconds","approved_at");--> statement-breakpoint
CREATE INDEX "runs_unrestored_idx" ON "runs" USING btree ("environment_id") WHERE "runs"."restored_at" is null and (("runs"."kind" = 'deploy' and "runs"."status" = 'failed') or ("runs"."kind" = 'revert' and "runs"."status" = 'succeeded'));--> statement-breakpoint
CREATE INDEX "deployment_requests_deployed_idx" ON "deployment_requests" USING btree ("target_environment_id","deployed_at");--> statement-breakpoint
CREATE INDEX "deployment_requests_approved_idx" ON "deployment_requests" USING btree ("target_environment_id","approved_at");--> statement-breakpoint
CREATE INDEX "runs_outcomes_idx" ON "runs" USING btree ("environment_id","kind","status","ended_at","restore_seconds");