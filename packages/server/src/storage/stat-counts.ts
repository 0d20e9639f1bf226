/** A campaign message's counters: shared by campaigns.ts and its hourly roll-up (campaign-series.ts). */
export const STAT_NAMES = [
  'sent',
  'delivered',
  'failed',
  'capped',
  'shown',
  'clicked',
  'closed',
] as const;
export type StatName = (typeof STAT_NAMES)[number];
export type StatCounts = Record<StatName, number>;

export function emptyCounts(): StatCounts {
  return { sent: 0, delivered: 0, failed: 0, capped: 0, shown: 0, clicked: 0, closed: 0 };
}

/** An increment of one message's counters, as workers add them up per batch. */
export interface StatIncrement {
  workspaceId: string;
  campaignId: string;
  messageId: string;
  /** When it happened (the hourly roll-up's bucket): a delivery's recording, a receipt's `at`. */
  at: number;
  counts: Partial<StatCounts>;
}
