import { describe, expect, it } from 'vitest'
import { matchReportedFiles, parseJunitTimings } from './junit.js'

// As Vitest 4's junit reporter writes it: one <testsuite> a file, named by its path relative to the
// Vitest root, with the file's time in seconds.
const vitestReport = `<?xml version="1.0" encoding="UTF-8" ?>
<testsuites name="vitest tests" tests="5" failures="1" errors="0" time="2.0171">
    <testsuite name="test/orders.test.ts" timestamp="2026-11-24T10:00:02.118Z" hostname="runner-7" tests="2" failures="1" errors="0" skipped="0" time="1.204">
        <testcase classname="test/orders.test.ts" name="orders &gt; lists them" time="0.412">
        </testcase>
        <testcase classname="test/orders.test.ts" name="orders &gt; rejects a bad total" time="0.75">
            <failure message="expected 400 to be 422 // Object.is equality" type="AssertionError">
AssertionError: expected 400 to be 422 // Object.is equality

- Expected
+ Received

- 422
+ 400

 ❯ test/orders.test.ts:18:22
            </failure>
        </testcase>
    </testsuite>
    <testsuite name="test/users.test.ts" timestamp="2026-11-24T10:00:02.119Z" hostname="runner-7" tests="2" failures="0" errors="0" skipped="1" time="0.811">
        <testcase classname="test/users.test.ts" name="users &gt; signs up &lt;b&gt;new&lt;/b&gt; users" time="0.8">
            <system-out>
created user 42
            </system-out>
        </testcase>
        <testcase classname="test/users.test.ts" name="users &gt; later" time="0">
            <skipped/>
        </testcase>
    </testsuite>
    <testsuite name="src/money.test.ts" timestamp="2026-11-24T10:00:02.120Z" hostname="runner-7" tests="1" failures="0" errors="0" skipped="0" time="0.0021">
        <testcase classname="src/money.test.ts" name="adds cents" time="0.0012">
        </testcase>
    </testsuite>
</testsuites>
`

// jest-junit with addFileAttribute: suites are named by their first describe title (two files share
// "Cart"), each test case names its file relative to Jest's rootDir; a file that failed to load is
// a suite named by its path. Suite times are the files' times.
const jestJunitReport = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="jest tests" tests="6" failures="0" errors="1" time="6.338">
  <testsuite name="Checkout" errors="0" failures="0" skipped="0" timestamp="2026-11-24T10:00:01" time="2.512" tests="2">
    <testcase classname="Checkout applies a coupon" name="Checkout applies a coupon" time="0.9" file="src/checkout/checkout.test.ts">
    </testcase>
    <testcase classname="Checkout charges the card" name="Checkout charges the card" time="1.2" file="src/checkout/checkout.test.ts">
    </testcase>
  </testsuite>
  <testsuite name="Cart" errors="0" failures="0" skipped="0" timestamp="2026-11-24T10:00:01" time="0.8" tests="2">
    <testcase classname="Cart adds an item" name="Cart adds an item" time="0.3" file="src/cart/cart.test.ts">
    </testcase>
    <testcase classname="Cart removes an item" name="Cart removes an item" time="0.2" file="src/cart/cart.test.ts">
    </testcase>
  </testsuite>
  <testsuite name="Cart" errors="0" failures="0" skipped="1" timestamp="2026-11-24T10:00:02" time="0.4" tests="1">
    <testcase classname="Cart (legacy) totals" name="Cart (legacy) totals" time="0" file="src/cart/legacy-cart.test.ts">
      <skipped/>
    </testcase>
  </testsuite>
  <testsuite name="src/broken.test.ts" errors="1" failures="0" skipped="0" timestamp="2026-11-24T10:00:03" time="0.05" tests="0">
    <testcase classname="Test suite failed to run" name="src/broken.test.ts" time="0" file="src/broken.test.ts">
      <error>  ● Test suite failed to run

    Cannot find module './missing' from 'src/broken.test.ts'</error>
    </testcase>
  </testsuite>
</testsuites>
`

describe('parseJunitTimings', () => {
  it("reads Vitest's report: one suite a file, named by its path, time in seconds", () => {
    expect(parseJunitTimings(vitestReport)).toEqual([
      { name: 'src/money.test.ts', durationMs: 2.1 },
      { name: 'test/orders.test.ts', durationMs: 1204 },
      { name: 'test/users.test.ts', durationMs: 811 },
    ])
  })

  it("reads jest-junit's report by the test cases' file, whatever the suite is named", () => {
    expect(parseJunitTimings(jestJunitReport)).toEqual([
      { name: 'src/broken.test.ts', durationMs: 50 },
      { name: 'src/cart/cart.test.ts', durationMs: 800 },
      { name: 'src/cart/legacy-cart.test.ts', durationMs: 400 },
      { name: 'src/checkout/checkout.test.ts', durationMs: 2512 },
    ])
  })

  it('reads a single <testsuite> root, summing test cases when the suite has no time', () => {
    const xml = `<?xml version="1.0"?>
<testsuite name="tests/api.test.ts" tests="3">
  <testcase name="a" time="0.25"/>
  <testcase name="b" time="1,000.5"/>
  <testcase name="c" time="not a number"/>
