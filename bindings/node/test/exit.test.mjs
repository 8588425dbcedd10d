import assert from 'node:assert/strict'
import { test } from 'node:test'

import { runChild } from './helpers.mjs'

test('the process exits by itself once its links are closed', async () => {
  const { code, output } = await runChild('close', 15000)
  assert.equal(code, 0, output)
  assert.match(output, /received call_lost\nmain done\n/)
})

test('an unref-ed link does not hold the process open', async () => {
  const { code, output } = await runChild('unref', 15000)
  assert.equal(code, 0, output)
  assert.match(output, /main done/)
})

test('an open link holds the process open', async () => {
  const { code, output } = await runChild('open', 5000)
  assert.match(output, /main done/)
  assert.equal(code, null, 'still running after the program ended')
})
