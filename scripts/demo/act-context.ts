/**
 * What each act of `npm run demo` is given: the API, the media node's SIP
 * port (the agents' registrar), how to print, and where to hand every stop
 * (softphones, receivers, subscriptions) so the demo cleans up however it ends.
 */
export interface ActContext {
  api: string;
  mediaSipPort: number;
  tty: boolean;
  elapsed(): string;
  /** Registers a stop to run when the demo ends, success, failure or signal; stops run newest first. */
  defer(stop: () => Promise<void>): void;
}
