ALTER TABLE "clients" ADD COLUMN "require_pkce" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "clients" ADD COLUMN "skip_consent" boolean DEFAULT false NOT NULL;