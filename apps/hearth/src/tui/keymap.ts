import {
  type Action,
  type HearthState,
  type SelectionReason,
  type ServiceKey,
  selectDiedInUse,
  selectEnvironmentStatus,
  type TestFileState,
} from '@hearth/core'
import {
  type FileFilter,
  selectDefaultFile,
  selectFailedFiles,
  selectMatchingFiles,
  selectResettable,
} from './selectors.js'
import { plural } from './text.js'
import { PANES, type Pane, type StatusMessage, type ViewState } from './view-state.js'

/** A key as the terminal UI reads it (Ink's `Key`, narrowed to what the keymap uses). */
export interface KeyPress {
  input: string
  upArrow?: boolean
  downArrow?: boolean
  leftArrow?: boolean
  rightArrow?: boolean
  pageUp?: boolean
  pageDown?: boolean
  home?: boolean
  end?: boolean
  return?: boolean
  escape?: boolean
  ctrl?: boolean
  shift?: boolean
  tab?: boolean
  backspace?: boolean
  delete?: boolean
  meta?: boolean
}

/** What a key acts on: the state now, and what the panes list and show. */
export interface KeyContext {
  state: HearthState
  now: number
  /** Service keys in the order the services pane lists them. */
  services: readonly ServiceKey[]
  /** The files the files pane lists (filtered), in order. */
  files: readonly TestFileState[]
  /** Rows of the detail pane's content (when it does not show logs), and how many fit. */
  detailRows: number
  detailHeight: number
  /** Rows that fit in the lists, for PgUp/PgDn. */
  listHeight: number
}

export interface KeyOutcome {
  view: ViewState
  /** Dispatched to the store, in order. */
  actions: Action[]
  /** Give the terminal back at once, without an orderly stop (a second Ctrl-C while quitting). */
  forceExit?: boolean
}

/** Every key, for the help overlay (and the README). */
export const KEY_HELP: ReadonlyArray<readonly [string, string]> = [
  ['Enter', "rerun the last run's files, for the same reasons"],
  ['a', 'run every test file'],
  ['f', 'rerun the files that failed'],
  ['p', 'filter by path: show and run the files whose path has it'],
  ['t', 'filter by test name: show and run the files with such a test'],
  ['', '(hearth runs whole files: t picks files, not single tests)'],
  ['Esc', 'close the logs or the filter'],
  ['r', 'restart the selected (or dead) service and its dependents'],
  ['x', "reset the selected service's environment (or every one)"],
  ['l', 'the output of the selected service (l or Esc closes)'],
  ['space', 'pause watching: saves are held, and run on resume'],
  ['Tab ←→', 'move between panes: services, files, detail'],
  ['j k ↑↓', 'move in a list; scroll the focused detail pane'],
  ['PgUp PgDn', 'a page up or down'],
  ['g G Home End', 'to the top, to the end (G in the logs: follow again)'],
  ['h ?', 'this help'],
  ['q Ctrl-C', 'quit; the environments stay warm for the next time'],
  ['D', 'quit and stop the environments'],
]

