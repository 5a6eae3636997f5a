import type { HearthState, HearthStore, TestFileState } from '@hearth/core'
import { Box, useApp, useInput } from 'ink'
import { useCallback, useMemo, useRef, useState } from 'react'
import { cachedReader } from '../code-frame.js'
import {
  type DetailContent,
  type DetailOptions,
  fileDetail,
  runProblemLines,
  serviceDetail,
} from '../detail.js'
import { interpretKey, type KeyContext, type KeyOutcome, type KeyPress, selectedFile } from '../keymap.js'
import { computeLayout } from '../layout.js'
import { selectAgeOrigins, selectListedFiles, selectMoving, selectServiceGroups } from '../selectors.js'
import { nextAgeChange } from '../text.js'
import { useTui } from '../tui-context.js'
import { useStoreView } from '../use-store-view.js'
import { useTerminalSize } from '../use-terminal-size.js'
import { useTicker, useWakeAt } from '../use-ticker.js'
import { initialViewState, type ViewState } from '../view-state.js'
import { DetailPane } from './DetailPane.js'
import { FilesPane } from './FilesPane.js'
import { FilterPrompt } from './FilterPrompt.js'
import { Footer } from './Footer.js'
import { Header } from './Header.js'
import { HelpOverlay } from './HelpOverlay.js'
import { ServicesPane } from './ServicesPane.js'
import { StatusLine } from './StatusLine.js'

export interface AppProps {
  store: HearthStore
  /** A second Ctrl-C while quitting: give the terminal back now. */
  onForceExit?: () => void
  initialView?: Partial<ViewState>
}

/**
 * `hearth dev`'s terminal UI: services, the run's files, and the detail of the selection, over
 * core's store. Keys dispatch actions; nothing here does I/O but reading a failing test's source.
 */
export function App({ store, onForceExit, initialView }: AppProps) {
  const tui = useTui()
  const { exit } = useApp()
  const [view, setView] = useState<ViewState>(() => ({ ...initialViewState(), ...initialView }))
  // Service output that is not on screen causes no render (six busy services would keep it busy).
  const { state, restarts } = useStoreView(store, { shownLog: view.logs })
  const size = useTerminalSize()
  const tick = useTicker(selectMoving(state))
  const now = tui.now()
  useWakeAt(nextAgeChange(now, selectAgeOrigins(state)), tui.now)

  const groups = useMemo(() => selectServiceGroups(state), [state])
  const services = useMemo(
    () => groups.flatMap((group) => group.services.map((service) => service.key)),
    [groups],
  )
  const files = useMemo(() => selectListedFiles(state, view.filter), [state, view.filter])
  const file = selectedFile(view, files)
  const serviceRows = services.length + (groups.length > 1 ? groups.length : 0)
  const layout = computeLayout(size.columns, size.rows, { serviceRows, fileRows: files.length })

  // One read of a failing test's source per result (new results: read again), however often the
  // pane re-renders.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the results are the reason to read again
  const reader = useMemo(() => cachedReader(tui.readSource), [tui.readSource, state.tests.files])
  const detail = buildDetail(view, state, file, layout.detailWidth, {
    now,
    readSource: reader,
    restarts: view.service === null ? 0 : (restarts.get(view.service) ?? 0),
  })

  // Keys act on the state as it is now, not as last rendered (at most 50 ms older).
  const keyContext = (latest: ViewState): KeyContext => {
    const state = store.getState()
    return {
      state,
      now: tui.now(),
      services: selectServiceGroups(state).flatMap((group) => group.services.map((entry) => entry.key)),
      files: selectListedFiles(state, latest.filter),
      detailRows: detail?.lines.length ?? 0,
      detailHeight: layout.detail - 1,
      listHeight: (latest.focus === 'services' ? layout.services : layout.files) - 1,
    }
  }

  // Keys can come faster than renders: each one acts on the view the previous one left, not on the
  // last rendered one.
  const current = useRef(view)
  const apply = useCallback(
    (outcome: KeyOutcome) => {
      current.current = outcome.view
      setView(outcome.view)
      for (const action of outcome.actions) store.dispatch(action)
      if (outcome.forceExit === true) onForceExit?.()
    },
    [store, onForceExit],
  )

  useInput((input, key) => {
    try {
      for (const press of splitKeys(input, key)) {
        const latest = current.current
        apply(interpretKey(latest, press, keyContext(latest)))
      }
    } catch (error) {
      // A bug in a key handler: unmount with it, so the terminal is restored and it is reported.
      exit(error instanceof Error ? error : new Error(String(error)))
    }
  })

  const body = layout.height - 3
  return (
    <Box flexDirection="column" width={layout.columns} height={layout.height} overflow="hidden">
      <Header state={state} />
      {view.help ? (
        <HelpOverlay width={layout.columns} height={body} />
      ) : (
        <Box flexDirection="column" height={body} overflow="hidden">
          <ServicesPane
            groups={groups}
            restarts={restarts}
            selected={view.service}
            focused={view.focus === 'services'}
            width={layout.columns}
            height={layout.services}
            tick={tick}
          />
          <Box flexDirection={layout.wide ? 'row' : 'column'}>
            <FilesPane
              state={state}
              files={files}
              selected={file}
              filter={view.filter}
              focused={view.focus === 'files'}
              width={layout.filesWidth}
              height={layout.files}
              tick={tick}
            />
            {layout.wide ? <Box width={1} /> : null}
            <DetailPane
              state={state}
              logs={view.logs}
              content={detail}
              scroll={view.scroll}
              focused={view.focus === 'detail'}
              width={layout.detailWidth}
              height={layout.detail}
            />
          </Box>
        </Box>
      )}
      {view.prompt === null ? (
        <StatusLine state={state} message={view.message} selected={view.service} />
      ) : (
        <FilterPrompt prompt={view.prompt} />
      )}
      <Footer state={state} focus={view.focus} logs={view.logs !== null} width={layout.columns} />
    </Box>
  )
}

