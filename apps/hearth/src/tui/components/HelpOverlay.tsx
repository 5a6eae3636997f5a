import { Box } from 'ink'
import { KEY_HELP } from '../keymap.js'
import { fitEnd, widthOf } from '../text.js'
import { Row, Styled } from './Styled.js'

/** Every key, in place of the panes. */
export function HelpOverlay({ width, height }: { width: number; height: number }) {
  const keyWidth = Math.max(...KEY_HELP.map(([key]) => widthOf(key))) + 2
  return (
    <Box flexDirection="column" height={height} width={width} overflow="hidden">
      <Row>
        <Styled bold inverse tone="active">
          {' keys '}
        </Styled>
        <Styled dim> any key closes this</Styled>
      </Row>
      {KEY_HELP.map(([key, description]) => (
        <Row key={`${key}:${description}`}>
          <Styled bold>{`  ${fitEnd(key, keyWidth)}`}</Styled>
          {description}
        </Row>
      ))}
    </Box>
  )
}
