CREATE TABLE `dispositions` (
	`tenant_id` text NOT NULL,
	`code` text NOT NULL,
	`label` text NOT NULL,
	`dnc` integer DEFAULT false NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `code`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `sip_credentials` (
	`user_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`sip_user` text NOT NULL,
	`realm` text NOT NULL,
	`ha1_md5` text NOT NULL,
	`ha1_sha256` text NOT NULL,
	`updated_at` text NOT NULL,
	`updated_by` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sip_credentials_tenant_user` ON `sip_credentials` (`tenant_id`,`sip_user`);--> statement-breakpoint
CREATE INDEX `sip_credentials_realm_user` ON `sip_credentials` (`realm`,`sip_user`);--> statement-breakpoint
ALTER TABLE `calls` ADD `disposition_notes` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `disposition_set_at` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `disposition_set_by` text;