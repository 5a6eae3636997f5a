import { describe, expect, it } from 'vitest'
import { fileState, toErrorInfo, toTestState, unhandledErrorFile } from './results.js'

describe('toTestState', () => {
  it.each([
    ['passed', 'passed'],
    ['failed', 'failed'],
    ['skipped', 'skipped'],
    // Never finished (a cancelled run): not a pass, not a failure.
    ['pending', 'skipped'],
    ['queued', 'skipped'],
  ])('%s → %s', (state, expected) => {
    expect(toTestState(state)).toBe(expected)
  })
})

describe('fileState', () => {
  it('fails a file with errors of its own, whatever its tests did', () => {
    expect(fileState('passed', 0)).toBe('passed')
    expect(fileState('passed', 1)).toBe('failed')
    expect(fileState('skipped', 2)).toBe('failed')
  })
})

describe('toErrorInfo', () => {
  const assertion = {
    name: 'AssertionError',
    message: 'expected 4 to be 5 // Object.is equality',
    stack: 'AssertionError: expected 4 to be 5\n    at /p/src/math.js:3:9\n    at /p/math.test.js:7:21',
    stacks: [
      { method: 'double', file: '/p/src/math.js', line: 3, column: 9 },
      { method: '', file: '/p/math.test.js', line: 7, column: 21 },
    ],
    diff: '\u001b[32m- Expected\u001b[39m\n\u001b[31m+ Received\u001b[39m\n\n\u001b[32m- 5\u001b[39m\n\u001b[31m+ 4\u001b[39m',
  }

  it('keeps message, name, stack and the diff without colours; locates the frame in the test file', () => {
    expect(toErrorInfo(assertion, '/p/math.test.js')).toEqual({
      name: 'AssertionError',
      message: 'expected 4 to be 5 // Object.is equality',
      stack: assertion.stack,
      location: { file: '/p/math.test.js', line: 7, column: 21 },
      diff: '- Expected\n+ Received\n\n- 5\n+ 4',
    })
  })

  it('falls back to the first frame when none is in the test file', () => {
    expect(toErrorInfo(assertion, '/p/other.test.js').location).toEqual({
      file: '/p/src/math.js',
      line: 3,
      column: 9,
    })
    expect(toErrorInfo(assertion).location?.file).toBe('/p/src/math.js')
  })

  it("uses a transform error's own location (a syntax error), with columns counted from 1", () => {
    const syntax = {
      name: 'Error',
      message: 'Failed to parse source for import analysis',
      stacks: [{ file: '/node_modules/vite/dist/node.js', line: 1, column: 1 }],
      __vitest_rollup_error__: {
        id: '/p/src/broken.js',
        loc: { file: '/p/src/broken.js', line: 4, column: 2 },
      },
    }
    expect(toErrorInfo(syntax, '/p/a.test.js').location).toEqual({
      file: '/p/src/broken.js',
      line: 4,
      column: 3,
    })
  })

  it('names the suite of a failing hook', () => {
    expect(toErrorInfo({ message: 'cannot connect' }, '/p/a.test.js', 'database')).toEqual({
      message: 'cannot connect',
      suite: 'database',
    })
  })

  it('takes whatever was thrown', () => {
    expect(toErrorInfo('a string')).toEqual({ message: 'a string' })
    expect(toErrorInfo(undefined)).toEqual({ message: 'undefined' })
    expect(toErrorInfo({ stacks: 'not frames' })).toEqual({ message: '' })
  })
})

describe('unhandledErrorFile', () => {
  it('reads the test file Vitest traced the error to', () => {
    expect(unhandledErrorFile({ message: 'x', VITEST_TEST_PATH: '/p/a.test.js' })).toBe('/p/a.test.js')
    expect(unhandledErrorFile({ message: 'x' })).toBeUndefined()
    expect(unhandledErrorFile('x')).toBeUndefined()
  })
})
