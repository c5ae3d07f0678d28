/**
 * The running figures a CampaignDialer keeps in its key/value storage: the
 * answer and handle statistics predictive pacing learns from, the abandon
 * windows (campaign, today, 24 h, 30 days), the dialing mode's own state,
 * and the last decision (dial level and why) for the live view.
 */
import { emptyAbandonWindows, recordLiveAnswer, type AbandonWindows } from '../../campaigns/abandon-windows.ts';
import { initialPacingState, type DialingMode, type PacingState } from '../../campaigns/dialing-modes/index.ts';
import { EMPTY_STATS, type DialStats } from '../../campaigns/engine/floor-snapshot.ts';

export class DialerFigures {
  constructor(private readonly storage: DurableObjectStorage) {}

  async stats(): Promise<DialStats> {
    return (await this.storage.get<DialStats>('stats')) ?? EMPTY_STATS;
  }

  async updateStats(change: (s: DialStats) => DialStats): Promise<void> {
    await this.storage.put('stats', change(await this.stats()));
  }

  async abandon(): Promise<AbandonWindows> {
    return (await this.storage.get<AbandonWindows>('abandon')) ?? emptyAbandonWindows();
  }

  async recordLiveAnswer(atMs: number, outcome: 'connected' | 'abandoned'): Promise<void> {
    await this.storage.put('abandon', recordLiveAnswer(await this.abandon(), atMs, outcome));
  }

  async pacing(mode: DialingMode): Promise<PacingState> {
    return (await this.storage.get<PacingState>('pacing')) ?? initialPacingState(mode);
  }

  async decided(decision: { state: PacingState; dialLevel: number; reason: string }): Promise<void> {
    await this.storage.put('pacing', decision.state);
    await this.storage.put('decision', { dialLevel: decision.dialLevel, reason: decision.reason });
  }

  async lastDecision(): Promise<{ dialLevel: number; reason: string }> {
    return (await this.storage.get<{ dialLevel: number; reason: string }>('decision')) ?? { dialLevel: 0, reason: 'not started' };
  }
}
