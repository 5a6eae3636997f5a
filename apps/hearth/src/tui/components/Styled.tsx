import { Text } from 'ink'
import type { ReactNode } from 'react'
import type { Tone } from '../palette.js'
import { useTui } from '../tui-context.js'

/** Text in a tone of the palette (no colour under NO_COLOR), optionally dim, bold or inverse. */
export function Styled({
  tone,
  dim,
  bold,
  inverse,
  children,
}: {
  tone?: Tone | null | undefined
  dim?: boolean | undefined
  bold?: boolean | undefined
  inverse?: boolean | undefined
  children: ReactNode
}) {
  const { palette } = useTui()
  const color = palette.color(tone ?? null)
  return (
    <Text
      {...(color === undefined ? {} : { color })}
      {...(dim === true ? { dimColor: true } : {})}
      {...(bold === true ? { bold: true } : {})}
      {...(inverse === true ? { inverse: true } : {})}
    >
      {children}
    </Text>
  )
}

/** One row: never wraps; what does not fit is cut at the end. */
export function Row({ children }: { children: ReactNode }) {
  return <Text wrap="truncate-end">{children}</Text>
}

/** A pane's title row: its name (inverse while focused) and a summary. */
export function PaneTitle({
  name,
  focused,
  children,
}: {
  name: string
  focused: boolean
  children?: ReactNode
}) {
  return (
    <Row>
      <Styled bold inverse={focused} tone={focused ? 'active' : null}>
        {` ${name} `}
      </Styled>
      {children === undefined ? null : <Text> {children}</Text>}
    </Row>
  )
}

/** Braille spinner frames (one ticker turns them all: see `useTicker`). */
export const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const

export function spinnerFrame(tick: number): string {
  return SPINNER_FRAMES[tick % SPINNER_FRAMES.length] ?? '⠋'
}
