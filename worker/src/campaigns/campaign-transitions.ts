/**
 * What start and pause do from each campaign status (spec: start takes a
 * draft or paused campaign to active, pause an active one to paused), and
 * the refusals. Pure, so the table is tested on its own; the routes apply
 * the transition with a conditional UPDATE so two requests cannot both win.
 *
 *            start                         pause
 *   draft     → active                      409 campaign-not-active
 *   paused    → active                      200, unchanged (already paused)
 *   active    200, unchanged (already)      → paused
 *   completed 409 campaign-completed        409 campaign-completed
 */
import { Problems, type ProblemError } from '../errors/problem.ts';
import type { CampaignStatus } from './campaign-schemas.ts';

export type Transition = { kind: 'change'; to: CampaignStatus } | { kind: 'unchanged' } | { kind: 'refused'; problem: ProblemError };

export function startTransition(status: CampaignStatus): Transition {
  switch (status) {
    case 'draft':
    case 'paused':
      return { kind: 'change', to: 'active' };
    case 'active':
      return { kind: 'unchanged' };
    case 'completed':
      return { kind: 'refused', problem: completed('started') };
  }
}

export function pauseTransition(status: CampaignStatus): Transition {
  switch (status) {
    case 'active':
      return { kind: 'change', to: 'paused' };
    case 'paused':
      return { kind: 'unchanged' };
    case 'draft':
      return { kind: 'refused', problem: Problems.conflict('campaign-not-active', 'Campaign is not active', 'Only an active campaign can be paused; this one has not been started.') };
    case 'completed':
      return { kind: 'refused', problem: completed('paused') };
  }
}

/** The spec's own body for a campaign without contacts to dial. */
export const noContacts = () => Problems.conflict('campaign-no-contacts', 'Campaign has no contacts', 'Upload contacts before starting the campaign.');

export const cliGroupEmpty = (groupId: string) =>
  Problems.conflict('campaign-cli-group-empty', 'CLI group has no numbers', `CLI group ${groupId} has no caller-ID numbers to present; add some (PATCH /v1/cli-groups/${groupId}) before starting.`);

const completed = (verb: string) => Problems.conflict('campaign-completed', 'Campaign is completed', `A completed campaign cannot be ${verb} again; create a new campaign.`);

export const noAgentsAssigned = (campaignId: string) =>
  Problems.conflict('campaign-no-agents-assigned', 'Campaign has no agents', `Assign at least one agent (PUT /v1/campaigns/${campaignId}/agents) before starting.`);

export const noAgentsReady = () =>
  Problems.conflict('campaign-no-agents-ready', 'No assigned agent is ready', 'At least one assigned agent must be logged in (not offline) with a SIP-registered softphone before the campaign can start.');
