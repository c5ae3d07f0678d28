/**
 * Q.850 cause codes and the one SIP → Q.850 table (RFC 3398 §8.2.6.1).
 * Shared by the Worker (webhook payloads, synthetic failures) and the media node
 * (final SIP responses), so a cause means the same thing on both sides.
 */

export const Q850_REASONS: Readonly<Record<number, string>> = {
  1: 'Unallocated Number',
  3: 'No Route to Destination',
  16: 'Normal Clearing',
  17: 'User Busy',
  18: 'No User Responding',
  19: 'No Answer from User',
  21: 'Call Rejected',
  22: 'Number Changed',
  25: 'Exchange Routing Error',
  27: 'Destination Out of Order',
  28: 'Invalid Number Format',
  31: 'Normal, Unspecified',
  34: 'No Circuit/Channel Available',
  38: 'Network Out of Order',
  41: 'Temporary Failure',
  42: 'Switching Equipment Congestion',
  47: 'Resource Unavailable, Unspecified',
  58: 'Bearer Capability Not Presently Available',
  63: 'Service or Option Not Available',
  79: 'Service or Option Not Implemented',
  102: 'Recovery on Timer Expiry',
  111: 'Protocol Error, Unspecified',
  127: 'Interworking, Unspecified',
};

/** Causes the platform itself produces, named so call sites read as intent. */
export const Cause = {
  UNALLOCATED_NUMBER: 1,
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_USER_RESPONDING: 18,
  NO_ANSWER: 19,
  CALL_REJECTED: 21,
  NORMAL_UNSPECIFIED: 31,
  NO_CIRCUIT_AVAILABLE: 34,
  TEMPORARY_FAILURE: 41,
  RECOVERY_ON_TIMER_EXPIRY: 102,
  INTERWORKING: 127,
} as const;

/** RFC 3398 §8.2.6.1, SIP final response → ISUP/Q.850 cause. */
const SIP_TO_Q850: Readonly<Record<number, number>> = {
  400: 41, 401: 21, 402: 21, 403: 21, 404: 1, 405: 63, 406: 79, 407: 21,
  408: 102, 410: 22, 413: 127, 414: 28, 415: 79, 416: 28, 420: 127, 421: 127,
  423: 127, 480: 18, 481: 41, 482: 25, 483: 25, 484: 28, 485: 1, 486: 17,
  487: 127, 488: 127, 500: 41, 501: 79, 502: 38, 503: 41, 504: 102, 505: 127,
  513: 127, 600: 17, 603: 21, 604: 1, 606: 58,
};

export function q850Reason(cause: number): string {
  return Q850_REASONS[cause] ?? `Cause ${cause}`;
}

/**
 * Maps a failed INVITE's final status to a cause. Codes the RFC does not list
 * fall back by class: 5xx is a temporary failure (41), anything else 31.
 */
export function q850FromSipStatus(status: number): { cause: number; reason: string } {
  const mapped = SIP_TO_Q850[status];
  const cause = mapped ?? (status >= 500 && status < 600 ? Cause.TEMPORARY_FAILURE : Cause.NORMAL_UNSPECIFIED);
  return { cause, reason: q850Reason(cause) };
}
