import { createContext, useContext } from 'react'
import { readSource, type SourceReader } from './code-frame.js'
import { createPalette, type Palette } from './palette.js'

/** What the components take from outside React: colours, the clock, the file system. */
export interface TuiEnvironment {
  palette: Palette
  /** Epoch ms; tests pass a fixed clock so that ages and durations are stable. */
  now(): number
  readSource: SourceReader
  /** The home folder, to show `~/…` paths. */
  home: string | undefined
}

export const TuiContext = createContext<TuiEnvironment>({
  palette: createPalette(false),
  now: Date.now,
  readSource,
  home: undefined,
})

export function useTui(): TuiEnvironment {
  return useContext(TuiContext)
}
