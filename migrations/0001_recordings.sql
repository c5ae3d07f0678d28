CREATE TABLE `recordings` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`call_id` text NOT NULL,
	`broadcast_id` text,
	`campaign_id` text,
	`agent_id` text,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`r2_key` text NOT NULL,
	`format` text DEFAULT 'wav' NOT NULL,
	`duration_seconds` real,
	`size_bytes` integer,
	`started_at` text NOT NULL,
	`stored_at` text
);
--> statement-breakpoint
CREATE INDEX `recordings_tenant_started` ON `recordings` (`tenant_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `recordings_call` ON `recordings` (`call_id`);