CREATE TABLE "environment_secrets" (
	"environment_id" integer NOT NULL,
	"name" text NOT NULL,
	"key_id" text NOT NULL,
	"iv" text NOT NULL,
	"data" text NOT NULL,
	"tag" text NOT NULL,
	"set_by" text NOT NULL,
	"set_at" timestamp with time zone NOT NULL,
	CONSTRAINT "environment_secrets_environment_id_name_pk" PRIMARY KEY("environment_id","name")
);
--> statement-breakpoint
ALTER TABLE "environment_secrets" ADD CONSTRAINT "environment_secrets_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;