/** The effect of one key: the next view state, the actions to dispatch, and feedback. */
export function interpretKey(view: ViewState, press: KeyPress, context: KeyContext): KeyOutcome {
  const { state, now } = context
  const quitting = state.session.quit !== null || state.session.interrupted !== null
  const base: ViewState = { ...view, message: null }
  const say = (text: string, tone: StatusMessage['tone'] = 'info'): KeyOutcome => ({
    view: { ...base, message: { text, tone } },
    actions: [],
  })
  const isCtrlC = press.ctrl === true && press.input === 'c'

  if (isCtrlC || (press.input === 'q' && !quitting && view.prompt === null)) {
    if (quitting) return { view: base, actions: [], forceExit: true }
    return {
      view: {
        ...base,
        help: false,
        prompt: null,
        message: { text: 'quitting: the environments stay warm', tone: 'info' },
      },
      actions: [{ type: 'session/quit', at: now, stopEnvironments: false }],
    }
  }
  if (view.prompt !== null) return editPrompt(base, view.prompt, press, context)
  if (view.help) return { view: { ...base, help: false }, actions: [] }
  if (quitting) {
    const stopping = state.session.quit?.stopEnvironments === true
    return say(`quitting${stopping ? ': stopping the environments' : ''}… (Ctrl-C: now, without waiting)`)
  }

  const { input } = press
  if (press.tab === true || press.leftArrow === true || press.rightArrow === true) {
    const step = press.leftArrow === true || (press.tab === true && press.shift === true) ? -1 : 1
    const index = PANES.indexOf(view.focus)
    return {
      view: focus(base, PANES[(index + step + PANES.length) % PANES.length] ?? 'files', context),
      actions: [],
    }
  }
  if (press.upArrow === true || input === 'k') return { view: move(base, -1, context), actions: [] }
  if (press.downArrow === true || input === 'j') return { view: move(base, 1, context), actions: [] }
  if (press.pageUp === true)
    return { view: move(base, -Math.max(1, page(view, context)), context), actions: [] }
  if (press.pageDown === true)
    return { view: move(base, Math.max(1, page(view, context)), context), actions: [] }
  if (press.home === true || input === 'g') return { view: move(base, -Infinity, context), actions: [] }
  if (press.end === true || input === 'G') {
    if (view.focus === 'detail' && view.logs !== null) return { view: { ...base, scroll: null }, actions: [] }
    return { view: move(base, Infinity, context), actions: [] }
  }
  if (press.escape === true) {
    if (view.logs !== null)
      return { view: { ...base, logs: null, scroll: null, focus: 'services' }, actions: [] }
    if (view.filter !== null) return { view: { ...base, filter: null, file: null }, actions: [] }
    return say('Esc: nothing to close')
  }
  if (press.return === true) return rerunLast(base, context, say)

  switch (input) {
    case 'h':
    case '?':
      return { view: { ...base, help: true }, actions: [] }
    case 'D':
      return {
        view: { ...base, message: { text: 'quitting: stopping the environments…', tone: 'info' } },
        actions: [{ type: 'session/quit', at: now, stopEnvironments: true }],
      }
    case 'a': {
      const files = Object.keys(state.tests.files)
      if (files.length === 0) return say('a: no test files found', 'warn')
      const all: Record<string, SelectionReason[]> = {}
      for (const file of files) all[file] = [{ kind: 'all' }]
      return {
        view: {
          ...base,
          file: null,
          message: { text: `a: running all ${plural(files.length, 'test file')}`, tone: 'info' },
        },
        actions: [{ type: 'run/requested', at: now, trigger: 'all', files: all }],
      }
    }
    case 'f': {
      const failed = selectFailedFiles(state)
      if (failed.length === 0) return say('f: no failed test files', 'warn')
      return {
        view: {
          ...base,
          file: null,
          message: { text: `f: rerunning ${plural(failed.length, 'failed file')}`, tone: 'info' },
        },
        actions: [{ type: 'run/requested', at: now, trigger: 'change', files: reasonsOf(failed) }],
      }
    }
    case 'p':
    case 't': {
      if (Object.keys(state.tests.files).length === 0) return say(`${input}: no test files found`, 'warn')
      if (input === 't' && !Object.values(state.tests.files).some((file) => file.tests.length > 0))
        return say('t: no test has run yet, so there are no names to match: run them first (a)', 'warn')
      const kind = input === 'p' ? 'path' : 'test'
      // Opens with the filter in force, to edit it.
      const text = view.filter?.kind === kind ? view.filter.text : ''
      return { view: { ...base, prompt: { kind, text } }, actions: [] }
    }
    case 'r':
      return restart(base, context, say)
    case 'x':
      return reset(base, context, say)
    case 'l': {
      const key = view.service
      if (key === null) return say('l: select a service first (Tab to the services pane, then j/k)', 'warn')
      if (view.logs === key)
        return { view: { ...base, logs: null, scroll: null, focus: 'services' }, actions: [] }
      return { view: { ...base, logs: key, scroll: null, focus: 'detail' }, actions: [] }
    }
    case ' ': {
      const watch = state.watch.status
      if (watch === 'paused') {
        const held = state.watch.held.length
        return {
          view: {
            ...base,
            message: {
              text:
                held > 0
                  ? `resumed: running what ${held === 1 ? 'the held save affects' : `${held} held saves affect`}`
                  : 'resumed watching',
              tone: 'info',
            },
          },
          actions: [{ type: 'watch/resumed', at: now }],
        }
      }
      if (watch === 'watching' || watch === 'starting')
        return {
          view: { ...base, message: { text: 'paused: saves are held until space again', tone: 'info' } },
          actions: [{ type: 'watch/paused', at: now }],
        }
      return say(`space: the watcher is ${watch === 'off' ? 'not started' : 'stopped'}`, 'warn')
    }
    default:
      if (input.length === 1 && input >= ' ') return say(`${input}: no such key (h lists them)`, 'warn')
      return { view: base, actions: [] }
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are not text
const CONTROL = /[\u0000-\u001f\u007f]/g

/** A key while the filter prompt is open: it edits the text; Enter applies it, Esc closes the prompt. */
function editPrompt(view: ViewState, prompt: FileFilter, press: KeyPress, context: KeyContext): KeyOutcome {
  if (press.escape === true) return { view: { ...view, prompt: null }, actions: [] }
  if (press.return === true) return applyFilter(view, prompt, context)
  if (press.backspace === true || press.delete === true)
    return {
      view: { ...view, prompt: { ...prompt, text: [...prompt.text].slice(0, -1).join('') } },
      actions: [],
    }
  if (press.ctrl === true && press.input === 'u')
    return { view: { ...view, prompt: { ...prompt, text: '' } }, actions: [] }
  // Typed or pasted text; other keys (arrows, Tab) do nothing here.
  const text = press.ctrl === true || press.meta === true ? '' : press.input.replace(CONTROL, '')
  if (text === '') return { view, actions: [] }
  return { view: { ...view, prompt: { ...prompt, text: prompt.text + text } }, actions: [] }
}

/**
 * The filter prompt was submitted: the files pane shows the matching files and they run (a view
 * filter AND a run, as Vitest's `p` and `t` do). An empty text clears the filter.
 */
export function applyFilter(view: ViewState, filter: FileFilter, context: KeyContext): KeyOutcome {
  const base: ViewState = { ...view, prompt: null, message: null }
  const text = filter.text.trim()
  const key = filter.kind === 'path' ? 'p' : 't'
  if (text === '')
    return {
      view: { ...base, filter: null, file: null, message: { text: `${key}: filter cleared`, tone: 'info' } },
      actions: [],
    }
  const matching = selectMatchingFiles(context.state, { kind: filter.kind, text })
  if (matching.length === 0) {
    const what =
      filter.kind === 'path'
        ? `no test file path contains "${text}"`
        : `no test named like "${text}" in the last results`
    return { view: { ...base, message: { text: `${key}: ${what}`, tone: 'warn' } }, actions: [] }
  }
  const files: Record<string, SelectionReason[]> = {}
  for (const file of matching) files[file.file] = [{ kind: 'all' }]
  const count = plural(matching.length, 'file')
  return {
    view: {
      ...base,
      filter: { kind: filter.kind, text },
      file: null,
      focus: 'files',
      subject: 'files',
      message: {
        text:
          filter.kind === 'path'
            ? `p: running ${count} matching "${text}" (Esc shows every file again)`
            : `t: running ${count} with tests named like "${text}" (whole files run; Esc clears)`,
        tone: 'info',
      },
    },
    actions: [{ type: 'run/requested', at: context.now, trigger: 'change', files }],
  }
}

/** The file the files pane has selected: the picked one while listed, else the default. */
export function selectedFile(view: ViewState, files: readonly TestFileState[]): TestFileState | null {
  if (view.file !== null) {
    const picked = files.find((file) => file.file === view.file)
    if (picked !== undefined) return picked
  }
  return selectDefaultFile(files)
}

function reasonsOf(files: readonly TestFileState[]): Record<string, readonly SelectionReason[]> {
  const out: Record<string, readonly SelectionReason[]> = {}
  for (const file of files) out[file.file] = file.reasons.length > 0 ? file.reasons : [{ kind: 'all' }]
  return out
}

function rerunLast(
  view: ViewState,
  context: KeyContext,
  say: (text: string, tone?: StatusMessage['tone']) => KeyOutcome,
): KeyOutcome {
  const run = context.state.tests.run
  if (run === null || run.files.length === 0) return say('⏎: no run yet: a runs every test file', 'warn')
  const files = run.files
    .map((file) => context.state.tests.files[file])
    .filter((file): file is TestFileState => file !== undefined)
  return {
    view: {
      ...view,
      message: { text: `⏎: rerunning ${plural(files.length, 'file')} of run ${run.id}`, tone: 'info' },
    },
    actions: [
      {
        type: 'run/requested',
        at: context.now,
        trigger: run.trigger === 'all' ? 'all' : 'change',
        files: reasonsOf(files),
      },
    ],
  }
}

function restart(
  view: ViewState,
  context: KeyContext,
  say: (text: string, tone?: StatusMessage['tone']) => KeyOutcome,
): KeyOutcome {
  const key = view.service
  if (key === null) {
    // Nothing selected: the services that died while in use, as the status line offers.
    const died = selectDiedInUse(context.state).map((service) => service.key)
    if (died.length === 0)
      return say('r: select a service first (Tab to the services pane, then j/k)', 'warn')
    return {
      view: { ...view, message: { text: `r: restarting ${died.join(', ')}`, tone: 'info' } },
      actions: [{ type: 'service/restart-requested', at: context.now, keys: died }],
    }
  }
  const service = context.state.services[key]
  if (service === undefined) return say(`r: ${key} is gone from the config`, 'warn')
  if (service.restarting) return say(`r: ${key} is already restarting`, 'warn')
  if (service.status === 'idle' || service.status === 'stopped' || service.status === 'stopping')
    return say(`r: ${key} is not running (${service.status}); its tests' next run starts it`, 'warn')
  const dependents = Object.values(context.state.services).filter((other) => other.dependsOn.includes(key))
  return {
    view: {
      ...view,
      message: {
        text: `r: restarting ${key}${dependents.length > 0 ? ` (and ${plural(dependents.length, 'service')} that depend on it)` : ''}`,
        tone: 'info',
      },
    },
    actions: [{ type: 'service/restart-requested', at: context.now, keys: [key] }],
  }
}

function reset(
  view: ViewState,
  context: KeyContext,
  say: (text: string, tone?: StatusMessage['tone']) => KeyOutcome,
): KeyOutcome {
  const { state } = context
  let environments: string[]
  if (view.service !== null) {
    const environment = state.services[view.service]?.environment
    if (environment === undefined) return say(`x: ${view.service} is gone from the config`, 'warn')
    const status = selectEnvironmentStatus(state, environment)
    if (status !== 'ready') return say(`x: environment ${environment} is not ready (${status})`, 'warn')
    environments = [environment]
  } else {
    environments = selectResettable(state)
    if (environments.length === 0) return say('x: no environment is running', 'warn')
  }
  return {
    view: { ...view, message: { text: `x: resetting ${environments.join(', ')}`, tone: 'info' } },
    actions: [{ type: 'environment/reset-requested', at: context.now, environments }],
  }
}

function focus(view: ViewState, pane: Pane, context: KeyContext): ViewState {
  if (pane === 'services')
    return { ...view, focus: pane, subject: 'services', service: view.service ?? context.services[0] ?? null }
  if (pane === 'files') return { ...view, focus: pane, subject: 'files' }
  return { ...view, focus: pane }
}

/** Rows a page moves: the height of the focused list or detail. */
function page(view: ViewState, context: KeyContext): number {
  return view.focus === 'detail' ? context.detailHeight - 1 : context.listHeight - 1
}

/** Moves the selection of the focused list, or scrolls the detail pane, by `step` (±Infinity: to an end). */
function move(view: ViewState, step: number, context: KeyContext): ViewState {
  if (view.focus === 'services') {
    const keys = context.services
    if (keys.length === 0) return view
    const index = view.service === null ? -1 : keys.indexOf(view.service)
    const next = keys[clamp(index < 0 && step > 0 ? 0 : index + step, 0, keys.length - 1)] ?? null
    // The logs follow the selection while they are open.
    return {
      ...view,
      service: next,
      subject: 'services',
      ...(view.logs !== null && next !== null ? { logs: next, scroll: null } : {}),
    }
  }
  if (view.focus === 'files') {
    const files = context.files
    if (files.length === 0) return view
    const current = selectedFile(view, files)
    const index = current === null ? 0 : files.indexOf(current)
    const next = files[clamp(index + step, 0, files.length - 1)]
    return { ...view, file: next?.file ?? null, subject: 'files', scroll: null }
  }
  if (view.logs !== null) {
    const log = context.state.logs[view.logs]
    if (log === undefined) return view
    const height = context.detailHeight
    const newest = Math.max(log.start, log.end - height)
    const top = view.scroll ?? newest
    const next = clamp(top + step, log.start, newest)
    return { ...view, scroll: next >= newest && step > 0 ? null : next }
  }
  const last = Math.max(0, context.detailRows - context.detailHeight)
  const next = clamp((view.scroll ?? 0) + step, 0, last)
  return { ...view, scroll: next === 0 ? null : next }
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value))
}
