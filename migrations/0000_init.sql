CREATE TABLE `apps` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`webhook_secret` text NOT NULL,
	`created_at` text NOT NULL,
	`disabled_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `apps_tenant` ON `apps` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `broadcasts` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`app_id` text NOT NULL,
	`name` text NOT NULL,
	`owner_ref` text NOT NULL,
	`from_number` text NOT NULL,
	`amd` integer DEFAULT false NOT NULL,
	`event_url` text NOT NULL,
	`call_handler_url` text NOT NULL,
	`custom_data` text,
	`status` text NOT NULL,
	`dialled_count` integer NOT NULL,
	`blacklisted_count` integer NOT NULL,
	`country_not_allowed_count` integer NOT NULL,
	`created_at` text NOT NULL,
	`completed_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `broadcasts_tenant_created` ON `broadcasts` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `calls` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`broadcast_id` text,
	`campaign_id` text,
	`agent_id` text,
	`contact_phone` text NOT NULL,
	`from_number` text NOT NULL,
	`direction` text DEFAULT 'outbound' NOT NULL,
	`status` text NOT NULL,
	`disposition` text,
	`media_node_id` text,
	`answered_by` text,
	`cause_code` integer,
	`cause_reason` text,
	`duration_seconds` real,
	`started_at` text NOT NULL,
	`answered_at` text,
	`ended_at` text,
	`recording_id` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `calls_tenant_started` ON `calls` (`tenant_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `calls_broadcast` ON `calls` (`broadcast_id`);--> statement-breakpoint
CREATE INDEX `calls_campaign` ON `calls` (`campaign_id`);--> statement-breakpoint
CREATE TABLE `dnc` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`phone` text NOT NULL,
	`source` text DEFAULT 'api' NOT NULL,
	`reason` text,
	`added_by` text,
	`added_at` text NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dnc_tenant_phone` ON `dnc` (`tenant_id`,`phone`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`tenant_id` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`broadcast_id` text NOT NULL,
	`state` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `key`)
);
--> statement-breakpoint
CREATE TABLE `prompts` (
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`version` integer NOT NULL,
	`r2_key` text NOT NULL,
	`content_type` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`sha256` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `name`)
);
--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`timezone` text DEFAULT 'Asia/Dubai' NOT NULL,
	`allowed_countries` text,
	`calls_per_second` integer,
	`max_concurrent_calls` integer,
	`created_at` text NOT NULL
);
