import { useEffect, useState } from 'react'

/** The spinner's frame time. */
export const SPINNER_INTERVAL_MS = 120

/**
 * A frame counter for spinners, ticking only while `active`: when nothing moves, no timer runs
 * (idle CPU stays at zero). One ticker serves every spinner on screen.
 */
export function useTicker(active: boolean, intervalMs = SPINNER_INTERVAL_MS): number {
  const [frame, setFrame] = useState(0)
  useEffect(() => {
    if (!active) return
    const timer = setInterval(() => setFrame((current) => (current + 1) % 1_000_000), intervalMs)
    return () => clearInterval(timer)
  }, [active, intervalMs])
  return frame
}

/**
 * Re-renders when the first of the coarse ages on screen (minutes) changes, and not otherwise: a
 * timer once a minute at most, none when no age is shown.
 */
export function useWakeAt(at: number | null, now: () => number): void {
  const [, setWoken] = useState(0)
  useEffect(() => {
    if (at === null) return
    const timer = setTimeout(() => setWoken((count) => count + 1), Math.max(0, at - now()) + 5)
    timer.unref?.()
    return () => clearTimeout(timer)
  }, [at, now])
}
