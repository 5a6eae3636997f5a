import path from 'node:path'
import { writeFileAtomic } from '@hearth/driver'
import { formatDuration } from '@hearth/environments'
import type { ShardPlan } from '@hearth/sharding'
import { type CommandSpec, type ParsedArgs, UsageError } from '../args.js'
import { displayPath, type Io, println } from '../io.js'
import {
  MAX_SHARDS,
  makePlan,
  makePlanForTarget,
  type PlanFile,
  parseShardCount,
  parseTarget,
  readTimingHistory,
} from '../shards.js'
import { createStyle, type Style } from '../style.js'
import { VERSION } from '../version.js'
import { openSession } from '../wiring.js'
import { parseTargets, selectTests } from './selection.js'
import { commitOf, globalOptions } from './shared.js'

export const PLAN_FORMATS = ['text', 'json', 'github', 'gitlab'] as const
export type PlanFormat = (typeof PLAN_FORMATS)[number]

/** What the GitLab child pipeline includes by default: the recipe's shard template (docs/sharding.md). */
export const GITLAB_INCLUDE = '.gitlab/hearth-shards.yml'

export const planSpec: CommandSpec = {
  name: 'plan',
  summary: 'Split the tests into shards of about equal time for parallel CI jobs, and print the plan.',
  usage:
    'hearth plan (--shards N | --target DURATION) [group|path…] [--group NAME]… [--since REF] [--format text|json|github|gitlab] [--output FILE] [options]',
  operands: 'Test groups, or test files and folders (relative to the current folder), as for `hearth ci`.',
  options: {
    shards: { type: 'string', value: '<n>', description: 'Split into this many shards' },
    target: {
      type: 'string',
      value: '<duration>',
      description: `Propose the fewest shards (up to ${MAX_SHARDS}) whose slowest fits this time, e.g. 5m or 90s`,
    },
    group: {
      type: 'string',
      multiple: true,
      value: '<name>',
      description: 'Plan only the tests of this test group (repeat for several)',
    },
    since: {
      type: 'string',
      value: '<ref>',
      description: 'Plan only the tests affected by the changes since this git ref',
    },
    format: {
      type: 'string',
      value: '<name>',
      description:
        'text (default), json (the plan), github (matrix=… and shards=… lines for $GITHUB_OUTPUT), gitlab (a child pipeline)',
    },
    output: {
      type: 'string',
      value: '<file>',
      description: 'Also write the plan as JSON to this file, for `hearth ci --shard i/N --plan FILE`',
    },
    include: {
      type: 'string',
      value: '<file>',
      description: `With --format gitlab: the file with the .hearth-shard job the child pipeline includes (default ${GITLAB_INCLUDE})`,
    },
  },
  details: [
    "Each file's time comes from the timing history (.hearth/timings.json: written by `hearth ci`, a",
    "shard's runs excepted, and by `hearth merge-reports`; seeded by `hearth timings import junit.xml`).",
    "A file it does not know gets a predicted time (its group's median, scaled by its size). A shard",
    'also pays the fixed cost of a run and the start-up of each environment its files need, so files',
    'of one environment stay together when that is cheaper.',
    'The same inputs give the same plan on every machine. A missing or stale history makes a plan of',
    'predictions, never an error. With json, github or gitlab the readable plan goes to stderr.',
  ].join('\n'),
}

