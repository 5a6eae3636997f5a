import { useStdout } from 'ink'
import { useEffect, useState } from 'react'

export interface TerminalSize {
  columns: number
  rows: number
}

/** The terminal's size, updated on every resize. */
export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout()
  const [size, setSize] = useState<TerminalSize>(() => ({
    columns: stdout.columns || 80,
    rows: stdout.rows || 24,
  }))
  useEffect(() => {
    const onResize = (): void => {
      const next = { columns: stdout.columns || 80, rows: stdout.rows || 24 }
      setSize((current) => (current.columns === next.columns && current.rows === next.rows ? current : next))
    }
    stdout.on('resize', onResize)
    onResize()
    return () => {
      stdout.off('resize', onResize)
    }
  }, [stdout])
  return size
}
