import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  type Action,
  createHearthStore,
  type HearthState,
  initialState,
  type SelectionReason,
  type TestFileOutcome,
} from '@hearth/core'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { configOf } from '../../../../packages/core/src/testing/fixtures.js'
import { renderJunit, writeJunitReport, xmlSafe } from './junit-reporter.js'

const ROOT = '/project'
const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 0)
const WEIRD = 'totals <b> & "tax" it\'s \u0007bell\ttab\r\nline'

type Step = { file: string } & Partial<Omit<TestFileOutcome, 'file'>>

/**
 * A state after one run, built through core's reducers from the actions a run dispatches:
 * `attempts[0]` is the first pass, `attempts[1]` the retry of the files that failed.
 */
function stateAfterRun(
  attempts: ReadonlyArray<readonly Step[]>,
  options: { reasons?: Record<string, SelectionReason[]>; end?: Action[]; cancelled?: boolean } = {},
): HearthState {
  const store = createHearthStore(initialState(T0))
  const files = [
    ...new Set([...attempts.flat().map((step) => step.file), ...Object.keys(options.reasons ?? {})]),
  ].sort()
  store.dispatch({
    type: 'project/loaded',
    at: T0,
    project: { name: 'demo', id: 'demo-1a2b3c4d', root: ROOT },
    config: configOf({
      name: 'backend',
      services: {
        db: { kind: 'process', command: 'db' },
        migrate: { kind: 'job', command: 'migrate', dependsOn: ['db'] },
      },
    }),
  })
  store.dispatch({
    type: 'tests/discovered',
    at: T0,
    files: files.map((file) => ({
      file: `${ROOT}/${file}`,
      path: file,
      group: file.startsWith('tests/') ? 'api' : 'unit',
      environment: file.startsWith('tests/') ? 'backend' : null,
    })),
  })
  store.dispatch({
    type: 'run/requested',
    at: T0,
    trigger: 'all',
    files: Object.fromEntries(
      files.map((file) => [`${ROOT}/${file}`, options.reasons?.[file] ?? [{ kind: 'all' }]]),
    ),
  })
  store.dispatch({ type: 'run/started', at: T0 + 100, id: 1 })
  let at = T0 + 200
  attempts.forEach((steps, index) => {
    if (index > 0)
      store.dispatch({
        type: 'run/retrying',
        at,
        id: 1,
        attempt: index + 1,
        files: steps.map((s) => `${ROOT}/${s.file}`),
      })
    for (const step of steps) {
      const file = `${ROOT}/${step.file}`
      store.dispatch({ type: 'run/file-started', at, id: 1, file })
      at += 100
      // The step names the file by its path; the outcome by its absolute path.
      const outcome: TestFileOutcome = {
        state: 'passed',
        durationMs: 100,
        errors: [],
        tests: [],
        ...step,
        file,
      }
      store.dispatch({ type: 'run/file-finished', at, id: 1, outcome })
    }
  })
  for (const action of options.end ?? []) store.dispatch(action)
  store.dispatch({ type: 'run/finished', at: T0 + 1600, id: 1, cancelled: options.cancelled ?? false })
  return store.getState()
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  htmlEntities: true,
  isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
})

function parse(xml: string): unknown {
  expect(XMLValidator.validate(xml)).toBe(true)
  return parser.parse(xml)
}

/** A failing file, the same on both attempts. */
const MONEY: Step = {
  file: 'src/money.test.ts',
  state: 'failed',
  durationMs: 1234.5,
  tests: [
    { name: 'money > adds', state: 'passed', durationMs: 1.5, errors: [] },
    {
      name: WEIRD,
      state: 'failed',
      durationMs: 20,
      errors: [
        {
          message: 'expected \u001b[31m0.3\u001b[39m to be 0.30000000000000004\n\n- Expected\n+ Received',
          stack: `AssertionError: expected 0.3\n    at file://${ROOT}/src/money.ts:14:10`,
          location: { file: `${ROOT}/src/money.ts`, line: 14, column: 10 },
        },
      ],
    },
    { name: 'money > later', state: 'skipped', durationMs: 0, errors: [] },
  ],
}

