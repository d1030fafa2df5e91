const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^\s*(\d+)\s*([smhd])\s*$/i;

/** A duration as the configuration writes it (30s, 15m, 4h, 7d) in milliseconds; undefined if it is not one. */
export function durationMs(text: string): number | undefined {
  const match = DURATION.exec(text);
  return match ? Number(match[1]) * UNIT_MS[match[2]!.toLowerCase() as keyof typeof UNIT_MS] : undefined;
}

/** `4h`, `90m`, `7d`, `1d 2h` as people read them. */
export function describeDuration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, seconds] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= seconds) {
      parts.push(`${Math.floor(rest / seconds)}${unit}`);
      rest %= seconds;
    }
  }
  return parts.join(' ') || '0s';
}

/** `2026-11-30 08:00 UTC`: a time the domain writes into a sentence (Slack shows its own times in the reader's zone). */
export const formatUtc = (at: Date) => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
