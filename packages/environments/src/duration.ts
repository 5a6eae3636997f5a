const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/

/**
 * `'90s'`, `'30m'`, `'2h'`, `'1.5d'` or a number of milliseconds → whole milliseconds; null if
 * malformed or under 1 ms.
 */
export function parseDuration(value: string | number): number | null {
  if (typeof value === 'number') {
    const ms = Math.round(value)
    return Number.isFinite(ms) && ms > 0 ? ms : null
  }
  const match = DURATION.exec(value.trim())
  if (match === null) return null
  // Rounded before the check, so '0.1ms' is rejected rather than read as 0.
  const ms = Math.round(Number(match[1]) * (UNITS[match[2] as string] as number))
  return ms > 0 ? ms : null
}

/** A short human duration: `850 ms`, `1.24 s`, `2m 05s`, `3h 10m`. */
export function formatDuration(ms: number): string {
  // Each unit is chosen on the rounded value, so 999.7 ms is `1.00 s`, not `1000 ms`, and
  // 59 999 ms is `1m 00s`, not `60.00 s`.
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`
  const hundredths = Math.round(ms / 10)
  if (hundredths < 6000) return `${(hundredths / 100).toFixed(2)} s`
  const totalSeconds = Math.round(ms / 1000)
  if (totalSeconds < 3600) {
    return `${Math.floor(totalSeconds / 60)}m ${String(totalSeconds % 60).padStart(2, '0')}s`
  }
  const totalMinutes = Math.floor(totalSeconds / 60)
  if (totalMinutes < 24 * 60) {
    return `${Math.floor(totalMinutes / 60)}h ${String(totalMinutes % 60).padStart(2, '0')}m`
  }
  return `${Math.floor(totalMinutes / 1440)}d ${Math.floor((totalMinutes % 1440) / 60)}h`
}
