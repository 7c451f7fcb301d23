// The desktop IPC guard: only frames of the app's own renderer folder may call the backend.
import { describe, expect, it } from 'vitest'
import { channelOf, isTrustedSender } from '../../electron/ipc'

const INDEX = 'file:///opt/heapgraph/resources/app/dist/renderer/index.html'

describe('ipc', () => {
  it('names one channel per method', () => {
    expect(channelOf('getSummary')).toBe('heapgraph:getSummary')
  })

  it('trusts only file URLs inside the renderer folder', () => {
    expect(isTrustedSender(INDEX, INDEX)).toBe(true)
    expect(isTrustedSender(`${INDEX}#/object`, INDEX)).toBe(true)
    expect(
      isTrustedSender('file:///opt/heapgraph/resources/app/dist/renderer/sub/page.html', INDEX),
    ).toBe(true)
    expect(isTrustedSender('https://evil.example/', INDEX)).toBe(false)
    expect(isTrustedSender('file:///tmp/evil.html', INDEX)).toBe(false)
    expect(
      isTrustedSender('file:///opt/heapgraph/resources/app/dist/rendererX/index.html', INDEX),
    ).toBe(false)
    expect(isTrustedSender(undefined, INDEX)).toBe(false)
    expect(isTrustedSender('not a url', INDEX)).toBe(false)
  })
})
