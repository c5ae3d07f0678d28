CREATE TABLE `campaign_agents` (
	`campaign_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`assigned_at` text NOT NULL,
	PRIMARY KEY(`campaign_id`, `agent_id`),
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`agent_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `campaign_agents_agent` ON `campaign_agents` (`tenant_id`,`agent_id`);--> statement-breakpoint
ALTER TABLE `campaigns` ADD `dialer_settings` text;--> statement-breakpoint
ALTER TABLE `contacts` ADD `next_attempt_at` text;--> statement-breakpoint
CREATE INDEX `contacts_campaign_due` ON `contacts` (`campaign_id`,`status`,`next_attempt_at`);