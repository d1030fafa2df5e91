CREATE TYPE "public"."change_request_state" AS ENUM('draft', 'pending_approval', 'approved', 'in_progress', 'deployed', 'completed', 'rejected');--> statement-breakpoint
CREATE TYPE "public"."change_request_type" AS ENUM('standard', 'normal', 'emergency');--> statement-breakpoint
CREATE TYPE "public"."component_action" AS ENUM('add', 'modify', 'delete');--> statement-breakpoint
CREATE TYPE "public"."environment_kind" AS ENUM('development', 'staging', 'production');--> statement-breakpoint
CREATE TYPE "public"."log_level" AS ENUM('info', 'warn', 'error');--> statement-breakpoint
CREATE TYPE "public"."request_state" AS ENUM('pending_approval', 'approved', 'deploying', 'deployed', 'rejected', 'failed', 'expired', 'reverted');--> statement-breakpoint
CREATE TYPE "public"."run_kind" AS ENUM('sync', 'validate', 'deploy', 'revert');--> statement-breakpoint
CREATE TYPE "public"."run_status" AS ENUM('running', 'succeeded', 'failed', 'interrupted');--> statement-breakpoint
CREATE TYPE "public"."vote_decision" AS ENUM('approve', 'reject');--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"via" text NOT NULL,
	"action" text NOT NULL,
	"subject" text NOT NULL,
	"outcome" text NOT NULL,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "baseline_items" (
	"instance_id" integer NOT NULL,
	"key" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "baseline_items_instance_id_key_pk" PRIMARY KEY("instance_id","key")
);
--> statement-breakpoint
CREATE TABLE "change_request_votes" (
	"change_request_id" integer NOT NULL,
	"voter" text NOT NULL,
	"decision" "vote_decision" NOT NULL,
	"reason" text,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "change_request_votes_change_request_id_voter_pk" PRIMARY KEY("change_request_id","voter")
);
--> statement-breakpoint
CREATE TABLE "change_requests" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"type" "change_request_type" NOT NULL,
	"overview" text NOT NULL,
	"customizations" text[] DEFAULT '{}'::text[] NOT NULL,
	"proposed_customizations" text[] DEFAULT '{}'::text[] NOT NULL,
	"additional_approvers" text[] DEFAULT '{}'::text[] NOT NULL,
	"state" "change_request_state" NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"rejection_reason" text
);
--> statement-breakpoint
CREATE TABLE "components" (
	"instance_id" integer NOT NULL,
	"key" text NOT NULL,
	"content" text NOT NULL,
	"hash" text NOT NULL,
	"depends_on" text[] DEFAULT '{}'::text[] NOT NULL,
	"changed_by" text NOT NULL,
	"changed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "components_instance_id_key_pk" PRIMARY KEY("instance_id","key")
);
--> statement-breakpoint
CREATE TABLE "deployment_requests" (
	"id" serial PRIMARY KEY NOT NULL,
	"package_id" integer NOT NULL,
	"change_hash" text NOT NULL,
	"source_instance_id" integer NOT NULL,
	"target_instance_id" integer NOT NULL,
	"target_environment_id" integer NOT NULL,
	"requester" text NOT NULL,
	"message" text NOT NULL,
	"state" "request_state" NOT NULL,
	"change_request_id" integer,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"decided_by" text,
	"reason" text,
	"deployed_by" text,
	"deployed_at" timestamp with time zone,
	"deploy_run_id" integer,
	"revert_run_id" integer
);
--> statement-breakpoint
CREATE TABLE "deployment_snapshots" (
	"run_id" integer NOT NULL,
	"key" text NOT NULL,
	"existed" boolean NOT NULL,
	"content" text,
	"hash" text,
	"depends_on" text[] DEFAULT '{}'::text[] NOT NULL,
	"changed_by" text,
	"changed_at" timestamp with time zone,
	CONSTRAINT "deployment_snapshots_run_id_key_pk" PRIMARY KEY("run_id","key")
);
--> statement-breakpoint
CREATE TABLE "environments" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" "environment_kind" NOT NULL,
	"position" integer NOT NULL,
	"channel" text,
	"approvals" jsonb NOT NULL,
	"deployers" text[] DEFAULT '{}'::text[] NOT NULL,
	"checks" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"lock_reason" text,
	"locked_by" text,
	"locked_at" timestamp with time zone,
	CONSTRAINT "environments_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "instances" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"environment_id" integer NOT NULL,
	"position" integer NOT NULL,
	"owner" text,
	"parent_instance_id" integer,
	"synced_at" timestamp with time zone,
	"deployed_change_hash" text,
	CONSTRAINT "instances_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "package_items" (
	"package_id" integer NOT NULL,
	"key" text NOT NULL,
	"action" "component_action" NOT NULL,
	"content" text,
	"hash" text,
	"base_hash" text,
	"depends_on" text[] DEFAULT '{}'::text[] NOT NULL,
	CONSTRAINT "package_items_package_id_key_pk" PRIMARY KEY("package_id","key")
);
--> statement-breakpoint
CREATE TABLE "packages" (
	"id" serial PRIMARY KEY NOT NULL,
	"source_instance_id" integer NOT NULL,
	"change_hash" text NOT NULL,
	"item_count" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "request_votes" (
	"request_id" integer NOT NULL,
	"voter" text NOT NULL,
	"decision" "vote_decision" NOT NULL,
	"reason" text,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "request_votes_request_id_voter_pk" PRIMARY KEY("request_id","voter")
);
--> statement-breakpoint
CREATE TABLE "reverted_change_sets" (
	"change_hash" text PRIMARY KEY NOT NULL,
	"request_id" integer NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_log_lines" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" integer NOT NULL,
	"seq" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"level" "log_level" NOT NULL,
	"text" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" "run_kind" NOT NULL,
	"status" "run_status" NOT NULL,
	"user_id" text NOT NULL,
	"message" text,
	"request_id" integer,
	"instance_id" integer,
	"environment_id" integer,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"summary" text
);
--> statement-breakpoint
ALTER TABLE "baseline_items" ADD CONSTRAINT "baseline_items_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "change_request_votes" ADD CONSTRAINT "change_request_votes_change_request_id_change_requests_id_fk" FOREIGN KEY ("change_request_id") REFERENCES "public"."change_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "components" ADD CONSTRAINT "components_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_requests" ADD CONSTRAINT "deployment_requests_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_requests" ADD CONSTRAINT "deployment_requests_source_instance_id_instances_id_fk" FOREIGN KEY ("source_instance_id") REFERENCES "public"."instances"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_requests" ADD CONSTRAINT "deployment_requests_target_instance_id_instances_id_fk" FOREIGN KEY ("target_instance_id") REFERENCES "public"."instances"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_requests" ADD CONSTRAINT "deployment_requests_target_environment_id_environments_id_fk" FOREIGN KEY ("target_environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_requests" ADD CONSTRAINT "deployment_requests_change_request_id_change_requests_id_fk" FOREIGN KEY ("change_request_id") REFERENCES "public"."change_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_requests" ADD CONSTRAINT "deployment_requests_deploy_run_id_runs_id_fk" FOREIGN KEY ("deploy_run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_requests" ADD CONSTRAINT "deployment_requests_revert_run_id_runs_id_fk" FOREIGN KEY ("revert_run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_snapshots" ADD CONSTRAINT "deployment_snapshots_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instances" ADD CONSTRAINT "instances_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "package_items" ADD CONSTRAINT "package_items_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "packages" ADD CONSTRAINT "packages_source_instance_id_instances_id_fk" FOREIGN KEY ("source_instance_id") REFERENCES "public"."instances"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_votes" ADD CONSTRAINT "request_votes_request_id_deployment_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."deployment_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_log_lines" ADD CONSTRAINT "run_log_lines_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_subject_idx" ON "audit_events" USING btree ("subject");--> statement-breakpoint
CREATE INDEX "audit_events_at_idx" ON "audit_events" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "deployment_requests_one_active_send" ON "deployment_requests" USING btree ("source_instance_id","change_hash") WHERE "deployment_requests"."state" in ('pending_approval', 'approved', 'deploying', 'failed');--> statement-breakpoint
CREATE INDEX "deployment_requests_queue_idx" ON "deployment_requests" USING btree ("target_environment_id","state");--> statement-breakpoint
CREATE UNIQUE INDEX "run_log_lines_run_seq" ON "run_log_lines" USING btree ("run_id","seq");--> statement-breakpoint
CREATE INDEX "runs_request_idx" ON "runs" USING btree ("request_id");