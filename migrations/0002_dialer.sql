CREATE TABLE `campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`dialing_mode` text NOT NULL,
	`cli_group_id` text NOT NULL,
	`max_attempts` integer NOT NULL,
	`retry_delay_minutes` integer NOT NULL,
	`dial_ratio` real NOT NULL,
	`timezone` text NOT NULL,
	`total_contacts` integer DEFAULT 0 NOT NULL,
	`created_by` text,
	`created_at` text NOT NULL,
	`started_at` text,
	`paused_at` text,
	`completed_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `campaigns_tenant` ON `campaigns` (`tenant_id`,`id`);--> statement-breakpoint
CREATE TABLE `cli_groups` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `cli_groups_tenant_name` ON `cli_groups` (`tenant_id`,`name`);--> statement-breakpoint
CREATE TABLE `cli_numbers` (
	`cli_group_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`number` text NOT NULL,
	PRIMARY KEY(`cli_group_id`, `number`),
	FOREIGN KEY (`cli_group_id`) REFERENCES `cli_groups`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `cli_numbers_tenant_number` ON `cli_numbers` (`tenant_id`,`number`);--> statement-breakpoint
CREATE TABLE `compliance_audit` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`phone` text NOT NULL,
	`jurisdiction` text,
	`campaign_id` text,
	`context` text NOT NULL,
	`subject` text,
	`allowed` integer NOT NULL,
	`blocking_rule` text,
	`blocking_reason` text,
	`checks` text NOT NULL,
	`rule_version` text NOT NULL,
	`checked_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `compliance_audit_tenant` ON `compliance_audit` (`tenant_id`,`seq`);--> statement-breakpoint
CREATE TABLE `compliance_rule_sets` (
	`tenant_id` text NOT NULL,
	`revision` integer NOT NULL,
	`rules` text NOT NULL,
	`created_by` text,
	`created_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `revision`)
);
--> statement-breakpoint
CREATE TABLE `consents` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`phone` text NOT NULL,
	`campaign_id` text,
	`status` text NOT NULL,
	`source` text,
	`granted_at` text,
	`expires_at` text,
	`revoked_at` text,
	`recorded_by` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `consents_tenant_phone` ON `consents` (`tenant_id`,`phone`);--> statement-breakpoint
CREATE TABLE `contacts` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`phone` text NOT NULL,
	`first_name` text,
	`last_name` text,
	`custom_fields` text,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_call_at` text,
	`disposition` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_campaign_phone` ON `contacts` (`campaign_id`,`phone`);--> statement-breakpoint
CREATE INDEX `contacts_campaign_status` ON `contacts` (`campaign_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `contacts_tenant_phone` ON `contacts` (`tenant_id`,`phone`);--> statement-breakpoint
CREATE TABLE `national_dnc` (
	`registry` text NOT NULL,
	`phone` text NOT NULL,
	`imported_at` text NOT NULL,
	PRIMARY KEY(`registry`, `phone`)
);
--> statement-breakpoint
CREATE INDEX `national_dnc_phone` ON `national_dnc` (`phone`);--> statement-breakpoint
CREATE TABLE `refresh_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`last_used_at` text,
	`revoked_at` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `refresh_tokens_user` ON `refresh_tokens` (`user_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`email` text NOT NULL,
	`full_name` text NOT NULL,
	`role` text NOT NULL,
	`password_hash` text NOT NULL,
	`team_id` text,
	`created_at` text NOT NULL,
	`disabled_at` text,
	`tokens_valid_after` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email` ON `users` (`email`);--> statement-breakpoint
CREATE INDEX `users_tenant` ON `users` (`tenant_id`,`id`);--> statement-breakpoint
CREATE TABLE `webhook_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`url` text NOT NULL,
	`secret` text NOT NULL,
	`event_types` text NOT NULL,
	`description` text,
	`created_at` text NOT NULL,
	`disabled_at` text
);
--> statement-breakpoint
CREATE INDEX `webhook_subscriptions_tenant` ON `webhook_subscriptions` (`tenant_id`);--> statement-breakpoint
ALTER TABLE `calls` ADD `contact_id` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `abandoned_at` text;--> statement-breakpoint
CREATE INDEX `calls_tenant_agent` ON `calls` (`tenant_id`,`agent_id`);--> statement-breakpoint
ALTER TABLE `tenants` ADD `disabled_at` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `rate_limit_per_minute` integer;