import path from 'node:path'

/**
 * `file` relative to the project root, with `/` separators, as views, globs and events show it. A
 * file outside the root (a global module, say) keeps its absolute path: `../../..` would only hide
 * where it is.
 */
export function relativePath(root: string, file: string): string {
  if (root === '' || !path.isAbsolute(file)) return file
  const relative = path.relative(root, file)
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return file
  return relative.split(path.sep).join('/')
}
