-- Hand-written (drizzle-kit cannot express these): full-text search over
-- contacts, and the append-only guard on compliance audit records.

-- Contact search (POST /v1/contacts/search). Rows are written by the upload
-- code, not by triggers, because the indexed phone variants (E.164 digits,
-- national number, national number with trunk 0) come from libphonenumber.
CREATE VIRTUAL TABLE `contacts_fts` USING fts5(
	`contact_id` UNINDEXED,
	`tenant_id` UNINDEXED,
	`campaign_id` UNINDEXED,
	`name`,
	`phone`,
	`custom`,
	tokenize = 'unicode61 remove_diacritics 2'
);
--> statement-breakpoint
-- An audit record is evidence: once written it never changes and never goes.
CREATE TRIGGER `compliance_audit_no_update` BEFORE UPDATE ON `compliance_audit`
BEGIN
	SELECT RAISE(ABORT, 'compliance_audit is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `compliance_audit_no_delete` BEFORE DELETE ON `compliance_audit`
BEGIN
	SELECT RAISE(ABORT, 'compliance_audit is append-only');
END;
