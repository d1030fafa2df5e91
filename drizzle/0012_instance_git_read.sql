ALTER TABLE "instances" ADD COLUMN "git_tip" text;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "git_reads" integer DEFAULT 0 NOT NULL;