describe('renderJunit', () => {
  const state = stateAfterRun(
    [
      [
        MONEY,
        {
          file: 'src/broken.test.ts',
          state: 'failed',
          durationMs: 3,
          errors: [
            {
              message: 'Cannot find module ./missing.js',
              location: { file: `${ROOT}/src/broken.test.ts`, line: 1, column: 1 },
            },
          ],
        },
        {
          file: 'tests/api/orders.test.ts',
          state: 'failed',
          durationMs: 30,
          tests: [
            {
              name: 'orders > lists them',
              state: 'failed',
              durationMs: 12,
              errors: [{ message: 'expected 200, got 503' }],
            },
          ],
        },
      ],
      [
        {
          file: 'src/broken.test.ts',
          state: 'failed',
          durationMs: 3,
          errors: [{ message: 'Cannot find module ./missing.js' }],
        },
        {
          file: 'tests/api/orders.test.ts',
          state: 'passed',
          durationMs: 25,
          tests: [{ name: 'orders > lists them', state: 'passed', durationMs: 11, errors: [] }],
        },
        MONEY,
      ],
    ],
    {
      reasons: {
        'tests/api/orders.test.ts': [
          { kind: 'rule', rule: 'group', name: 'api', glob: 'db/**/*.sql', changed: 'db/migrations/004.sql' },
        ],
      },
    },
  )

  it('renders the last run as escaped, well-formed XML', () => {
    expect(renderJunit(state)).toMatchInlineSnapshot(`
      "<?xml version="1.0" encoding="UTF-8"?>
      <testsuites name="hearth" tests="5" failures="1" errors="1" skipped="1" time="1.500">
        <testsuite name="src/broken.test.ts" tests="1" failures="0" errors="1" skipped="0" time="0.003">
          <properties>
            <property name="hearth.group" value="unit"/>
            <property name="hearth.attempts" value="2"/>
            <property name="hearth.flaky" value="false"/>
            <property name="hearth.reason" value="every test runs"/>
            <property name="hearth.reason" value="it failed (retry 2)"/>
          </properties>
          <testcase classname="src/broken.test.ts" name="(file)" time="0.000" file="src/broken.test.ts">
            <error message="Cannot find module ./missing.js">Cannot find module ./missing.js</error>
          </testcase>
        </testsuite>
        <testsuite name="src/money.test.ts" tests="3" failures="1" errors="0" skipped="1" time="1.234">
          <properties>
            <property name="hearth.group" value="unit"/>
            <property name="hearth.attempts" value="2"/>
            <property name="hearth.flaky" value="false"/>
            <property name="hearth.reason" value="every test runs"/>
            <property name="hearth.reason" value="it failed (retry 2)"/>
          </properties>
          <testcase classname="src/money.test.ts" name="money &gt; adds" time="0.002" file="src/money.test.ts"/>
          <testcase classname="src/money.test.ts" name="totals &lt;b&gt; &amp; &quot;tax&quot; it&apos;s \\u0007bell&#9;tab&#13;&#10;line" time="0.020" file="src/money.test.ts">
            <failure message="expected 0.3 to be 0.30000000000000004">expected 0.3 to be 0.30000000000000004

      - Expected
      + Received
      AssertionError: expected 0.3
          at src/money.ts:14:10</failure>
          </testcase>
          <testcase classname="src/money.test.ts" name="money &gt; later" time="0.000" file="src/money.test.ts">
            <skipped/>
          </testcase>
        </testsuite>
        <testsuite name="tests/api/orders.test.ts" tests="1" failures="0" errors="0" skipped="0" time="0.025">
          <properties>
            <property name="hearth.group" value="api"/>
            <property name="hearth.environment" value="backend"/>
            <property name="hearth.attempts" value="2"/>
            <property name="hearth.flaky" value="true"/>
            <property name="hearth.reason" value="db/migrations/004.sql matches db/**/*.sql (group api)"/>
            <property name="hearth.reason" value="it failed (retry 2)"/>
          </properties>
          <testcase classname="tests/api/orders.test.ts" name="orders &gt; lists them" time="0.011" file="tests/api/orders.test.ts"/>
          <system-out>flaky: failed, then passed on attempt 2</system-out>
        </testsuite>
      </testsuites>
      "
    `)
  })

  it('has the structure CI tools read: a suite per file, a case per test, with counts', () => {
    expect(parse(renderJunit(state))).toMatchInlineSnapshot(`
      {
        "?xml": {
          "encoding": "UTF-8",
          "version": "1.0",
        },
        "testsuites": {
          "errors": "1",
          "failures": "1",
          "name": "hearth",
          "skipped": "1",
          "tests": "5",
          "testsuite": [
            {
              "errors": "1",
              "failures": "0",
              "name": "src/broken.test.ts",
              "properties": {
                "property": [
                  {
                    "name": "hearth.group",
                    "value": "unit",
                  },
                  {
                    "name": "hearth.attempts",
                    "value": "2",
                  },
                  {
                    "name": "hearth.flaky",
                    "value": "false",
                  },
                  {
                    "name": "hearth.reason",
                    "value": "every test runs",
                  },
                  {
                    "name": "hearth.reason",
                    "value": "it failed (retry 2)",
                  },
                ],
              },
              "skipped": "0",
              "testcase": [
                {
                  "classname": "src/broken.test.ts",
                  "error": {
                    "#text": "Cannot find module ./missing.js",
                    "message": "Cannot find module ./missing.js",
                  },
                  "file": "src/broken.test.ts",
                  "name": "(file)",
                  "time": "0.000",
                },
              ],
              "tests": "1",
              "time": "0.003",
            },
            {
              "errors": "0",
              "failures": "1",
              "name": "src/money.test.ts",
              "properties": {
                "property": [
                  {
                    "name": "hearth.group",
                    "value": "unit",
                  },
                  {
                    "name": "hearth.attempts",
                    "value": "2",
                  },
                  {
                    "name": "hearth.flaky",
                    "value": "false",
                  },
                  {
                    "name": "hearth.reason",
                    "value": "every test runs",
                  },
                  {
                    "name": "hearth.reason",
                    "value": "it failed (retry 2)",
                  },
                ],
              },
              "skipped": "1",
              "testcase": [
                {
                  "classname": "src/money.test.ts",
                  "file": "src/money.test.ts",
                  "name": "money > adds",
                  "time": "0.002",
                },
                {
                  "classname": "src/money.test.ts",
                  "failure": {
                    "#text": "expected 0.3 to be 0.30000000000000004

      - Expected
      + Received
      AssertionError: expected 0.3
          at src/money.ts:14:10",
                    "message": "expected 0.3 to be 0.30000000000000004",
                  },
                  "file": "src/money.test.ts",
                  "name": "totals <b> & "tax" it's \\u0007bell	tab
      line",
                  "time": "0.020",
                },
                {
                  "classname": "src/money.test.ts",
                  "file": "src/money.test.ts",
                  "name": "money > later",
                  "skipped": "",
                  "time": "0.000",
                },
              ],
              "tests": "3",
              "time": "1.234",
            },
            {
              "errors": "0",
              "failures": "0",
              "name": "tests/api/orders.test.ts",
              "properties": {
                "property": [
                  {
                    "name": "hearth.group",
                    "value": "api",
                  },
                  {
                    "name": "hearth.environment",
                    "value": "backend",
                  },
                  {
                    "name": "hearth.attempts",
                    "value": "2",
                  },
                  {
                    "name": "hearth.flaky",
                    "value": "true",
                  },
                  {
                    "name": "hearth.reason",
                    "value": "db/migrations/004.sql matches db/**/*.sql (group api)",
                  },
                  {
                    "name": "hearth.reason",
                    "value": "it failed (retry 2)",
                  },
                ],
              },
              "skipped": "0",
              "system-out": "flaky: failed, then passed on attempt 2",
              "testcase": [
                {
                  "classname": "tests/api/orders.test.ts",
                  "file": "tests/api/orders.test.ts",
                  "name": "orders > lists them",
                  "time": "0.011",
                },
              ],
              "tests": "1",
              "time": "0.025",
            },
          ],
          "time": "1.500",
        },
      }
    `)
  })

  it('round-trips test names with markup, quotes and line breaks; control characters become visible', () => {
    const parsed = parse(renderJunit(state)) as {
      testsuites: { testsuite: Array<{ testcase: Array<{ name: string }> }> }
    }
    const names = parsed.testsuites.testsuite.flatMap((suite) => suite.testcase.map((item) => item.name))
    expect(names).toEqual([
      '(file)',
      'money > adds',
      'totals <b> & "tax" it\'s \\u0007bell\ttab\r\nline',
      'money > later',
      'orders > lists them',
    ])
    expect(xmlSafe('lone \uD800 high, pair \uD83D\uDE00, \u001b[1mbold\u001b[22m, bare \u001b')).toBe(
      'lone \uFFFD high, pair \uD83D\uDE00, bold, bare \\u001B',
    )
    expect(xmlSafe(WEIRD)).toBe('totals <b> & "tax" it\'s \\u0007bell\ttab\r\nline')
  })

  it('renders an empty report when no run happened', () => {
    expect(renderJunit(createHearthStore(initialState(T0)).getState())).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="hearth" tests="0" failures="0" errors="0" skipped="0" time="0.000"/>\n',
    )
  })

  it('reports the files a blocked run never ran as errors, with the failed services', () => {
    const blocked = stateAfterRun([[]], {
      reasons: { 'tests/api/orders.test.ts': [{ kind: 'all' }] },
      end: [
        { type: 'environment/up-requested', at: T0 + 200, environments: ['backend'] },
        {
          type: 'service/failed',
          at: T0 + 300,
          key: 'backend/migrate',
          failure: { cause: 'exited with code 3', fix: 'see its output below', logTail: [], blockedBy: null },
        },
        { type: 'run/blocked', at: T0 + 300, id: 1, block: { kind: 'environment', name: 'backend' } },
      ],
    })
    expect(renderJunit(blocked)).toMatchInlineSnapshot(`
      "<?xml version="1.0" encoding="UTF-8"?>
      <testsuites name="hearth" tests="1" failures="0" errors="1" skipped="0" time="1.500">
        <testsuite name="tests/api/orders.test.ts" tests="1" failures="0" errors="1" skipped="0" time="0.000">
          <properties>
            <property name="hearth.group" value="api"/>
            <property name="hearth.environment" value="backend"/>
            <property name="hearth.attempts" value="0"/>
            <property name="hearth.flaky" value="false"/>
            <property name="hearth.reason" value="every test runs"/>
          </properties>
          <testcase classname="tests/api/orders.test.ts" name="(not run)" time="0.000" file="tests/api/orders.test.ts">
            <error message="not run: environment backend is not ready">not run: environment backend is not ready
      migrate: exited with code 3 (see its output below)</error>
          </testcase>
        </testsuite>
      </testsuites>
      "
    `)
  })

  it('reports the files of a cancelled run as skipped', () => {
    const cancelled = stateAfterRun(
      [[{ file: 'src/a.test.ts', tests: [{ name: 'a', state: 'passed', durationMs: 1, errors: [] }] }]],
      { reasons: { 'src/b.test.ts': [{ kind: 'all' }] }, cancelled: true },
    )
    expect(renderJunit(cancelled)).toMatchInlineSnapshot(`
      "<?xml version="1.0" encoding="UTF-8"?>
      <testsuites name="hearth" tests="2" failures="0" errors="0" skipped="1" time="1.500">
        <testsuite name="src/a.test.ts" tests="1" failures="0" errors="0" skipped="0" time="0.100">
          <properties>
            <property name="hearth.group" value="unit"/>
            <property name="hearth.attempts" value="1"/>
            <property name="hearth.flaky" value="false"/>
            <property name="hearth.reason" value="every test runs"/>
          </properties>
          <testcase classname="src/a.test.ts" name="a" time="0.001" file="src/a.test.ts"/>
        </testsuite>
        <testsuite name="src/b.test.ts" tests="1" failures="0" errors="0" skipped="1" time="0.000">
          <properties>
            <property name="hearth.group" value="unit"/>
            <property name="hearth.attempts" value="0"/>
            <property name="hearth.flaky" value="false"/>
            <property name="hearth.reason" value="every test runs"/>
          </properties>
          <testcase classname="src/b.test.ts" name="(not run)" time="0.000" file="src/b.test.ts">
            <skipped message="the run was cancelled"/>
          </testcase>
        </testsuite>
      </testsuites>
      "
    `)
  })
})

describe('writeJunitReport', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hearth-junit-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('writes the report atomically, creating its folder, leaving no temporary file', async () => {
    const state = stateAfterRun([
      [{ file: 'src/a.test.ts', tests: [{ name: 'a', state: 'passed', durationMs: 1, errors: [] }] }],
    ])
    const file = path.join(dir, 'reports', 'junit.xml')
    await writeJunitReport(file, state)
    expect(await readFile(file, 'utf8')).toBe(renderJunit(state))
    expect(await readdir(path.join(dir, 'reports'))).toEqual(['junit.xml'])
  })
})
