CREATE TABLE "posted_messages" (
	"subject" text NOT NULL,
	"role" text NOT NULL,
	"channel" text NOT NULL,
	"ts" text NOT NULL,
	"lines_posted" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "posted_messages_subject_role_pk" PRIMARY KEY("subject","role")
);