</testsuite>`
    expect(parseJunitTimings(xml)).toEqual([{ name: 'tests/api.test.ts', durationMs: 1_000_750 }])
  })

  it("adds up several suites of one file, and takes a suite's file attribute over its name", () => {
    // Playwright names suites by file and writes one per browser project.
    const xml = `<testsuites id="" name="" tests="3" failures="0" skipped="0" errors="0" time="9.1">
<testsuite name="login.spec.ts" hostname="chromium" tests="1" failures="0" skipped="0" time="3.5" errors="0">
<testcase name="logs in" classname="login.spec.ts" time="3.5"></testcase>
</testsuite>
<testsuite name="login.spec.ts" hostname="firefox" tests="1" failures="0" skipped="0" time="4.5" errors="0">
<testcase name="logs in" classname="login.spec.ts" time="4.5"></testcase>
</testsuite>
<testsuite name="Search" file=".\\e2e\\search.spec.ts" tests="1" time="1.1">
<testcase name="finds" time="1"></testcase>
</testsuite>
</testsuites>`
    expect(parseJunitTimings(xml)).toEqual([
      { name: 'e2e/search.spec.ts', durationMs: 1100 },
      { name: 'login.spec.ts', durationMs: 8000 },
    ])
  })

  it('counts nested suites once: a suite holding suites is only their container', () => {
    const xml = `<testsuites><testsuite name="all" time="9">
  <testsuite name="a.test.ts" time="2"/>
  <testsuite name="b.test.ts"><testcase name="x" time="0.5"/></testsuite>
</testsuite></testsuites>`
    expect(parseJunitTimings(xml)).toEqual([
      { name: 'a.test.ts', durationMs: 2000 },
      { name: 'b.test.ts', durationMs: 500 },
    ])
  })

  it('reads a report with no suites as no files', () => {
    expect(parseJunitTimings('<testsuites/>')).toEqual([])
    expect(
      parseJunitTimings('<?xml version="1.0"?>\n<testsuites name="vitest tests" tests="0"></testsuites>'),
    ).toEqual([])
  })

  it.each([
    ['<testsuites>', 'The XML is not a JUnit report: it ends with <testsuites> still open (is it cut off?).'],
    ['', 'The XML is not a JUnit report: it is not well-formed XML (Start tag expected at line 1).'],
    [
      '<testsuites><testsuite name="a">',
      'The XML is not a JUnit report: it ends with <testsuites>, <testsuite> still open (is it cut off?).',
    ],
    [
      '{"format":1}',
      "The XML is not a JUnit report: it is not well-formed XML (char '{' is not expected at line 1, column 1).",
    ],
    [
      '<html><body>502 Bad Gateway</body></html>',
      'The XML is not a JUnit report: its root element is <html>, not <testsuites> or <testsuite>.',
    ],
  ])('says why %j is not a JUnit report', (xml, message) => {
    expect(() => parseJunitTimings(xml)).toThrow(new Error(message))
  })
})

describe('matchReportedFiles', () => {
  const known = [
    'packages/api/test/orders.test.ts',
    'packages/web/test/orders.test.ts',
    'packages/api/test/users.test.ts',
    'src/util.test.ts',
    'apps/site/src/util.test.ts',
  ]

  it('matches exactly, else by a unique whole-segment suffix either way; the rest is unmatched', () => {
    const reported = [
      'src/util.test.ts', // exact, though also a suffix of apps/site/…
      './src/util.test.ts',
      'test/users.test.ts', // relative to its package's Vitest root
      'packages\\api\\test\\users.test.ts', // Windows separators
      '/home/ci/work/repo/packages/web/test/orders.test.ts', // absolute
      'test/orders.test.ts', // in two packages
      'ers.test.ts', // not a whole segment
      'Checkout', // a describe title
      'test/gone.test.ts',
    ]
    const result = matchReportedFiles(
      reported.map((name, i) => ({ name, durationMs: i })),
      known,
    )
    expect(result).toEqual({
      matched: [
        { path: 'src/util.test.ts', durationMs: 0 },
        { path: 'src/util.test.ts', durationMs: 1 },
        { path: 'packages/api/test/users.test.ts', durationMs: 2 },
        { path: 'packages/api/test/users.test.ts', durationMs: 3 },
        { path: 'packages/web/test/orders.test.ts', durationMs: 4 },
      ],
      unmatched: ['test/orders.test.ts', 'ers.test.ts', 'Checkout', 'test/gone.test.ts'],
    })
  })

  it('matches a Vitest report from a package root to the project paths', () => {
    const result = matchReportedFiles(parseJunitTimings(vitestReport), [
      'packages/shop/test/orders.test.ts',
      'packages/shop/test/users.test.ts',
      'packages/shop/src/money.test.ts',
    ])
    expect(result).toEqual({
      matched: [
        { path: 'packages/shop/src/money.test.ts', durationMs: 2.1 },
        { path: 'packages/shop/test/orders.test.ts', durationMs: 1204 },
        { path: 'packages/shop/test/users.test.ts', durationMs: 811 },
      ],
      unmatched: [],
    })
  })
})
