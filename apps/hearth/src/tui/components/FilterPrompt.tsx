import { Text } from 'ink'
import type { FileFilter } from '../selectors.js'
import { Row, Styled } from './Styled.js'

/** The filter prompt, in place of the status line: the text typed so far; Enter runs, Esc cancels. */
export function FilterPrompt({ prompt }: { prompt: FileFilter }) {
  return (
    <Row>
      <Styled tone="accent" bold>
        {prompt.kind === 'path' ? 'p  file path contains › ' : 't  test name contains › '}
      </Styled>
      <Text>{prompt.text}</Text>
      <Text inverse> </Text>
      <Styled dim>{'   ⏎ run · Esc cancel'}</Styled>
    </Row>
  )
}