export async function runPlan(args: ParsedArgs, io: Io): Promise<number> {
  const shards = typeof args.values.shards === 'string' ? parseShardCount(args.values.shards) : null
  const target = typeof args.values.target === 'string' ? parseTarget(args.values.target) : null
  if ((shards === null) === (target === null))
    throw new UsageError(
      shards === null
        ? 'say how to split: --shards N or --target DURATION'
        : 'give --shards or --target, not both',
      'e.g. `hearth plan --shards 4`, or `hearth plan --target 5m` for the fewest shards that fit',
    )
  const format = parseFormat(args.values.format)
  const since = typeof args.values.since === 'string' ? args.values.since : null
  const include = typeof args.values.include === 'string' ? args.values.include : GITLAB_INCLUDE
  const { config, session, close } = await openSession(
    globalOptions(args),
    { mode: 'once' },
    { drivers: false },
  )
  let planFile: PlanFile
  let fits = true
  try {
    const targets = parseTargets(config, args)
    // The commit, not the ref: the shards select the same changes even after the branch moves.
    const sinceCommit = since === null ? null : await commitOf(config.root, since)
    const selected = await selectTests(session, config, { targets, since: sinceCommit, strict: false })
    const files = selected.targeted.filter((file) => selected.reasons[file.file] !== undefined)
    const history = await readTimingHistory(config.root)
    let plan: ShardPlan
    if (target === null) plan = makePlan(files, history, shards as number)
    else ({ plan, fits } = makePlanForTarget(files, history, target))
    planFile = {
      ...plan,
      project: { name: session.project.name, id: session.project.id },
      since: sinceCommit,
      sinceRef: since,
      version: VERSION,
    }
  } finally {
    await close()
  }
  if (typeof args.values.output === 'string')
    await writeFileAtomic(path.resolve(args.values.output), `${JSON.stringify(planFile, null, 2)}\n`)
  // The machine formats own stdout; the human account then goes to stderr.
  const human = format === 'text' ? io.stdout : io.stderr
  const style = createStyle(human, io.env)
  for (const line of describePlan(planFile, { style, target, fits, output: outputOf(args) }))
    println(human, line)
  if (format === 'json') io.stdout.write(`${JSON.stringify(planFile, null, 2)}\n`)
  if (format === 'github') for (const line of githubOutputs(planFile)) println(io.stdout, line)
  if (format === 'gitlab') io.stdout.write(gitlabPipeline(planFile, include))
  return 0
}

function outputOf(args: ParsedArgs): string | null {
  return typeof args.values.output === 'string' ? displayPath(path.resolve(args.values.output)) : null
}

function parseFormat(value: ParsedArgs['values'][string]): PlanFormat {
  if (value === undefined) return 'text'
  const text = String(value)
  if (!(PLAN_FORMATS as readonly string[]).includes(text))
    throw new UsageError(`unknown format "${text}"`, `use one of: ${PLAN_FORMATS.join(', ')}`)
  return text as PlanFormat
}

