import { describe, expect, it } from 'vitest'
import { LABELS, labelEnvName, labelFromEnvName } from './labels.js'

describe('labelEnvName', () => {
  it('turns each of hearth’s labels into a HEARTH_LABEL_ variable', () => {
    expect(Object.values(LABELS).map(labelEnvName)).toEqual([
      'HEARTH_LABEL_MANAGED',
      'HEARTH_LABEL_PROJECT',
      'HEARTH_LABEL_PROJECT_ID',
      'HEARTH_LABEL_ENVIRONMENT',
      'HEARTH_LABEL_SERVICE',
      'HEARTH_LABEL_KIND',
      'HEARTH_LABEL_SPEC_HASH',
      'HEARTH_LABEL_VERSION',
    ])
  })

  it('keeps a foreign label’s prefix, folding every run of other characters to one underscore', () => {
    expect(labelEnvName('com.example/team--name')).toBe('HEARTH_LABEL_COM_EXAMPLE_TEAM_NAME')
  })
})

describe('labelFromEnvName', () => {
  it('reads every hearth label back from its variable', () => {
    for (const label of Object.values(LABELS)) expect(labelFromEnvName(labelEnvName(label))).toBe(label)
  })

  it('gives distinct variables for distinct labels, so the round trip is unambiguous', () => {
    const names = Object.values(LABELS).map(labelEnvName)
    expect(new Set(names).size).toBe(names.length)
  })

  it('is null for any other variable', () => {
    expect(labelFromEnvName('HEARTH_INSTANCE_ID')).toBeNull()
    expect(labelFromEnvName('HEARTH_LABEL_COM_EXAMPLE')).toBeNull()
    expect(labelFromEnvName('hearth_label_project')).toBeNull()
    expect(labelFromEnvName('PATH')).toBeNull()
    expect(labelFromEnvName('')).toBeNull()
  })
})
