/**
 * `HEARTH_PROFILE=1`: where a command's time went, printed on stderr as it ends, one line of JSON
 * after `hearth profile: ` (`pnpm bench` reads it). Each phase is the time since the previous mark;
 * `start` is Node's own start-up and the CLI's import, from the process's start to the first mark.
 */
const enabled = process.env.HEARTH_PROFILE === '1'
const marks: Array<{ phase: string; at: number }> = []
const extras: Record<string, Record<string, number>> = {}

/** Marks the end of `phase`. */
export function mark(phase: string): void {
  if (enabled) marks.push({ phase, at: performance.now() })
}

/** Adds figures that are no phase of their own (each service's attach, say) under `name`. */
export function note(name: string, figures: Record<string, number>): void {
  if (enabled) extras[name] = { ...extras[name], ...figures }
}

/** The profile's line, or null when profiling is off. */
export function profileLine(): string | null {
  if (!enabled) return null
  const phases: Record<string, number> = {}
  let previous = 0
  for (const { phase, at } of marks) {
    phases[phase] = Math.round((phases[phase] ?? 0) + at - previous)
    previous = at
  }
  const total = Math.round(performance.now())
  return `hearth profile: ${JSON.stringify({ phases, total, ...extras })}`
}