/** The plan for a person: each shard with its predicted time, files and environments; the bound. */
export function describePlan(
  plan: PlanFile,
  options: { style: Style; target: number | null; fits: boolean; output: string | null },
): string[] {
  const { style } = options
  const count = plan.shards.reduce((sum, shard) => sum + shard.files.length, 0)
  const lines = [
    style.bold(
      `hearth plan · ${plan.project?.name ?? 'project'} · ${plan.shardCount} shard${plan.shardCount === 1 ? '' : 's'} · ${count} test file${count === 1 ? '' : 's'}${plan.since === null ? '' : ` · since ${plan.sinceRef ?? plan.since}`}`,
    ),
  ]
  if (options.target !== null)
    lines.push(
      options.fits
        ? `the fewest shards whose slowest fits ${formatDuration(options.target)}: ${plan.shardCount}`
        : style.yellow(
            `no number of shards fits ${formatDuration(options.target)}: the slowest needs ${formatDuration(plan.predictedMaxMs)} at best, which ${plan.shardCount} shard${plan.shardCount === 1 ? '' : 's'} reach`,
          ),
    )
  const predicted = new Set(plan.predicted)
  // Shards with nothing to run (more shards than files) are one line, however many.
  const empty = plan.shards.filter((shard) => shard.files.length === 0).map((shard) => shard.index)
  for (const shard of plan.shards) {
    if (shard.files.length === 0) {
      if (shard.index === empty[0])
        lines.push(
          style.dim(
            `${describeIndexes(empty)} of ${plan.shardCount}: no test files${count === 0 ? '' : count < plan.shardCount ? ' (more shards than files)' : ' (the slowest shard sets the time: more machines or start-ups would not finish sooner)'}`,
          ),
        )
      continue
    }
    const environments =
      shard.environments.length === 0
        ? ''
        : `  ${style.dim(
            `start-up ${shard.environments
              .map(
                (environment) =>
                  `${environment.name} ${formatDuration(environment.startupMs)}${environment.predicted ? ' (predicted)' : ''}`,
              )
              .join(', ')}`,
          )}`
    lines.push(
      `shard ${shard.index}/${plan.shardCount}  ${formatDuration(shard.predictedMs).padStart(8)}  ${shard.files.length} file${shard.files.length === 1 ? '' : 's'}${environments}`,
    )
    for (const file of shard.files)
      lines.push(
        `  ${style.dim(formatDuration(file.predictedMs).padStart(8))}  ${file.path}${predicted.has(file.path) ? style.dim(' (predicted)') : ''}`,
      )
  }
  const bound = plan.lowerBound
  const ratio = bound.ms > 0 ? plan.predictedMaxMs / bound.ms : 1
  lines.push(
    `slowest shard ${formatDuration(plan.predictedMaxMs)} · lower bound ${formatDuration(bound.ms)} (${
      bound.by === 'average' ? 'all the work spread evenly' : 'the longest file'
    }) · ${ratio.toFixed(2)}×`,
  )
  if (plan.overheadMs > 0)
    lines.push(
      style.dim(
        `each shard's time includes ${formatDuration(plan.overheadMs)} a run costs besides its files and start-ups (starting hearth and the runner, resets, clean-up), as earlier runs measured it`,
      ),
    )
  if (bound.by === 'longest-file' && bound.file !== null) {
    const floor = plan.shards.flatMap((shard) => shard.files).find((file) => file.path === bound.file)
    const environment =
      floor?.environment == null
        ? null
        : plan.shards.flatMap((shard) => shard.environments).find((entry) => entry.name === floor.environment)
    lines.push(
      style.yellow(
        `${bound.file} takes ${formatDuration(floor?.predictedMs ?? bound.ms)}${
          environment == null
            ? ''
            : ` after its environment ${environment.name} starts (${formatDuration(environment.startupMs)}${environment.predicted ? ', predicted' : ''})`
        }: it sets the floor of ${formatDuration(bound.ms)}, so more shards cannot finish sooner${environment == null ? '; split that file to go faster' : ''}`,
      ),
    )
  }
  if (plan.predicted.length > 0)
    lines.push(
      style.dim(
        `${plan.predicted.length} file${plan.predicted.length === 1 ? ' has' : 's have'} no timing history: ${plan.predicted.length === 1 ? 'its time is' : 'their times are'} predicted from similar files; \`hearth ci\` measures them (or seed the history: \`hearth timings import junit.xml\`)`,
      ),
    )
  lines.push(
    style.dim(
      `plan ${plan.digest}${options.output === null ? '' : ` · written to ${options.output}`} · run each shard with \`hearth ci --shard i/${plan.shardCount}${options.output === null ? '' : ` --plan ${options.output}`}\``,
    ),
  )
  return lines
}

/** `shard 4`, `shards 4–9`, `shards 2, 5, 7`: which shards, briefly. */
function describeIndexes(indexes: readonly number[]): string {
  if (indexes.length === 1) return `shard ${indexes[0]}`
  const first = indexes[0] as number
  const last = indexes[indexes.length - 1] as number
  return last - first + 1 === indexes.length ? `shards ${first}–${last}` : `shards ${indexes.join(', ')}`
}

/** Lines for `$GITHUB_OUTPUT`: the matrix (`fromJSON(needs.plan.outputs.matrix)`) and the count. */
export function githubOutputs(plan: ShardPlan): string[] {
  const include = plan.shards.map((shard) => ({ shard: shard.index, total: plan.shardCount }))
  return [`matrix=${JSON.stringify({ include })}`, `shards=${plan.shardCount}`, `digest=${plan.digest}`]
}

/**
 * A GitLab child pipeline: the `.hearth-shard` job of `include` (the project's template) run as
 * `parallel: N`, each job's CI_NODE_INDEX/CI_NODE_TOTAL being its `--shard`. GitLab's `parallel`
 * takes 2 to 200; one shard runs as one plain job.
 */
export function gitlabPipeline(plan: ShardPlan, include: string): string {
  const lines = [
    `# hearth plan ${plan.digest}: ${plan.shardCount} shard${plan.shardCount === 1 ? '' : 's'}, slowest ${formatDuration(plan.predictedMaxMs)} (lower bound ${formatDuration(plan.lowerBound.ms)})`,
    'include:',
    `  - local: ${JSON.stringify(include)}`,
    'hearth-shard:',
    '  extends: .hearth-shard',
  ]
  if (plan.shardCount > 1) lines.push(`  parallel: ${plan.shardCount}`)
  return `${lines.join('\n')}\n`
}
