ALTER TABLE "posted_messages" ADD COLUMN "writes" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "posted_messages" ADD COLUMN "content" text;--> statement-breakpoint
ALTER TABLE "posted_messages" ADD COLUMN "content_since" integer DEFAULT 0 NOT NULL;