/** The detail pane's content: the selected service, or the selected file (after the run's own problems). */
function buildDetail(
  view: ViewState,
  state: HearthState,
  file: TestFileState | null,
  width: number,
  options: Omit<DetailOptions, 'width'>,
): DetailContent | null {
  const service = view.service === null ? undefined : state.services[view.service]
  if (view.subject === 'services' && service !== undefined)
    return serviceDetail(service, state, { ...options, width })
  const problems = runProblemLines(state, width)
  if (file === null)
    return problems.length === 0 ? null : { title: `run ${state.tests.run?.id ?? ''}`, lines: problems }
  const content = fileDetail(file, state, { ...options, width })
  return { title: content.title, lines: [...problems, ...content.lines] }
}

/**
 * The keys of one read from the terminal. Keys typed (or sent) faster than hearth reads arrive
 * together: `r⏎` in the filter prompt, a pasted name, or Escape and the next key, which terminals
 * send as Alt+key. Each is handled on its own, in order (hearth binds nothing to Alt).
 */
export function splitKeys(input: string, key: Omit<KeyPress, 'input'>): KeyPress[] {
  const special =
    key.upArrow ||
    key.downArrow ||
    key.leftArrow ||
    key.rightArrow ||
    key.pageUp ||
    key.pageDown ||
    key.home ||
    key.end ||
    key.ctrl
  if (special === true) return [{ ...key, input }]
  if (key.meta === true && Array.from(input).length === 1)
    return [{ input: '', escape: true }, ...splitKeys(input, { ...key, meta: false })]
  const characters = Array.from(input)
  if (characters.length <= 1) return [{ ...key, input }]
  return characters.map((character): KeyPress => {
    if (character === '\r' || character === '\n') return { input: '', return: true }
    if (character === '\t') return { input: '', tab: true }
    if (character === '\u007f' || character === '\b') return { input: '', backspace: true }
    if (character === '\u001b') return { input: '', escape: true }
    return { input: character }
  })
}
