CREATE TABLE "sync_conflicts" (
	"instance_id" integer NOT NULL,
	"key" text NOT NULL,
	"source_instance_id" integer NOT NULL,
	"base_hash" text,
	"base_content" text,
	"theirs_hash" text,
	"theirs_content" text,
	"theirs_depends_on" text[],
	"run_id" integer,
	"detected_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sync_conflicts_instance_id_key_pk" PRIMARY KEY("instance_id","key")
);
--> statement-breakpoint
ALTER TABLE "baseline_items" ADD COLUMN "content" text;--> statement-breakpoint
ALTER TABLE "sync_conflicts" ADD CONSTRAINT "sync_conflicts_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_conflicts" ADD CONSTRAINT "sync_conflicts_source_instance_id_instances_id_fk" FOREIGN KEY ("source_instance_id") REFERENCES "public"."instances"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_conflicts" ADD CONSTRAINT "sync_conflicts_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;