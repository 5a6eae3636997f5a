import { describe, expect, it } from 'vitest'
import { splitShellWords } from './shell-words.js'

const words = (line: string) => {
  const split = splitShellWords(line)
  if (!split.ok) throw new Error(split.error)
  return split.words
}

describe('splitShellWords (as go-shellwords, which Compose uses for a string command)', () => {
  it.each<[string, string[]]>([
    ['redis-server --appendonly yes', ['redis-server', '--appendonly', 'yes']],
    ['  npm   run  start ', ['npm', 'run', 'start']],
    [`sh -c 'echo "a b"; exec sleep 1'`, ['sh', '-c', 'echo "a b"; exec sleep 1']],
    [`echo "it's" 'say "hi"'`, ['echo', "it's", 'say "hi"']],
    ['echo "a\\"b" a\\ b', ['echo', 'a"b', 'a b']],
    [`echo '' ""`, ['echo', '', '']],
    ['echo a"b c"d', ['echo', 'ab cd']],
    [`echo '\\n'`, ['echo', '\\n']],
    ['echo \\n', ['echo', '\n']],
    ['echo $(date +%s) `id -u`', ['echo', '$(date +%s)', '`id -u`']],
    ['psql --command="SELECT 1"', ['psql', '--command=SELECT 1']],
  ])('%s', (line, expected) => {
    expect(words(line)).toEqual(expected)
  })

  it('stops at an unquoted operator, as Compose does: it runs no shell', () => {
    expect(splitShellWords('npm run migrate && npm start')).toEqual({
      ok: true,
      words: ['npm', 'run', 'migrate'],
      dropped: '&& npm start',
    })
    expect(splitShellWords('serve 2>/dev/null')).toEqual({
      ok: true,
      words: ['serve'],
      dropped: '2>/dev/null',
    })
    expect(splitShellWords('echo "a;b" done')).toMatchObject({
      dropped: null,
      words: ['echo', 'a;b', 'done'],
    })
  })

  it('rejects an unclosed quote and a bare parenthesis', () => {
    expect(splitShellWords(`echo 'open`)).toEqual({ ok: false, error: 'an unclosed quote' })
    expect(splitShellWords('echo "open')).toEqual({ ok: false, error: 'an unclosed quote' })
    expect(splitShellWords('echo (x)')).toMatchObject({ ok: false })
    expect(splitShellWords('echo x)')).toMatchObject({ ok: false })
  })
})
