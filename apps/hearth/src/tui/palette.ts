/**
 * The colours of the terminal UI, by meaning. Ink colours through chalk, and chalk does not read
 * NO_COLOR: so the components never name a colour themselves, they ask the palette, and a
 * colourless palette gives none (bold, dim and inverse stay: they are not colour, and the selection
 * needs them to show).
 */
export type Tone = 'ok' | 'fail' | 'warn' | 'active' | 'accent'

export interface Palette {
  /** False with NO_COLOR (or FORCE_COLOR=0, TERM=dumb): no colour at all. */
  readonly colors: boolean
  /** The Ink colour of a tone, or undefined when colourless. */
  color(tone: Tone | null): string | undefined
}

const TONES: Readonly<Record<Tone, string>> = {
  ok: 'green',
  fail: 'red',
  warn: 'yellow',
  active: 'cyan',
  accent: 'blue',
}

export function createPalette(colors: boolean): Palette {
  return {
    colors,
    color: (tone) => (colors && tone !== null ? TONES[tone] : undefined),
  }
}

/** Whether the UI may use colour under this environment (https://no-color.org). */
export function colorsWanted(env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false
  return env.TERM !== 'dumb'
}
