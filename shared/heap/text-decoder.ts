// The WHATWG TextDecoder, which Node, Electron and browsers all have, typed for shared/ (compiled
// without the DOM or Node libraries).

export interface TextDecoderLike {
  decode(input: Uint8Array): string
}

interface TextDecoderConstructor {
  new (label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean }): TextDecoderLike
}

/** A decoder for `label` (utf-8 by default). */
export function textDecoder(
  label = 'utf-8',
  options?: { fatal?: boolean; ignoreBOM?: boolean },
): TextDecoderLike {
  const { TextDecoder } = globalThis as unknown as { TextDecoder: TextDecoderConstructor }
  return new TextDecoder(label, options)
}
