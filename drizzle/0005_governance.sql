ALTER TYPE "public"."change_request_state" ADD VALUE 'reverted';--> statement-breakpoint
ALTER TABLE "change_requests" ADD COLUMN "worked_in_instance_id" integer;--> statement-breakpoint
ALTER TABLE "change_requests" ADD COLUMN "worked_by" text;--> statement-breakpoint
ALTER TABLE "change_requests" ADD COLUMN "worked_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "deployment_requests" ADD COLUMN "escalated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "deployment_requests" ADD COLUMN "approved_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "deployment_requests" ADD COLUMN "claimed_by" text;--> statement-breakpoint
ALTER TABLE "deployment_requests" ADD COLUMN "claimed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "auto_deploy" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "change_requests" ADD CONSTRAINT "change_requests_worked_in_instance_id_instances_id_fk" FOREIGN KEY ("worked_in_instance_id") REFERENCES "public"."instances"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "change_requests_worked_in" ON "change_requests" USING btree ("worked_in_instance_id") WHERE "change_requests"."worked_in_instance_id" is not null;--> statement-breakpoint
CREATE INDEX "deployment_requests_deployed_idx" ON "deployment_requests" USING btree ("target_environment_id","deployed_at","created_at");--> statement-breakpoint
CREATE INDEX "deployment_requests_approved_idx" ON "deployment_requests" USING btree ("target_environment_id","approved_at","created_at");--> statement-breakpoint
CREATE INDEX "runs_outcomes_idx" ON "runs" USING btree ("environment_id","ended_at","kind","status");