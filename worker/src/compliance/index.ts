/**
 * What the rest of the Worker uses of compliance: the one function every
 * dial goes through, its result, and the webhook event for a refused dial.
 * Campaign dialing, originate and connect import from here.
 */
export { checkCompliance, checkComplianceBatch, type CallToCheck, type ComplianceResult } from './engine.ts';
export { complianceBlockedEvent, type BlockedCall } from './blocked-event.ts';
export { UNAVAILABLE_RULE, BLOCKING_ORDER } from './decision.ts';
export { complianceBlockedProblem } from './blocked-problem.ts';
