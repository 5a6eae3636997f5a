import { describe, expect, it } from 'vitest'
import { createLabels, identityFromLabels, matchesSelector } from './create-labels.js'
import { LABELS, type Labels } from './labels.js'
import type { ServiceIdentity } from './types.js'

const identity: ServiceIdentity = {
  project: 'shop',
  projectId: 'shop-1a2b3c',
  environment: 'checkout',
  service: 'db',
}
const labels = createLabels(identity, 'container', 'sha256:abc', '1.2.3')

function without(key: string): Labels {
  const { [key]: _dropped, ...rest } = labels
  return rest
}

describe('createLabels', () => {
  it('labels an instance with hearth’s marker, its identity, kind, spec hash and hearth’s version', () => {
    expect(labels).toEqual({
      'dev.hearth.managed': 'true',
      'dev.hearth.project': 'shop',
      'dev.hearth.project-id': 'shop-1a2b3c',
      'dev.hearth.environment': 'checkout',
      'dev.hearth.service': 'db',
      'dev.hearth.kind': 'container',
      'dev.hearth.spec-hash': 'sha256:abc',
      'dev.hearth.version': '1.2.3',
    })
  })
})

describe('matchesSelector', () => {
  it('matches on the project id alone, or narrowed by environment and service', () => {
    expect(matchesSelector(labels, { projectId: 'shop-1a2b3c' })).toBe(true)
    expect(matchesSelector(labels, { projectId: 'shop-1a2b3c', environment: 'checkout' })).toBe(true)
    expect(matchesSelector(labels, { projectId: 'shop-1a2b3c', service: 'db' })).toBe(true)
    expect(
      matchesSelector(labels, { projectId: 'shop-1a2b3c', environment: 'checkout', service: 'db' }),
    ).toBe(true)
  })

  it('rejects another project, environment or service', () => {
    expect(matchesSelector(labels, { projectId: 'shop-ffffff' })).toBe(false)
    expect(matchesSelector(labels, { projectId: 'shop-1a2b3c', environment: 'billing' })).toBe(false)
    expect(matchesSelector(labels, { projectId: 'shop-1a2b3c', service: 'api' })).toBe(false)
    expect(
      matchesSelector(labels, { projectId: 'shop-1a2b3c', environment: 'checkout', service: 'api' }),
    ).toBe(false)
  })

  it('requires hearth’s marker, set to exactly "true"', () => {
    expect(matchesSelector(without(LABELS.managed), { projectId: 'shop-1a2b3c' })).toBe(false)
    expect(matchesSelector({ ...labels, [LABELS.managed]: 'yes' }, { projectId: 'shop-1a2b3c' })).toBe(false)
  })

  it('requires the project id label: a resource without one matches no selector', () => {
    const anonymous = without(LABELS.projectId)
    expect(matchesSelector(anonymous, { projectId: 'shop-1a2b3c' })).toBe(false)
    expect(matchesSelector(anonymous, { projectId: '' })).toBe(false)
  })

  it('does not match on the project name: two checkouts of one project stay apart', () => {
    expect(matchesSelector(labels, { projectId: 'shop' })).toBe(false)
  })
})

describe('identityFromLabels', () => {
  it('reads the identity back', () => {
    expect(identityFromLabels(labels)).toEqual(identity)
  })

  it('ignores labels that are not part of the identity', () => {
    expect(identityFromLabels({ ...labels, 'com.example.team': 'payments' })).toEqual(identity)
  })

  it('is null when any identity label is missing', () => {
    for (const key of [LABELS.project, LABELS.projectId, LABELS.environment, LABELS.service]) {
      expect(identityFromLabels(without(key))).toBeNull()
    }
    expect(identityFromLabels({})).toBeNull()
  })
})
