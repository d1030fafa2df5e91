CREATE TABLE "run_statuses" (
	"id" serial PRIMARY KEY NOT NULL,
	"run_id" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"reporter" text NOT NULL,
	"state" text NOT NULL,
	"description" text
);
--> statement-breakpoint
ALTER TABLE "run_statuses" ADD CONSTRAINT "run_statuses_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "run_statuses_run" ON "run_statuses" USING btree ("run_id");